"""EtcdStore: the Store interface, answered by a real etcd.

What it models. kube-apiserver's storage layer talks to etcd through etcd's v3 API; so does
this class, call for call: `range` is KV.Range, `put` is KV.Put, `txn` is KV.Txn, `watch`
opens a Watch stream, `grant` is Lease.LeaseGrant, `status` is Maintenance.Status. It is
the proof that the memory and file backends have etcd's semantics: the contract suite in
tests/store runs the same stories against all three, and a real etcd decides what is right.

Invariant: this class keeps no state of its own about the key space. Every answer —
revisions, values, errors — is etcd's, translated field for field (etcd_gateway.py does
the JSON; etcd_watch.py the watch streams). The only things held here are the open
watches, so `sync_watchers` can wait for them and `close` can end them.

Left out: TLS and auth, member and alarm management (`etcdctl alarm disarm` after a NOSPACE
is left to the operator, as in a real cluster), defragmentation, and snapshot restore (an
offline operation of `etcdctl snapshot restore` that rewrites a data directory).
"""
from __future__ import annotations

import threading
import time
from typing import Sequence

from .etcd_gateway import Gateway, decode, encode, header_revision, key_value
from .etcd_watch import EtcdWatcher
from .interface import (CompactedError, Compare, DeleteResponse, FutureRevisionError, Key, KeyValue,
                        Lease, LeaseID, LeaseNotFound, LeaseStatus, Op, PutResponse, RangeResponse,
                        Revision, StoreStatus, TxnResponse, WatchCallback, prefix_end)

# Compare.target -> (etcd's Compare.CompareTarget, the JSON field holding the operand)
COMPARE_TARGETS = {"value": ("VALUE", "value"), "version": ("VERSION", "version"),
                   "create": ("CREATE", "create_revision"), "mod": ("MOD", "mod_revision"),
                   "lease": ("LEASE", "lease")}
COMPARE_RESULTS = {"=": "EQUAL", "!=": "NOT_EQUAL", "<": "LESS", ">": "GREATER"}
WHOLE_KEY_SPACE = "\0"   # as a key or range_end: from the first key / to the last


