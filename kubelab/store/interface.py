"""The store's interface: what every backend (memory, file, etcd) promises the API server.

What it models. etcd's v3 API, shape for shape: one ordered key space, one global revision
that every write moves, and five services — KV (range, put, delete range, txn), Watch,
Lease, Compaction and Maintenance (status). The request and response types below are
etcd's messages (`RangeResponse`, `TxnResponse`, `WatchResponse`, ...) with the fields a
learner meets in `etcdctl` and in kube-apiserver's storage layer, and the errors carry
etcd's own words, so a message seen in a lesson can be searched for on the internet.

Invariant every backend keeps (the contract suite in tests/store checks all three):
  - a write that changes something moves `revision` by exactly one, however many keys it
    touches (a transaction is one revision); a write that changes nothing does not;
  - a read at revision R sees exactly the writes up to R, or fails with CompactedError;
  - a watch delivers every change in its range from its start revision, in revision order,
    with no duplicate and no gap, until it is cancelled.

Delivery of watch responses: the memory and file backends call the callback synchronously,
inside the write that caused it; the etcd backend calls it from a reader thread. Code that
must see the events (tests, `kubelab store watch`) calls `store.sync_watchers()` first,
which returns at once for the synchronous backends.

Left out, and why: keys and values are `str`, not bytes (the API server stores JSON, and
lessons print keys); ranges have no sort order or min/max revision filters, compares have
no range_end and transactions do not nest (kube-apiserver uses none of these); watches have
no filters or fragmenting; there is no cluster membership, auth or alarms API (kubelab's
store is one member, and the lessons teach the data model, not Raft).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol, Sequence, runtime_checkable

Key = str        # "/registry/pods/default/web"; etcd's keys are bytes, kubelab's are text
Revision = int   # the store's logical clock; the API server's resourceVersion
LeaseID = int    # 0 means "no lease"

# etcd's defaults (etcd 3.4 --max-request-bytes, --quota-backend-bytes, and the watch
# progress-notify interval of its gRPC proxy and server: 10 minutes).
MAX_REQUEST_BYTES = 1536 * 1024            # 1.5 MiB
QUOTA_BACKEND_BYTES = 2 * 1024 ** 3        # 2 GiB
PROGRESS_NOTIFY_INTERVAL = 600.0           # seconds


# -- errors, in etcd's words (go.etcd.io/etcd/api/v3rpc/rpctypes) --------------------------
class StoreError(Exception):
    """An error from the store, worded as etcd words it."""


class CompactedError(StoreError):
    """A read or watch asked for history that compaction has already thrown away."""

    def __init__(self, requested: Revision, compacted: Revision):
        super().__init__(f"etcdserver: mvcc: required revision has been compacted "
                         f"(requested {requested}, compacted {compacted})")
        self.requested, self.compacted = requested, compacted


class FutureRevisionError(StoreError):
    def __init__(self, requested: Revision = 0, current: Revision = 0):
        super().__init__("etcdserver: mvcc: required revision is a future revision")
        self.requested, self.current = requested, current


class RequestTooLarge(StoreError):
    def __init__(self, size: int = 0, limit: int = 0):
        super().__init__("etcdserver: request is too large")
        self.size, self.limit = size, limit


class NoSpace(StoreError):
    def __init__(self, size: int = 0, quota: int = 0):
        super().__init__("etcdserver: mvcc: database space exceeded")
        self.size, self.quota = size, quota


class LeaseNotFound(StoreError):
    def __init__(self, lease_id: LeaseID = 0):
        super().__init__("etcdserver: requested lease not found")
        self.lease_id = lease_id


class LeaseExists(StoreError):
    def __init__(self, lease_id: LeaseID = 0):
        super().__init__("etcdserver: lease already exists")
        self.lease_id = lease_id


class EmptyKey(StoreError):
    def __init__(self) -> None:
        super().__init__("etcdserver: key is not provided")


class DuplicateKey(StoreError):
    def __init__(self) -> None:
        super().__init__("etcdserver: duplicate key given in txn request")


class CorruptedError(StoreError):
    """A data file (snapshot, write-ahead log) failed its integrity check; names the file."""


# Messages as they arrive from a real etcd (e.g. over its JSON gateway) -> our error class.
ETCD_MESSAGES: dict[str, type[StoreError]] = {
    "etcdserver: mvcc: required revision is a future revision": FutureRevisionError,
    "etcdserver: request is too large": RequestTooLarge,
    "etcdserver: mvcc: database space exceeded": NoSpace,
    "etcdserver: requested lease not found": LeaseNotFound,
    "etcdserver: lease already exists": LeaseExists,
    "etcdserver: key is not provided": EmptyKey,
    "etcdserver: duplicate key given in txn request": DuplicateKey,
}


# -- data -----------------------------------------------------------------------------------
# What the store hands out is read-only by contract, as client-go says of its cache: "NEVER
# modify objects from the store" (a KeyValue you change is also one in the store's history).
# The types the store builds on every write are plain slotted dataclasses rather than frozen
# ones because a frozen dataclass costs four times as much to build (about 1.3 µs against
# 0.33 µs here), and a put builds three of them. Requests (Compare, Op) are frozen.
@dataclass(slots=True)
class KeyValue:
    """One version of one key (etcd's mvccpb.KeyValue)."""
    key: Key
    value: str
    create_revision: Revision   # the revision that created the key (0 once deleted)
    mod_revision: Revision      # the revision of its last write
    version: int                # writes since creation: 1 on create, 0 for a deleted key
    lease: LeaseID = 0


@dataclass(slots=True)
class WatchEvent:
    type: str                      # "PUT" or "DELETE"
    kv: KeyValue                   # DELETE: the key, value "", mod_revision of the delete
    prev_kv: KeyValue | None = None  # only when the watch asked for prev_kv


@dataclass(slots=True)
class WatchResponse:
    """One batch for one watcher: events of one or more revisions, in revision order.

    An empty batch is a progress notification: "you have seen everything up to `revision`".
    `canceled` with `compact_revision` set means the store compacted past the watcher;
    `canceled` without it means the watch ended for `cancel_reason` (etcd's field: the stream
    to the store broke, the store went away). Either way it is the watcher's last batch: the
    watcher must start again (kube-apiserver's watchers end their clients' watches, who relist).
    """
    revision: Revision             # the store's revision when the batch was sent (header)
    events: list[WatchEvent]
    canceled: bool = False
    compact_revision: Revision = 0
    cancel_reason: str = ""

    @property
    def is_progress_notify(self) -> bool:
        return not self.events and not self.canceled


@dataclass(frozen=True, slots=True)
class Compare:
    """One compare of a transaction: target "value" | "version" | "create" | "mod" | "lease".

    As in etcd, a missing key has version, create, mod and lease 0, and a compare on the
    value of a missing key is always false.
    """
    key: Key
    target: str
    op: str                        # "=", "!=", "<", ">"
    operand: object


@dataclass(frozen=True, slots=True)
class Op:
    """One operation of a transaction: kind "put", "delete" or "range" (with its options)."""
    kind: str
    key: Key
    value: str = ""
    range_end: Key | None = None
    lease: LeaseID = 0
    prev_kv: bool = False
    limit: int = 0
    keys_only: bool = False
    count_only: bool = False
    revision: Revision = 0

    @classmethod
    def put(cls, key: Key, value: str, *, lease: LeaseID = 0, prev_kv: bool = False) -> "Op":
        return cls("put", key, value, lease=lease, prev_kv=prev_kv)

    @classmethod
    def delete(cls, key: Key, range_end: Key | None = None, *, prefix: bool = False,
               prev_kv: bool = False) -> "Op":
        return cls("delete", key, range_end=prefix_end(key) if prefix else range_end, prev_kv=prev_kv)

    @classmethod
    def range(cls, key: Key, range_end: Key | None = None, *, prefix: bool = False, limit: int = 0,
              keys_only: bool = False, count_only: bool = False, revision: Revision = 0) -> "Op":
        return cls("range", key, range_end=prefix_end(key) if prefix else range_end, limit=limit,
                   keys_only=keys_only, count_only=count_only, revision=revision)


@dataclass(slots=True)
class RangeResponse:
    kvs: list[KeyValue]            # in key order; values "" when keys_only; [] when count_only
    count: int                     # how many keys are in range, whatever the limit
    revision: Revision             # the store's revision the read was served at (header)
    more: bool = False             # True when `limit` cut the answer short


@dataclass(slots=True)
class PutResponse:
    revision: Revision             # the revision this put created
    prev_kv: KeyValue | None = None  # the value it replaced, when asked for (prev_kv=True)


@dataclass(slots=True)
class DeleteResponse:
    revision: Revision             # the store's revision after the delete
    deleted: int                   # how many keys went
    prev_kvs: list[KeyValue] = field(default_factory=list)  # them, when asked for


@dataclass(slots=True)
class TxnResponse:
    succeeded: bool                # did every compare hold?
    revision: Revision             # the store's revision after the transaction
    responses: list[RangeResponse | PutResponse | DeleteResponse]  # one per op that ran


@dataclass(frozen=True, slots=True)
class Lease:
    id: LeaseID
    ttl: int                       # seconds granted


@dataclass(frozen=True, slots=True)
class LeaseStatus:
    id: LeaseID
    ttl: int                       # seconds left before expiry
    granted_ttl: int
    keys: list[Key] = field(default_factory=list)  # attached keys, when asked for


@dataclass(frozen=True, slots=True)
class StoreStatus:
    revision: Revision
    compacted_revision: Revision
    keys: int                      # live keys now
    size: int                      # bytes held: live values plus retained history


def prefix_end(prefix: Key) -> Key:
    """The range end that selects every key starting with `prefix` (etcdctl's --prefix).

    The empty prefix selects the whole key space: etcd spells that range_end "\\0".
    """
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\0"


# -- the interface ----------------------------------------------------------------------------
WatchCallback = Callable[[WatchResponse], None]


@runtime_checkable
class Watcher(Protocol):
    id: int

    def cancel(self) -> None:
        """Stop the watch; no callback runs after this returns (synchronous backends)."""

    def request_progress(self) -> None:
        """Ask for a progress notification: an empty WatchResponse at the current revision."""


@runtime_checkable
class Store(Protocol):
    """What the API server needs from etcd. Ranges are [key, range_end); range_end None is
    the single key `key`; "\\0" means "to the end of the key space"; prefix=True means
    range_end = prefix_end(key)."""

    @property
    def revision(self) -> Revision: ...

    @property
    def compacted_revision(self) -> Revision: ...

    # KV
    def get(self, key: Key) -> KeyValue | None:
        """The current value of one key, or None."""

    def range(self, key: Key, range_end: Key | None = None, *, prefix: bool = False,
              revision: Revision = 0, limit: int = 0, keys_only: bool = False,
              count_only: bool = False) -> RangeResponse:
        """The keys in range as of `revision` (0 = now)."""

    def put(self, key: Key, value: str, *, lease: LeaseID = 0, prev_kv: bool = False) -> PutResponse:
        """Write one key under a new revision."""

    def delete(self, key: Key, range_end: Key | None = None, *, prefix: bool = False,
               prev_kv: bool = False) -> DeleteResponse:
        """Delete one key or a range, under one new revision (none if nothing was there)."""

    def txn(self, compares: Sequence[Compare], success: Sequence[Op],
            failure: Sequence[Op] = ()) -> TxnResponse:
        """If every compare holds run `success`, else `failure`: atomically, one revision."""

    # Watch
    def watch(self, key: Key, callback: WatchCallback, *, range_end: Key | None = None,
              prefix: bool = False, start_revision: Revision = 0, prev_kv: bool = False,
              progress_notify: bool = False) -> Watcher:
        """Call `callback(response)` for every change in range from `start_revision` (0 =
        from the next write). Raises CompactedError if start_revision is below the
        compacted revision."""

    def sync_watchers(self, timeout: float = 5.0) -> None:
        """Return once every callback for writes made so far has run (no-op if synchronous)."""

    # Compaction
    def compact(self, revision: Revision) -> None:
        """Forget history before `revision`: reads and watches below it fail from now on."""

    # Lease
    def grant(self, ttl: int, lease_id: LeaseID = 0) -> Lease:
        """A new lease that expires `ttl` seconds from now unless kept alive."""

    def keep_alive(self, lease_id: LeaseID) -> int:
        """Reset the lease's deadline to a full TTL; returns the TTL."""

    def revoke(self, lease_id: LeaseID) -> None:
        """End the lease now, deleting its keys under one revision."""

    def time_to_live(self, lease_id: LeaseID, keys: bool = False) -> LeaseStatus: ...

    def leases(self) -> list[LeaseID]: ...

    # Maintenance
    def status(self) -> StoreStatus: ...

    def close(self) -> None:
        """Release files, sockets and timers; the store is unusable afterwards."""
