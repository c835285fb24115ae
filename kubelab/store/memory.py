"""The memory store: etcd's v3 data model in a few dicts and lists (the default backend).

What it models. One flat, ordered key space. Every write moves one global counter, the
*revision*: it is the cluster's logical clock, and the API server hands it out as
`metadata.resourceVersion`. Each key remembers
  create_revision  the revision that created it,
  mod_revision     the revision of its last write,
  version          how many times it was written since it was created.
A transaction (`txn`) checks compares atomically and then runs its success or failure ops
under one new revision — compare-and-swap is how the API server refuses a stale update with
409 Conflict. Watches (watch.py) and leases (lease.py) live in their own files.

Invariant: `_log` holds every change after `compacted_revision`, in revision order, each
with the value it replaced (`prev_kv`); the current value of a key is in `_current`, and
`_keys` is `_current`'s keys, sorted, for range scans (sorted_keys.py). A read at a past revision starts from
today's values and undoes the log back to that revision, so it sees exactly what was.
Compaction at C forgets the changes up to C: the world at C stays readable, and a watch
must start after C. A replaced version older than the newest `pack_after` changes is kept
packed, as a delta against the version that replaced it (packed.py): the log holds the same
history in a fraction of the memory, and every reader of it unpacks (`_history`, `_whole`);
a current value written before them is kept deflated (`get` and `range` inflate it).

Limits, as etcd's defaults: a request over `max_request_bytes` (1.5 MiB: key plus value,
where etcd counts its encoded request, a few bytes more) fails with "request is too large";
a write that would take `size` (the bytes of every value still held, history included) over
`quota_backend_bytes` (2 GiB) fails with "database space exceeded". Compaction frees space.

Durability hook: a durable backend (file.py) sets `_durable` and overrides `_journal`; every
state change is then described as one small record (`{"rev": R, "changes": [...]}`,
`{"grant": id, "ttl": s}`, `{"revoke": id}`, `{"compact": C}`) before anyone hears of it,
and `apply_record` redoes one on recovery.

Left out: etcd's NOSPACE alarm (there, once raised, every write fails until an operator
compacts, defragments and disarms it; here a write fails only while it does not fit), and
defragmentation (nothing here fragments). One thread at a time: the API server serialises
its calls (file.py adds a lock, for its group commit). Speed: the hot paths are a dict lookup and, for a
new key, an insert into one chunk of the sorted keys (sorted_keys.py) — flat at a million keys.
"""
from __future__ import annotations

import bisect
import operator
from typing import Sequence

from .interface import (MAX_REQUEST_BYTES, PROGRESS_NOTIFY_INTERVAL, QUOTA_BACKEND_BYTES,
                        CompactedError, Compare, DeleteResponse, DuplicateKey, EmptyKey,
                        FutureRevisionError, Key, KeyValue, Lease, LeaseID, LeaseNotFound,
                        LeaseStatus, NoSpace, Op, PutResponse, RangeResponse, RequestTooLarge,
                        Revision, StoreError, StoreStatus, TxnResponse, WatchCallback,
                        WatchEvent, prefix_end)
from .lease import Lessor
from .sorted_keys import SortedKeys
from .packed import DeflatedKeyValue, PackedHistory, PackedKeyValue
from .watch import Watcher, Watchers, by_revision

_TARGETS = {"value": operator.attrgetter("value"), "version": operator.attrgetter("version"),
            "create": operator.attrgetter("create_revision"),
            "mod": operator.attrgetter("mod_revision"), "lease": operator.attrgetter("lease")}
_OPERATORS = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt}


def byte_size(text: str) -> int:
    """Bytes of `text` in UTF-8 (what etcd would store), cheaply for ASCII."""
    return len(text) if text.isascii() else len(text.encode())


def in_range(key: Key, start: Key, range_end: Key | None) -> bool:
    if range_end is None:
        return key == start
    return start <= key and (range_end == "\0" or key < range_end)