class EtcdStore:
    """The Store interface over etcd 3.4's JSON gateway (endpoint: its client URL)."""

    def __init__(self, endpoint: str = "http://127.0.0.1:2379", *, timeout: float = 30.0) -> None:
        self.endpoint = endpoint
        self._gateway = Gateway(endpoint, timeout)
        self._watchers: dict[int, EtcdWatcher] = {}
        self._next_watch_id = 1
        self._delivered = threading.Condition()   # notified whenever a watch hears more
        self._last_compaction: Revision = 0       # our own last compact(): a first guess

    # -- revisions -----------------------------------------------------------------------
    @property
    def revision(self) -> Revision:
        """The store's current revision: every response header carries it."""
        return header_revision(self._call("/v3/kv/range", {"key": encode(WHOLE_KEY_SPACE),
                                                           "count_only": True}))

    @property
    def compacted_revision(self) -> Revision:
        """The oldest revision still readable, or 0 if nothing was compacted.

        etcd 3.4 does not report it; a read below it fails, so it is found by bisection.
        """
        if not self._readable(1):
            low, high = 1, self.revision   # invariant: `low` is unreadable, `high` readable
            guess = self._last_compaction
            if low < guess < high and self._readable(guess) and not self._readable(guess - 1):
                return guess
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (low, middle) if self._readable(middle) else (middle, high)
            return high
        return 0

    def _readable(self, revision: Revision) -> bool:
        try:
            self._gateway.call("/v3/kv/range", {"key": encode(WHOLE_KEY_SPACE), "count_only": True,
                                                "revision": str(revision)})
            return True
        except CompactedError:
            return False

    # -- KV ------------------------------------------------------------------------------
    def get(self, key: Key) -> KeyValue | None:
        """The current value of one key, or None."""
        kvs = self.range(key).kvs
        return kvs[0] if kvs else None

    def range(self, key: Key, range_end: Key | None = None, *, prefix: bool = False,
              revision: Revision = 0, limit: int = 0, keys_only: bool = False,
              count_only: bool = False) -> RangeResponse:
        """The keys in [key, range_end) as of `revision` (0 = now): KV.Range."""
        op = Op.range(key, range_end, prefix=prefix, revision=revision, limit=limit,
                      keys_only=keys_only, count_only=count_only)
        return range_response(self._call("/v3/kv/range", op_request(op), revision=revision))

    def put(self, key: Key, value: str, *, lease: LeaseID = 0, prev_kv: bool = False) -> PutResponse:
        """Write one key under a new revision: KV.Put."""
        reply = self._call("/v3/kv/put", op_request(Op.put(key, value, lease=lease, prev_kv=prev_kv)))
        return put_response(reply)

    def delete(self, key: Key, range_end: Key | None = None, *, prefix: bool = False,
               prev_kv: bool = False) -> DeleteResponse:
        """Delete one key or a range under one revision: KV.DeleteRange."""
        op = Op.delete(key, range_end, prefix=prefix, prev_kv=prev_kv)
        return delete_response(self._call("/v3/kv/deleterange", op_request(op)))

    def txn(self, compares: Sequence[Compare], success: Sequence[Op],
            failure: Sequence[Op] = ()) -> TxnResponse:
        """If every compare holds run `success`, else `failure`, atomically: KV.Txn."""
        request = {"compare": [compare_request(compare) for compare in compares],
                   "success": [{OP_FIELDS[op.kind]: op_request(op)} for op in success],
                   "failure": [{OP_FIELDS[op.kind]: op_request(op)} for op in failure]}
        oldest = min((op.revision for op in (*success, *failure) if op.revision), default=0)
        reply = self._call("/v3/kv/txn", request, revision=oldest)
        responses = []
        for response in reply.get("responses", []):
            (field, message), = response.items()
            responses.append(RESPONSE_READERS[field](message))
        return TxnResponse(bool(reply.get("succeeded")), header_revision(reply), responses)

    # -- watch ---------------------------------------------------------------------------
    def watch(self, key: Key, callback: WatchCallback, *, range_end: Key | None = None,
              prefix: bool = False, start_revision: Revision = 0, prev_kv: bool = False,
              progress_notify: bool = False) -> EtcdWatcher:
        """Open a Watch stream; `callback` runs in the watch's reader thread."""
        if prefix:
            range_end = prefix_end(key)
        if start_revision:   # fail now, as the interface says, not later on the stream
            self._call("/v3/kv/range", {"key": encode(WHOLE_KEY_SPACE), "count_only": True,
                                        "revision": str(start_revision)}, revision=start_revision,
                       allow_future=True)
        with self._delivered:
            watch_id, self._next_watch_id = self._next_watch_id, self._next_watch_id + 1
        watcher = EtcdWatcher(watch_id, self._gateway, key, range_end, callback,
                              start_revision=start_revision, prev_kv=prev_kv,
                              progress_notify=progress_notify,
                              revision_now=lambda: self.revision,
                              delivered=self._delivered, on_end=self._forget)
        with self._delivered:   # one that failed already stays too: sync_watchers reports it
            if not watcher.ended or (watcher.error is not None and not watcher.told):
                self._watchers[watch_id] = watcher
        return watcher

    def _forget(self, watcher: EtcdWatcher) -> None:
        with self._delivered:
            # Keep a watch whose callback failed: sync_watchers reports it. One whose stream
            # ended has told its callback already; keeping it would only grow with each restart.
            if watcher.error is None or watcher.told:
                self._watchers.pop(watcher.id, None)

    def sync_watchers(self, timeout: float = 5.0) -> None:
        """Return once every open watch has delivered every change up to the current revision.

        An idle watch learns that nothing happened from etcd's progress notifications, sent
        every --experimental-watch-progress-notify-interval (etcd_process.py sets 100 ms;
        etcd's default is 10 minutes, too slow for this).
        """
        target = self.revision
        deadline = time.monotonic() + timeout
        with self._delivered:
            while True:
                failed = [w for w in self._watchers.values() if w.error is not None]
                for watcher in failed:
                    del self._watchers[watcher.id]
                if failed:
                    raise failed[0].error
                behind = [w for w in self._watchers.values()
                          if not w.ended and w.heard < target]
                if not behind:
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"watches still behind revision {target} after {timeout}s "
                                       f"(does etcd send progress notifications?): {behind}")
                self._delivered.wait(remaining)

    # -- compaction ----------------------------------------------------------------------
    def compact(self, revision: Revision) -> None:
        """Forget history before `revision`: KV.Compact."""
        self._call("/v3/kv/compaction", {"revision": str(revision)}, revision=revision)
        self._last_compaction = revision

    # -- leases --------------------------------------------------------------------------
    def grant(self, ttl: int, lease_id: LeaseID = 0) -> Lease:
        """A lease of `ttl` seconds (etcd may round a short TTL up to its minimum)."""
        reply = self._call("/v3/lease/grant", {"TTL": str(ttl), "ID": str(lease_id)})
        return Lease(int(reply["ID"]), int(reply["TTL"]))

    def keep_alive(self, lease_id: LeaseID) -> int:
        """One LeaseKeepAlive: the lease's TTL starts again; returns it."""
        reply = self._call("/v3/lease/keepalive", {"ID": str(lease_id)}, lease=lease_id)
        ttl = int(reply.get("result", reply).get("TTL", 0))
        if ttl <= 0:   # etcd answers a keep-alive of an unknown lease with TTL 0
            raise LeaseNotFound(lease_id)
        return ttl

    def revoke(self, lease_id: LeaseID) -> None:
        """End the lease now; etcd deletes its keys under one revision."""
        self._call("/v3/lease/revoke", {"ID": str(lease_id)}, lease=lease_id)

    def time_to_live(self, lease_id: LeaseID, keys: bool = False) -> LeaseStatus:
        reply = self._call("/v3/lease/timetolive", {"ID": str(lease_id), "keys": keys},
                           lease=lease_id)
        if int(reply.get("TTL", -1)) < 0:   # etcd's "expired or never granted"
            raise LeaseNotFound(lease_id)
        return LeaseStatus(lease_id, int(reply["TTL"]), int(reply.get("grantedTTL", 0)),
                           sorted(decode(key) for key in reply.get("keys", [])))

    def leases(self) -> list[LeaseID]:
        reply = self._call("/v3/lease/leases", {})
        return sorted(int(lease["ID"]) for lease in reply.get("leases", []))

    # -- maintenance ---------------------------------------------------------------------
    def status(self) -> StoreStatus:
        """Maintenance.Status, plus the key count and the compacted revision."""
        reply = self._call("/v3/maintenance/status", {})
        everything = self.range(WHOLE_KEY_SPACE, WHOLE_KEY_SPACE, count_only=True)
        return StoreStatus(revision=everything.revision,
                           compacted_revision=self.compacted_revision,
                           keys=everything.count, size=int(reply.get("dbSize", 0)))

    def close(self) -> None:
        """Cancel every watch and close this thread's connection."""
        with self._delivered:
            watchers = list(self._watchers.values())
            self._watchers.clear()
        for watcher in watchers:
            watcher.cancel()
        self._gateway.close()

    # -- errors --------------------------------------------------------------------------
    def _call(self, path: str, request: dict, *, revision: Revision = 0, lease: LeaseID = 0,
              allow_future: bool = False) -> dict:
        """One gateway call, with the revisions and lease IDs etcd's errors leave out put back."""
        try:
            return self._gateway.call(path, request)
        except CompactedError:
            raise CompactedError(revision, self.compacted_revision) from None
        except FutureRevisionError:
            if allow_future:
                return {}
            raise FutureRevisionError(revision, self.revision) from None
        except LeaseNotFound:
            raise LeaseNotFound(lease) from None

    def __repr__(self) -> str:
        return f"EtcdStore({self.endpoint!r})"


