"""Events: the notes components leave on objects ("Scheduled", "Pulling", "Killing").

`kubectl describe` shows them under the object. An EventRecorder writes core/v1 Events
through the API like anything else, after client-go's EventCorrelator (event_correlator.py)
had its say: an identical event is a PATCH of `count`/`lastTimestamp`, the 10th similar one
(same object, reason, other message) becomes "(combined from similar events): …", and more
than 25 events from one source about one object (refill 1 per 5 virtual minutes) are dropped.

An event is best effort: if writing it fails, the component carries on (as upstream). A patch
of an Event that is gone (deleted, expired) creates it again, as client-go's recordToSink.
"""
from __future__ import annotations

import itertools

from ..objects import meta
from ..objects.timefmt import rfc3339
from .client import ApiError, Client
from .event_correlator import EventCorrelator

NORMAL, WARNING = "Normal", "Warning"


class EventRecorder:
    def __init__(self, client: Client, clock, component: str, host: str = ""):
        self.client, self.clock = client, clock
        self.component, self.host = component, host
        self.correlator = EventCorrelator(clock)
        self._sequence = itertools.count()

    def event(self, obj: dict, event_type: str, reason: str, message: str) -> None:
        """Record that `reason` happened to `obj` ("Normal"/"Warning"), worded as upstream."""
        namespace = meta.namespace(obj) or "default"
        now = rfc3339(self.clock.now())
        nanos = int(self.clock.now() * 1e9)
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
        result = self.correlator.correlate(event)
        if result.skip:
            return  # the spam filter's: this source said too much about this object lately
        try:
            if result.patch is not None:
                try:
                    self.client.patch("events", meta.name(result.event), result.patch, namespace)
                    return
                except ApiError as error:
                    if error.reason != "NotFound":
                        raise
                    self._create(result, namespace, nanos, fresh=False)  # gone: write it again
                    return
            self._create(result, namespace, nanos, fresh=True)
        except ApiError:
            pass  # events are best effort

    def _create(self, result, namespace: str, nanos: int, fresh: bool) -> None:
        event = result.event
        base = event["involvedObject"]["name"]
        if fresh:  # a new Event's name: <object>.<virtual nanoseconds, made unique per recorder>
            nanos += next(self._sequence)
            event = {**event, "metadata": {**event["metadata"], "name": f"{base}.{nanos:x}"}}
        for _ in range(8):  # on virtual time two recorders may pick the same nanosecond: move on
            try:
                self.client.create("events", event, namespace)
                self.correlator.renamed(result.key, meta.name(event))
                return
            except ApiError as error:
                if error.reason != "AlreadyExists":
                    raise
                nanos += 1 + next(self._sequence)
                event = {**event, "metadata": {**event["metadata"], "name": f"{base}.{nanos:x}"}}
