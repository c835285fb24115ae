"""Events: the notes components leave on objects ("Scheduled", "Pulling", "Killing").

`kubectl describe` shows them under the object. An EventRecorder writes core/v1 Events
through the API like anything else, and folds repeats: the same reason and message about the
same object bumps `count` and `lastTimestamp` instead of adding a new Event (client-go's
EventCorrelator does this, with more rules for spam).

An event is best effort: if writing it fails, the component carries on (as upstream).
"""
from __future__ import annotations

import itertools

from ..objects import meta
from ..objects.timefmt import rfc3339
from .client import ApiError, Client

NORMAL, WARNING = "Normal", "Warning"


class EventRecorder:
    def __init__(self, client: Client, clock, component: str, host: str = ""):
        self.client, self.clock = client, clock
        self.component, self.host = component, host
        self._seen: dict[tuple, tuple[str, int]] = {}  # (uid, type, reason, message) -> (name, count)
        self._sequence = itertools.count()

    def event(self, obj: dict, event_type: str, reason: str, message: str) -> None:
        """Record that `reason` happened to `obj` ("Normal"/"Warning"), worded as upstream."""
        namespace = meta.namespace(obj) or "default"
        now = rfc3339(self.clock.now())
        seen_key = (meta.uid(obj), event_type, reason, message)
        try:
            if seen_key in self._seen:
                name, count = self._seen[seen_key]
                self.client.patch("events", name, {"count": count + 1, "lastTimestamp": now}, namespace)
                self._seen[seen_key] = (name, count + 1)
                return
            nanos = int(self.clock.now() * 1e9) + next(self._sequence)
            event = {
                "apiVersion": "v1", "kind": "Event",
                "metadata": {"name": f"{meta.name(obj)}.{nanos:x}", "namespace": namespace},
                "involvedObject": {"kind": obj.get("kind", ""), "namespace": meta.namespace(obj),
                                   "name": meta.name(obj), "uid": meta.uid(obj),
                                   "apiVersion": obj.get("apiVersion", ""),
                                   "resourceVersion": meta.resource_version(obj)},
                "reason": reason, "message": message,
                "source": {"component": self.component, **({"host": self.host} if self.host else {})},
                "firstTimestamp": now, "lastTimestamp": now, "count": 1, "type": event_type,
                "eventTime": None, "reportingComponent": self.component,
                "reportingInstance": self.host,
            }
            if not event["involvedObject"]["namespace"]:
                del event["involvedObject"]["namespace"]
            for _ in range(8):  # on virtual time two recorders may pick the same nanosecond: move on
                try:
                    created = self.client.create("events", event, namespace)
                    break
                except ApiError as error:
                    if error.reason != "AlreadyExists":
                        raise
                    nanos += 1 + next(self._sequence)
                    event["metadata"]["name"] = f"{meta.name(obj)}.{nanos:x}"
            else:
                return
            self._seen[seen_key] = (meta.name(created), 1)
        except ApiError:
            pass  # events are best effort