def change_record(revision: Revision, events: list[WatchEvent]) -> dict:
    """One revision's changes as a log record (write-ahead log, snapshots); see apply_record."""
    return {"rev": revision, "changes": [
        ["PUT", e.kv.key, e.kv.value, e.kv.lease] if e.type == "PUT" else ["DELETE", e.kv.key]
        for e in events]}


class MemoryStore(PackedHistory):
    """etcd semantics in memory: revisions, ranges, transactions, watches, leases, compaction."""

    _durable = False  # file.py: True, and `_journal` writes each record to the log first
    synchronous_watch = True   # watchers hear a write before it returns (the API server's watch cache relies on it)

    def __init__(self, clock=None, *, max_request_bytes: int = MAX_REQUEST_BYTES,
                 quota_backend_bytes: int = QUOTA_BACKEND_BYTES,
                 progress_notify_interval: float = PROGRESS_NOTIFY_INTERVAL):
        self.clock = clock
        self.max_request_bytes, self.quota_backend_bytes = max_request_bytes, quota_backend_bytes
        self.revision: Revision = 1      # etcd starts at revision 1 with an empty key space
        self.compacted_revision: Revision = 0
        self.size = 0                    # bytes of every key version held, history included
        self._current: dict[Key, KeyValue] = {}
        self._keys = SortedKeys()        # the keys of _current, sorted, for range scans
        self._log: list[WatchEvent] = []  # every change after compacted_revision, in order
        self._log_revisions: list[Revision] = []  # the revision of each log entry, for bisect
        self._packed = 0                  # log entries before this index have been packed
        self.watchers = Watchers(clock, self.revision, progress_notify_interval)
        self.lessor = Lessor(clock, expire=self.revoke)

    # -- reads -------------------------------------------------------------------------
    def get(self, key: Key) -> KeyValue | None:
        """The current value of one key, or None."""
        kv = self._current.get(key)
        return kv if type(kv) is not DeflatedKeyValue else kv.whole()

    def range(self, key: Key, range_end: Key | None = None, *, prefix: bool = False,
              revision: Revision = 0, limit: int = 0, keys_only: bool = False,
              count_only: bool = False) -> RangeResponse:
        """The keys in [key, range_end) as of `revision` (0 = now), in key order."""
        if range_end is None and key and not (prefix or revision or count_only or keys_only):
            kv = self.get(key)  # the hot path: one key, now
            return RangeResponse([kv] if kv is not None else [], 0 if kv is None else 1, self.revision)
        if not key:
            raise EmptyKey()
        if prefix:
            range_end = prefix_end(key)
        if revision and revision != self.revision:
            kvs = self._range_at(key, range_end, revision)
            count = len(kvs)
        else:
            keys = self._scan(key, range_end)
            count = len(keys)
            kvs = [self._whole(self._current[k]) for k in (keys[:limit] if limit else keys)]
        if count_only:
            return RangeResponse([], count, self.revision)
        if limit and len(kvs) > limit:
            kvs = kvs[:limit]
        if keys_only:
            kvs = [KeyValue(kv.key, "", kv.create_revision, kv.mod_revision, kv.version, kv.lease)
                   for kv in kvs]
        return RangeResponse(kvs, count, self.revision, bool(limit) and count > limit)

    def _scan(self, key: Key, range_end: Key | None) -> list[Key]:
        if range_end is None:
            return [key] if key in self._current else []
        return self._keys.scan(key, None if range_end == "\0" else range_end)

    def _range_at(self, key: Key, range_end: Key | None, revision: Revision) -> list[KeyValue]:
        if revision > self.revision:
            raise FutureRevisionError(revision, self.revision)
        if revision < self.compacted_revision:
            raise CompactedError(revision, self.compacted_revision)
        # Start from today's values and undo, newest first, every change made after `revision`.
        state = {k: self._current[k] for k in self._scan(key, range_end)}
        for event in reversed(self._log[bisect.bisect_right(self._log_revisions, revision):]):
            if not in_range(event.kv.key, key, range_end):
                continue
            if event.prev_kv is None:
                del state[event.kv.key]
            else:
                state[event.kv.key] = event.prev_kv
        return [self._whole(state[k]) for k in sorted(state)]

    # -- writes ------------------------------------------------------------------------
    def put(self, key: Key, value: str, *, lease: LeaseID = 0, prev_kv: bool = False) -> PutResponse:
        """Write one key under a new revision."""
        self._check_put(key, value, lease, byte_size(key) + byte_size(value))
        revision = self.revision + 1
        event = self._put(key, value, lease, revision)
        self._commit(revision, [event])
        return PutResponse(revision, event.prev_kv if prev_kv else None)

    def delete(self, key: Key, range_end: Key | None = None, *, prefix: bool = False,
               prev_kv: bool = False) -> DeleteResponse:
        """Delete one key or a range under one new revision (none if nothing was there)."""
        if not key:
            raise EmptyKey()
        doomed = self._scan(key, prefix_end(key) if prefix else range_end)
        if not doomed:
            return DeleteResponse(self.revision, 0, [])
        revision = self.revision + 1
        events = [self._delete(k, revision) for k in doomed]
        self._commit(revision, events)
        return DeleteResponse(revision, len(events), [e.prev_kv for e in events] if prev_kv else [])

    def txn(self, compares: Sequence[Compare], success: Sequence[Op],
            failure: Sequence[Op] = ()) -> TxnResponse:
        """If every compare holds, run `success`, else `failure` — atomically, one revision."""
        self._check_txn(compares, success, failure)
        succeeded = all(self._holds(compare) for compare in compares)
        ops = success if succeeded else failure
        for op in ops:
            if op.kind == "put":
                self._check_put(op.key, op.value, op.lease, byte_size(op.key) + byte_size(op.value))
        revision = self.revision + 1
        responses, events = [], []
        for op in ops:
            if op.kind == "put":
                event = self._put(op.key, op.value, op.lease, revision)
                events.append(event)
                responses.append(PutResponse(revision, event.prev_kv if op.prev_kv else None))
            elif op.kind == "delete":
                deleted = [self._delete(k, revision) for k in self._scan(op.key, op.range_end)]
                events += deleted
                responses.append(DeleteResponse(revision if deleted else self.revision, len(deleted),
                                                [e.prev_kv for e in deleted] if op.prev_kv else []))
            else:
                responses.append(self.range(op.key, op.range_end, revision=op.revision,
                                            limit=op.limit, keys_only=op.keys_only,
                                            count_only=op.count_only))
        if events:
            self._commit(revision, events)
        return TxnResponse(succeeded, self.revision, responses)

    def _holds(self, compare: Compare) -> bool:
        if compare.target not in _TARGETS or compare.op not in _OPERATORS:
            raise StoreError(f"etcdserver: bad compare: target {compare.target!r}, op {compare.op!r}")
        kv = self._current.get(compare.key)
        if kv is None and compare.target == "value":
            return False  # etcd: a value compare on a missing key never holds
        actual = _TARGETS[compare.target](kv) if kv is not None else 0
        return _OPERATORS[compare.op](actual, compare.operand)

    def _check_put(self, key: Key, value: str, lease: LeaseID, size: int) -> None:
        if not key:
            raise EmptyKey()
        if size > self.max_request_bytes:
            raise RequestTooLarge(size, self.max_request_bytes)
        if self.size + size > self.quota_backend_bytes:
            raise NoSpace(self.size + size, self.quota_backend_bytes)
        if lease and lease not in self.lessor.leases:
            raise LeaseNotFound(lease)

    def _check_txn(self, compares: Sequence[Compare], success: Sequence[Op], failure: Sequence[Op]) -> None:
        """etcd's request checks, on both branches: size, empty keys, no key written twice."""
        size = sum(byte_size(c.key) + (byte_size(c.operand) if isinstance(c.operand, str) else 8)
                   for c in compares)
        for ops in (success, failure):
            for op in ops:
                if not op.key:
                    raise EmptyKey()
                if op.kind not in ("put", "delete", "range"):
                    raise StoreError(f"etcdserver: unknown request kind {op.kind!r}")
                size += byte_size(op.key) + byte_size(op.value) + byte_size(op.range_end or "")
            puts = [op.key for op in ops if op.kind == "put"]
            if len(set(puts)) != len(puts) or any(
                    in_range(key, op.key, op.range_end) for op in ops if op.kind == "delete" for key in puts):
                raise DuplicateKey()
        if size > self.max_request_bytes:
            raise RequestTooLarge(size, self.max_request_bytes)

    def _put(self, key: Key, value: str, lease: LeaseID, revision: Revision) -> WatchEvent:
        previous = self.get(key)
        if previous is None:
            kv = KeyValue(key, value, revision, revision, 1, lease)
            self._keys.add(key)
        else:
            kv = KeyValue(key, value, previous.create_revision, revision, previous.version + 1, lease)
            if previous.lease and previous.lease != lease:
                self.lessor.detach(previous.lease, key)
        if lease:
            self.lessor.attach(lease, key)
        self._current[key] = kv
        self.size += byte_size(key) + byte_size(value)
        return WatchEvent("PUT", kv, previous)

    def _delete(self, key: Key, revision: Revision) -> WatchEvent:
        previous = self._whole(self._current.pop(key))
        self._keys.remove(key)
        if previous.lease:
            self.lessor.detach(previous.lease, key)
        self.size += byte_size(key)  # the tombstone
        return WatchEvent("DELETE", KeyValue(key, "", 0, revision, 0), previous)

    def _commit(self, revision: Revision, events: list[WatchEvent], revoked: LeaseID = 0) -> None:
        """Make one revision's changes history: journal them, log them, tell the watchers."""
        if self._durable:
            record = change_record(revision, events)
            if revoked:
                record["revoke"] = revoked
            self._journal(record)
        self.revision = revision
        self._log += events
        self._log_revisions += [revision] * len(events)
        if len(self._log) - self._packed >= self.pack_after + self.pack_batch:
            self._pack(len(self._log) - self.pack_after)   # packed.py
        self._publish(revision, events)

    def _journal(self, record: dict) -> None:
        """A durable backend writes `record` to its log here, before the change is visible."""

    def _publish(self, revision: Revision, events: list[WatchEvent]) -> None:
        self.watchers.publish(revision, events)

    # -- watch -------------------------------------------------------------------------
    def watch(self, key: Key, callback: WatchCallback, *, range_end: Key | None = None,
              prefix: bool = False, start_revision: Revision = 0, prev_kv: bool = False,
              progress_notify: bool = False) -> Watcher:
        """Call `callback(response)` for every change in range from `start_revision` (0 = from
        the next write). Past changes are replayed before this returns; later ones arrive
        inside the write that makes them, one response per revision."""
        if prefix:
            range_end = prefix_end(key)
        if start_revision and start_revision <= self.compacted_revision:
            raise CompactedError(start_revision, self.compacted_revision)
        return self.watchers.add(key, range_end, callback, start_revision, prev_kv,
                                 progress_notify, self._history)

    def sync_watchers(self, timeout: float = 5.0) -> None:
        """Callbacks run inside the write here, so they have all run already."""

    # -- compaction --------------------------------------------------------------------
    def compact(self, revision: Revision) -> None:
        """Forget the changes up to `revision`: reads before it and watches from it fail."""
        if revision <= self.compacted_revision:
            raise CompactedError(revision, self.compacted_revision)
        if revision > self.revision:
            raise FutureRevisionError(revision, self.revision)
        if self._durable:
            self._journal({"compact": revision})
        self._compact(revision)

    def _compact(self, revision: Revision) -> None:
        cut = bisect.bisect_right(self._log_revisions, revision)
        for event in self._log[:cut]:  # the versions these changes replaced are unreachable now
            old = event.prev_kv
            if old is not None:
                self.size -= old.size if type(old) is PackedKeyValue else byte_size(old.key) + byte_size(old.value)
            if event.type == "DELETE":
                self.size -= byte_size(event.kv.key)
        del self._log[:cut], self._log_revisions[:cut]
        self._packed = max(0, self._packed - cut)
        self.compacted_revision = revision

    # -- leases ------------------------------------------------------------------------
    def grant(self, ttl: int, lease_id: LeaseID = 0) -> Lease:
        """A lease that ends `ttl` seconds from now (on the clock) unless kept alive."""
        lease_id = self.lessor.check_grant(ttl, lease_id)
        if self._durable:
            self._journal({"grant": lease_id, "ttl": ttl})
        return self.lessor.grant(lease_id, ttl)

    def keep_alive(self, lease_id: LeaseID) -> int:
        return self.lessor.keep_alive(lease_id)

    def revoke(self, lease_id: LeaseID) -> None:
        """End a lease now: its keys are deleted together, under one revision."""
        doomed = sorted(self.lessor.get(lease_id).keys)
        revision = self.revision + 1
        events = [self._delete(key, revision) for key in doomed]
        self.lessor.forget(lease_id)
        if events:
            self._commit(revision, events, revoked=lease_id)
        elif self._durable:
            self._journal({"revoke": lease_id})

    def time_to_live(self, lease_id: LeaseID, keys: bool = False) -> LeaseStatus:
        return self.lessor.status(lease_id, keys)

    def leases(self) -> list[LeaseID]:
        return sorted(self.lessor.leases)

    # -- maintenance -------------------------------------------------------------------
    def status(self) -> StoreStatus:
        return StoreStatus(self.revision, self.compacted_revision, len(self._current), self.size)

    def close(self) -> None:
        self.watchers.close()
        self.lessor.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- backup and recovery (snapshot.py, file.py) -----------------------------------
    def export(self) -> dict:
        """The world as snapshot.py saves it: the keys at the compacted revision, every
        change since, and the leases."""
        return {"revision": self.revision, "compacted_revision": self.compacted_revision,
                "kvs": self._range_at("\0", "\0", max(self.compacted_revision, 1)),
                "history": [change_record(revision, batch) for revision, batch in by_revision(self._history(0))],
                "leases": [[lease.id, lease.ttl] for lease in self.lessor.leases.values()]}

    def load(self, revision: Revision, compacted_revision: Revision, kvs: list[KeyValue],
             leases: list[tuple[LeaseID, int]]) -> None:
        """Start from a saved world: these keys and leases at `revision` (an empty store only)."""
        assert not self._current and self.revision == 1, "load() fills an empty store"
        for lease_id, ttl in leases:
            self.lessor.grant(lease_id, ttl)
        for kv in kvs:
            self._current[kv.key] = kv
            self.size += byte_size(kv.key) + byte_size(kv.value)
            if kv.lease in self.lessor.leases:
                self.lessor.attach(kv.lease, kv.key)
        self._keys = SortedKeys(self._current)
        self._packed = 0
        self.revision = self.watchers.revision = revision
        self.compacted_revision = compacted_revision

    def apply_record(self, record: dict) -> None:
        """Redo one journalled change (recovery): the same change, told to no one."""
        if "grant" in record and record["grant"] not in self.lessor.leases:
            self.lessor.grant(record["grant"], record["ttl"])
        if "changes" in record:
            revision = record["rev"]
            events = [self._put(key, rest[0], rest[1], revision) if kind == "PUT" else self._delete(key, revision)
                      for kind, key, *rest in record["changes"]]
            self.revision = self.watchers.revision = revision
            self._log += events
            self._log_revisions += [revision] * len(events)
        if "revoke" in record:
            self.lessor.forget(record["revoke"])
        if "compact" in record and record["compact"] > self.compacted_revision:
            self._compact(record["compact"])