# -- interface types <-> etcd's JSON messages ------------------------------------------------
def op_request(op: Op) -> dict:
    """A RangeRequest, PutRequest or DeleteRangeRequest for one Op, zero fields left out."""
    key = op.key
    if op.range_end is not None and not key:
        key = WHOLE_KEY_SPACE   # etcd refuses an empty key; "\0" starts the key space
    request: dict = {"key": encode(key)}
    if op.range_end is not None:
        request["range_end"] = encode(op.range_end)
    fields = {"put": {"value": encode(op.value), "lease": str(op.lease), "prev_kv": op.prev_kv},
              "delete": {"prev_kv": op.prev_kv},
              "range": {"limit": str(op.limit), "revision": str(op.revision),
                        "keys_only": op.keys_only, "count_only": op.count_only}}[op.kind]
    request.update({name: value for name, value in fields.items() if value not in ("0", False)})
    return request


def compare_request(compare: Compare) -> dict:
    target, field = COMPARE_TARGETS[compare.target]
    operand = encode(compare.operand) if target == "VALUE" else str(int(compare.operand))
    return {"key": encode(compare.key), "target": target,
            "result": COMPARE_RESULTS[compare.op], field: operand}


def range_response(message: dict) -> RangeResponse:
    return RangeResponse([key_value(kv) for kv in message.get("kvs", [])],
                         int(message.get("count", 0)), header_revision(message),
                         bool(message.get("more", False)))


def put_response(message: dict) -> PutResponse:
    prev = message.get("prev_kv")
    return PutResponse(header_revision(message), key_value(prev) if prev else None)


def delete_response(message: dict) -> DeleteResponse:
    return DeleteResponse(header_revision(message), int(message.get("deleted", 0)),
                          [key_value(kv) for kv in message.get("prev_kvs", [])])


# Op.kind -> its field in a txn's RequestOp; a ResponseOp's field -> how to read it.
OP_FIELDS = {"put": "request_put", "delete": "request_delete_range", "range": "request_range"}
RESPONSE_READERS = {"response_put": put_response, "response_delete_range": delete_response,
                    "response_range": range_response}
