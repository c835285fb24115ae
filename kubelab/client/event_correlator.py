"""The EventCorrelator: what client-go does to an Event before it is written.

Models k8s.io/client-go/tools/record/events_cache.go, with its defaults, on the virtual clock
(the correlator never reads wall time; only `clock.now()`):

1. The aggregator (`EventAggregator`). Events about the same object from the same source, with
   the same type and reason, that differ only in the message are "similar". Once 10 distinct
   messages (`maxEvents`) have been seen with no gap of more than 600 virtual seconds
   (`maxIntervalInSeconds`), each further similar event is replaced by one event whose message is
   "(combined from similar events): <latest message>", keyed by the group, so the next step
   counts it up instead of writing new Events. A ReplicaSet of 30 writes 9 "Created pod: …"
   events and then one combined event (the 10th message already is combined, as upstream:
   `localKeys.Len() < maxEvents` is false at 10).
2. The logger (`eventLogger`). An event whose key (source, involvedObject, type, reason, message —
   or the group key for a combined event) was seen before becomes a PATCH of that Event's
   `count`, `lastTimestamp` and `message`, keeping its name and `firstTimestamp`.
3. The spam filter (`EventSourceObjectSpamFilter`). A token bucket per source + involvedObject:
   25 tokens (burst), refilled at 1 per 300 virtual seconds; an event finding the bucket empty is
   dropped. It runs after steps 1 and 2, as upstream, so a dropped event still advanced the
   logger's count: the next patch that gets through jumps (count 16 → 22 after a pause).

Invariant: `correlate(event)` is a pure function of the events seen before and the virtual time;
every cache is an LRU of 4096 entries, as upstream's.
Left out: `updateState` after a write (kubelab's writes return what was sent, so the logger
already holds it) and the options (`CorrelatorOptions`) to change the defaults.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

MAX_LRU_CACHE_ENTRIES = 4096
AGGREGATE_MAX_EVENTS = 10
AGGREGATE_INTERVAL_SECONDS = 600
SPAM_BURST = 25
SPAM_QPS = 1.0 / 300.0
COMBINED_PREFIX = "(combined from similar events): "


class _LRU(OrderedDict):
    def __init__(self, size: int = MAX_LRU_CACHE_ENTRIES):
        super().__init__()
        self.size = size

    def get_recent(self, key):
        try:
            self.move_to_end(key)   # (one lookup when present: correlate asks three LRUs per event)
        except KeyError:
            return None
        return self[key]

    def add(self, key, value) -> None:
        if key in self:
            self.move_to_end(key)
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)


def _object_key(event: dict) -> tuple:
    source, involved = event.get("source") or {}, event.get("involvedObject") or {}
    return (source.get("component", ""), source.get("host", ""), involved.get("kind", ""),
            involved.get("namespace", ""), involved.get("name", ""), involved.get("uid", ""),
            involved.get("apiVersion", ""))


def event_key(event: dict, object_key: tuple | None = None) -> tuple:
    """getEventKey: source, involvedObject (with fieldPath), type, reason, message."""
    return (object_key or _object_key(event)) + ((event.get("involvedObject") or {}).get("fieldPath", ""),
                                                 event.get("type", ""), event.get("reason", ""),
                                                 event.get("message", ""))


def spam_key(event: dict) -> tuple:
    """getSpamKey: source and involvedObject."""
    return _object_key(event)


def aggregate_keys(event: dict, object_key: tuple | None = None) -> tuple[tuple, str]:
    """EventAggregatorByReasonFunc: (the group's key, the message that tells members apart)."""
    group = (object_key or _object_key(event)) + (event.get("type", ""), event.get("reason", ""),
                                                  event.get("reportingComponent", ""),
                                                  event.get("reportingInstance", ""))
    return group, event.get("message", "")


class TokenBucket:
    """flowcontrol's token bucket: starts full, refills `qps` per virtual second up to `burst`."""

    def __init__(self, qps: float, burst: int, now: float):
        self.qps, self.burst, self.tokens, self.last = qps, burst, float(burst), now

    def try_accept(self, now: float) -> bool:
        self.tokens = min(float(self.burst), self.tokens + max(0.0, now - self.last) * self.qps)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class _Aggregate:
    local_keys: set
    last_timestamp: float


@dataclass
class Observation:
    """What the logger remembers of a written Event (eventLog)."""
    count: int
    first_timestamp: str
    name: str


@dataclass
class Correlated:
    """EventCorrelateResult: the event to write; `patch` when it updates `event`'s name."""
    event: dict | None
    patch: dict | None = None
    skip: bool = False
    key: tuple = ()


class EventCorrelator:
    def __init__(self, clock):
        self.clock = clock
        self._aggregates = _LRU()
        self._observations = _LRU()
        self._buckets = _LRU()

    def correlate(self, event: dict) -> Correlated:
        """Aggregate, observe, then filter — EventCorrelate's order."""
        object_key = _object_key(event)   # (the three steps' keys all start with it; the steps keep
        event, key = self._aggregate(event, object_key)   # source and involvedObject as they are)
        event, patch = self._observe(event, key)
        if self._filtered(event, object_key):
            return Correlated(None, skip=True)
        return Correlated(event, patch, key=key)

    def _aggregate(self, event: dict, object_key: tuple | None = None) -> tuple[dict, tuple]:
        now = self.clock.now()
        group, local = aggregate_keys(event, object_key)
        record = self._aggregates.get_recent(group)
        if record is None or now - record.last_timestamp > AGGREGATE_INTERVAL_SECONDS:
            record = _Aggregate(set(), now)
        record.local_keys.add(local)
        record.last_timestamp = now
        self._aggregates.add(group, record)
        if len(record.local_keys) < AGGREGATE_MAX_EVENTS:
            return event, event_key(event, object_key)
        record.local_keys.pop()  # do not grow the set beyond max (PopAny)
        combined = {**event, "message": COMBINED_PREFIX + event.get("message", ""), "count": 1,
                    "firstTimestamp": event.get("lastTimestamp"),
                    "metadata": dict(event.get("metadata") or {})}
        return combined, ("aggregate",) + group

    def _observe(self, event: dict, key: tuple) -> tuple[dict, dict | None]:
        last = self._observations.get_recent(key)
        patch = None
        if last is not None:
            event = {**event, "metadata": {**event["metadata"], "name": last.name},
                     "firstTimestamp": last.first_timestamp, "count": last.count + 1}
            patch = {"count": event["count"], "lastTimestamp": event["lastTimestamp"],
                     "message": event.get("message", "")}
        self._observations.add(key, Observation(event["count"], event["firstTimestamp"],
                                                event["metadata"]["name"]))
        return event, patch

    def _filtered(self, event: dict, object_key: tuple | None = None) -> bool:
        now = self.clock.now()
        key = object_key or spam_key(event)
        bucket = self._buckets.get_recent(key)
        if bucket is None:
            bucket = TokenBucket(SPAM_QPS, SPAM_BURST, now)
        self._buckets.add(key, bucket)
        return not bucket.try_accept(now)

    def renamed(self, key: tuple, name: str) -> None:
        """The create took another name (two recorders met on one virtual nanosecond)."""
        observation = self._observations.get_recent(key)
        if observation is not None:
            observation.name = name
