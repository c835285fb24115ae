"""The store: etcd's v3 data model, in memory.

What it models. One flat, ordered key space of byte-string keys (here `str`). Every write
moves one global counter, the *revision*: it is the cluster's logical clock, and the API
server hands it out as `metadata.resourceVersion`. Each key remembers
  create_revision  the revision that created it,
  mod_revision     the revision of its last write,
  version          how many times it was written since it was created (0 = deleted).
A transaction (`txn`) checks compares atomically and then runs its success or failure ops
under one new revision — compare-and-swap is how the API server refuses a stale update with
409 Conflict. A watch asks for every change to a key or prefix from a start revision, and
gets them in revision order, with no duplicate and no gap.

Invariant: `self._log` holds every change since the compacted revision, in revision order;
the current value of a key is the last entry for it. Reads at a past revision and watches
that start in the past are answered from that log, so they see exactly what was.

Left out here (the store has its own issue for depth): leases, size limits, durability
(memory only) and snapshots. Real etcd also replicates through Raft; kubelab's store is one
member, because the lessons teach the data model, not consensus.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Callable, Iterable


class StoreError(Exception):
    """An error from the store, worded as etcd words it."""


class CompactedError(StoreError):
    def __init__(self, requested: int, compacted: int):
        super().__init__(f"mvcc: required revision has been compacted "
                         f"(requested {requested}, compacted {compacted})")
        self.requested, self.compacted = requested, compacted


@dataclass(frozen=True)
class KeyValue:
    key: str
    value: str
    create_revision: int
    mod_revision: int
    version: int
    lease: int = 0


@dataclass(frozen=True)
class WatchEvent:
    type: str                 # "PUT" or "DELETE"
    kv: KeyValue              # for DELETE: the key with mod_revision of the delete, value ""
    prev_kv: KeyValue | None = None


@dataclass(frozen=True)
class Compare:
    """One compare of a transaction: target is "value", "version", "create" or "mod"."""
    key: str
    target: str
    op: str                   # "=", "!=", "<", ">"
    operand: object


@dataclass(frozen=True)
class Op:
    """One op of a transaction: "put", "delete" or "range"."""
    kind: str
    key: str
    value: str = ""
    range_end: str | None = None


def prefix_end(prefix: str) -> str:
    """The range end that selects every key starting with `prefix` (etcd's --prefix)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\0"


@dataclass
class Watcher:
    key: str
    range_end: str | None
    callback: Callable[[list[WatchEvent]], None]
    prev_kv: bool
    cancelled: bool = field(default=False)

    def covers(self, key: str) -> bool:
        if self.range_end is None:
            return key == self.key
        return self.key <= key and (self.range_end == "\0" or key < self.range_end)

    def cancel(self) -> None:
        self.cancelled = True


class MemoryStore:
    """etcd semantics in memory: revisions, ranges, transactions, watches, compaction."""

    def __init__(self) -> None:
        self.revision = 1                # etcd starts at revision 1 with an empty key space
        self.compacted_revision = 0
        self._current: dict[str, KeyValue] = {}
        self._keys: list[str] = []       # sorted keys of self._current, for range scans
        self._log: list[WatchEvent] = [] # every change after compacted_revision, in order
        self._log_revisions: list[int] = []  # mod_revision of each log entry, for bisect
        self._watchers: list[Watcher] = []

    # -- reads -------------------------------------------------------------------------
    def get(self, key: str) -> KeyValue | None:
        """The current value of one key, or None."""
        return self._current.get(key)

    def range(self, key: str, range_end: str | None = None, *, prefix: bool = False,
              revision: int = 0, limit: int = 0) -> tuple[list[KeyValue], int, int]:
        """(kvs, count, revision): the keys in [key, range_end), as of `revision` (0 = now)."""
        if prefix:
            range_end = prefix_end(key)
        if revision and revision < self.revision:
            found = self._range_at(key, range_end, revision)
        else:
            found = [self._current[k] for k in self._scan(key, range_end)]
        count = len(found)
        if limit:
            found = found[:limit]
        return found, count, self.revision

    def _scan(self, key: str, range_end: str | None) -> Iterable[str]:
        if range_end is None:
            return [key] if key in self._current else []
        start = bisect.bisect_left(self._keys, key)
        stop = len(self._keys) if range_end == "\0" else bisect.bisect_left(self._keys, range_end)
        return self._keys[start:stop]

    def _range_at(self, key: str, range_end: str | None, revision: int) -> list[KeyValue]:
        if revision <= self.compacted_revision:
            raise CompactedError(revision, self.compacted_revision)
        probe = Watcher(key, range_end, lambda events: None, False)
        # Start from today's values and undo, newest first, every change made after `revision`.
        state = {k: self._current[k] for k in self._scan(key, range_end)}
        for event in reversed(self._log[bisect.bisect_right(self._log_revisions, revision):]):
            if not probe.covers(event.kv.key):
                continue
            if event.prev_kv is None:
                state.pop(event.kv.key, None)
            else:
                state[event.kv.key] = event.prev_kv
        return [state[k] for k in sorted(state)]

    # -- writes ------------------------------------------------------------------------
    def put(self, key: str, value: str) -> KeyValue:
        """Write one key under a new revision; returns the new KeyValue."""
        self.revision += 1
        events = [self._put(key, value)]
        self._publish(events)
        return events[0].kv

    def delete(self, key: str, range_end: str | None = None, *, prefix: bool = False) -> list[KeyValue]:
        """Delete one key or a range; returns the deleted KeyValues (revision moves only if any)."""
        if prefix:
            range_end = prefix_end(key)
        doomed = list(self._scan(key, range_end))
        if not doomed:
            return []
        self.revision += 1
        events = [self._delete(k) for k in doomed]
        self._publish(events)
        return [event.prev_kv for event in events]

    def txn(self, compares: list[Compare], success: list[Op], failure: list[Op] = ()) -> tuple[bool, list]:
        """If every compare holds, run `success`, else `failure` — atomically, one revision."""
        succeeded = all(self._holds(compare) for compare in compares)
        ops = success if succeeded else failure
        writes = any(op.kind in ("put", "delete") for op in ops)
        if writes:
            self.revision += 1
        results, events = [], []
        for op in ops:
            if op.kind == "put":
                events.append(self._put(op.key, op.value))
                results.append(events[-1].kv)
            elif op.kind == "delete":
                deleted = [self._delete(k) for k in list(self._scan(op.key, op.range_end))]
                events.extend(deleted)
                results.append([event.prev_kv for event in deleted])
            else:
                results.append(self.range(op.key, op.range_end)[0])
        if writes and not events:
            self.revision -= 1  # a delete that found nothing does not move the clock
        self._publish(events)
        return succeeded, results

    def _holds(self, compare: Compare) -> bool:
        kv = self._current.get(compare.key)
        actual = {
            "value": kv.value if kv else "",
            "version": kv.version if kv else 0,
            "create": kv.create_revision if kv else 0,
            "mod": kv.mod_revision if kv else 0,
        }[compare.target]
        return {"=": actual == compare.operand, "!=": actual != compare.operand,
                "<": actual < compare.operand, ">": actual > compare.operand}[compare.op]

    def _put(self, key: str, value: str) -> WatchEvent:
        previous = self._current.get(key)
        kv = KeyValue(key, value,
                      create_revision=previous.create_revision if previous else self.revision,
                      mod_revision=self.revision,
                      version=previous.version + 1 if previous else 1)
        if previous is None:
            bisect.insort(self._keys, key)
        self._current[key] = kv
        return WatchEvent("PUT", kv, previous)

    def _delete(self, key: str) -> WatchEvent:
        previous = self._current.pop(key)
        self._keys.pop(bisect.bisect_left(self._keys, key))
        return WatchEvent("DELETE", KeyValue(key, "", 0, self.revision, 0), previous)

    # -- watch -------------------------------------------------------------------------
    def watch(self, key: str, callback: Callable[[list[WatchEvent]], None], *,
              range_end: str | None = None, prefix: bool = False,
              start_revision: int = 0, prev_kv: bool = False) -> Watcher:
        """Call `callback(events)` for every change in range from `start_revision` (0 = from now).

        Past changes are replayed at once, before the call returns; later ones arrive as
        they are written, one call per revision.
        """
        if prefix:
            range_end = prefix_end(key)
        watcher = Watcher(key, range_end, callback, prev_kv)
        if start_revision and start_revision <= self.compacted_revision:
            raise CompactedError(start_revision, self.compacted_revision)
        if start_revision and start_revision <= self.revision:
            first = bisect.bisect_left(self._log_revisions, start_revision)
            for batch in _by_revision(self._log[first:]):
                self._deliver(watcher, batch)
        self._watchers.append(watcher)
        return watcher

    def _publish(self, events: list[WatchEvent]) -> None:
        if not events:
            return
        self._log.extend(events)
        self._log_revisions.extend(event.kv.mod_revision for event in events)
        self._watchers = [w for w in self._watchers if not w.cancelled]
        for watcher in list(self._watchers):
            self._deliver(watcher, events)

    @staticmethod
    def _deliver(watcher: Watcher, events: list[WatchEvent]) -> None:
        mine = [e if watcher.prev_kv else WatchEvent(e.type, e.kv)
                for e in events if watcher.covers(e.kv.key)]
        if mine and not watcher.cancelled:
            watcher.callback(mine)

    # -- compaction --------------------------------------------------------------------
    def compact(self, revision: int) -> None:
        """Forget history before `revision`: older reads and watches fail from now on."""
        if revision <= self.compacted_revision:
            raise StoreError(f"mvcc: required revision has been compacted")
        if revision > self.revision:
            raise StoreError("mvcc: required revision is a future revision")
        cut = bisect.bisect_left(self._log_revisions, revision)
        del self._log[:cut], self._log_revisions[:cut]
        self.compacted_revision = revision


def _by_revision(events: list[WatchEvent]) -> Iterable[list[WatchEvent]]:
    batch: list[WatchEvent] = []
    for event in events:
        if batch and batch[-1].kv.mod_revision != event.kv.mod_revision:
            yield batch
            batch = []
        batch.append(event)
    if batch:
        yield batch
