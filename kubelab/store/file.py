"""The file store: the memory store, made durable by a write-ahead log and snapshots.

What it models. How etcd survives a crash (a power cut, `kill -9`, an OOM kill): every change
is appended to a write-ahead log and fsynced *before* the writer hears "OK" and before any
watcher hears of it; every `snapshot_every` records the whole store is written to a snapshot
and the log starts over; on open, the store loads the snapshot and replays the log after it.
So an acknowledged write is never lost, and a half-written one (a torn frame at the log's
tail, see wal.py) is cut off on recovery, with a warning, because nobody was told it
happened.

    data_dir/snapshot   the store as of record `wal_index` (snapshot.py's format)
    data_dir/wal        the records after it, one frame each (wal.py)
    data_dir/lock       held (flock) while a process has the store open

Group commit. fsync costs a fraction of a millisecond or more, so writers that arrive
together share one: each write appends its record under `_lock` and then calls `_sync`; the
first writer to get `_sync_lock` flushes and fsyncs everything appended so far (the others
keep appending meanwhile, as fsync releases the GIL), then publishes those revisions to
watchers in order; a writer whose record was covered finds `_synced` past its ticket and
returns at once. One thread writing alone still pays one fsync per write.

Invariants: `_index` numbers the records journalled, `_synced` the last one known on disk;
a write returns only when `_synced` has reached its record; watchers hear a revision only
after it is on disk, and in revision order. A reader in this process may see a write a few
microseconds before its fsync completes (etcd applies only committed entries, so even that
cannot happen there); the writer itself is not told before.

Left out: etcd's multi-file WAL segments, the separate bbolt backend and its defragmentation,
and Raft (one member). etcd 3.4 snapshots every 100,000 entries; kubelab defaults to 10,000
so that recovery replays less.
"""
from __future__ import annotations

import fcntl
import functools
import threading
from pathlib import Path

from . import snapshot
from .interface import StoreError
from .memory import MemoryStore
from .snapshot import SNAPSHOT_FILE, WAL_FILE
from .wal import WriteAheadLog, read as read_wal


def _durable_write(method):
    """A MemoryStore write, run under the lock, that returns only once its record is on disk."""
    @functools.wraps(method)
    def write(self, *args, **kwargs):
        with self._lock:
            result = method(self, *args, **kwargs)
            ticket = self._index
        self._sync(ticket)
        return result
    return write


def _locked(method):
    """A MemoryStore read, run under the lock so that it never sees a write half-applied."""
    @functools.wraps(method)
    def read(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return read


class FileStore(MemoryStore):
    """etcd semantics on disk: a write-ahead log with fsync, snapshots, recovery on open."""

    _durable = True

    def __init__(self, data_dir: str | Path, clock=None, *, snapshot_every: int = 10_000, **limits):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(self.data_dir / "lock", "a")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise StoreError(f"data dir {self.data_dir} is in use by another process") from None
        self._lock = threading.RLock()       # guards the in-memory state and the log's buffer
        self._sync_lock = threading.RLock()  # one fsync (and its publication) at a time
        super().__init__(clock, **limits)
        self.snapshot_every = snapshot_every
        self._index = 0                      # the last record journalled
        self._synced = 0                     # the last record known to be on disk
        self._snapshot_index = 0             # the last record in the snapshot file
        self._unpublished: list = []         # (revision, events) journalled, not yet on disk
        self._recover()
        self._wal = WriteAheadLog(self.data_dir / WAL_FILE)
        self.closed = False

    def _recover(self) -> None:
        """Load the snapshot, then replay the log records after it (cutting a torn tail)."""
        (self.data_dir / (SNAPSHOT_FILE + ".tmp")).unlink(missing_ok=True)  # a snapshot cut short
        if (self.data_dir / SNAPSHOT_FILE).exists():
            world = snapshot.read(self.data_dir / SNAPSHOT_FILE)
            snapshot.load(self, world)
            self._index = self._snapshot_index = world["wal_index"]
        for record in read_wal(self.data_dir / WAL_FILE):
            if record["i"] > self._index:  # older ones are in the snapshot already
                self.apply_record(record)
                self._index = record["i"]
        self._synced = self._index

    # -- the hooks MemoryStore calls -----------------------------------------------------
    def _journal(self, record: dict) -> None:
        self._index += 1
        record["i"] = self._index
        self._wal.append(record)

    def _publish(self, revision, events) -> None:
        self._unpublished.append((revision, events))  # told to watchers once on disk: _sync

    def _sync(self, ticket: int) -> None:
        """Group commit: make every record up to `ticket` durable, then tell the watchers."""
        with self._sync_lock:
            if self._synced >= ticket:
                return  # another writer's fsync covered this record (and published it)
            with self._lock:
                self._wal.flush()
                upto, batches, self._unpublished = self._index, self._unpublished, []
            self._wal.sync()
            self._synced = upto
            self.watchers.publish_all(batches)
            if upto - self._snapshot_index >= self.snapshot_every:
                self.snapshot()

    def snapshot(self) -> None:
        """Write the whole store to data_dir/snapshot and start the log over."""
        with self._lock:
            snapshot.write(self.data_dir / SNAPSHOT_FILE, self.export(), wal_index=self._index)
            self._wal.reset()
            self._snapshot_index = self._index

    # -- the public API: MemoryStore's, made durable and thread-safe ----------------------
    put = _durable_write(MemoryStore.put)
    delete = _durable_write(MemoryStore.delete)
    txn = _durable_write(MemoryStore.txn)
    compact = _durable_write(MemoryStore.compact)
    grant = _durable_write(MemoryStore.grant)
    revoke = _durable_write(MemoryStore.revoke)
    get = _locked(MemoryStore.get)
    range = _locked(MemoryStore.range)
    watch = _locked(MemoryStore.watch)
    keep_alive = _locked(MemoryStore.keep_alive)
    time_to_live = _locked(MemoryStore.time_to_live)
    leases = _locked(MemoryStore.leases)
    status = _locked(MemoryStore.status)
    export = _locked(MemoryStore.export)

    def close(self) -> None:
        """Flush and fsync the log, stop timers, release the data directory."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            self._wal.close()
            super().close()
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
