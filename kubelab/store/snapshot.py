"""Snapshots: the whole store in one file, with a hash that says it arrived intact.

What it models. The backup plan of every Kubernetes cluster: `etcdctl snapshot save` writes
the store to one file, `etcdutl snapshot restore` builds a *new* data directory from it
(never over a live one), and `snapshot status` says what is inside: hash, revision, keys,
size. The file store also uses this format for its own periodic snapshots, after which it
empties its write-ahead log.

A snapshot keeps what the store keeps: the world at the compacted revision plus every change
since, so time travel still works after a restore. The format is text, one JSON document a
line, so a learner can `head` it:

    {"kubelab-store-snapshot": 1, "revision": 42, "compacted_revision": 0, "leases": [...]}
    {"kv": [key, value, create_revision, mod_revision, version, lease]}   the world at the
    ...                                                                   compacted revision
    {"rev": 3, "changes": [["PUT", key, value, lease], ["DELETE", key]]}  then each revision
    ...
    sha256 <hex digest of every byte above>

Invariant: a snapshot is written to a temporary file, fsynced and renamed into place, so a
reader sees the old file or the new one, whole; and `read` refuses a file whose hash does
not match (CorruptedError, naming the file) rather than load half a cluster.

Left out: etcd's snapshot is its bbolt database file with the hash appended, and its status
hash is a CRC-32C of the contents; kubelab's status shows the first 32 bits of the sha256.
etcd counts every stored key *version* as a key in `TOTAL KEYS`; kubelab counts live keys.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .interface import CorruptedError, KeyValue, Revision, Store, StoreError
from .memory import MemoryStore, change_record
from .watch import by_revision

MAGIC = "kubelab-store-snapshot"
SNAPSHOT_FILE = "snapshot"   # inside a file store's data directory
WAL_FILE = "wal"


@dataclass
class SnapshotStatus:
    hash: str            # the first 32 bits of the file's sha256, in hex (etcdctl's column)
    revision: Revision
    total_keys: int
    total_size: int      # bytes of the file


def capture(store: Store) -> dict:
    """The world of any store: its keys at the compacted revision, the changes since, its leases.

    The memory and file stores export this directly (consistently, under their lock); for
    any other backend it is read through the public API: a range at the compacted revision
    and a watch from just after it.
    """
    if hasattr(store, "export"):
        return store.export()
    revision, compacted = store.revision, store.compacted_revision
    base = max(compacted, 1)
    kvs = store.range("\0", "\0", revision=base).kvs
    responses = []
    if revision > base:
        watcher = store.watch("\0", responses.append, range_end="\0", start_revision=base + 1)
        store.sync_watchers()
        watcher.cancel()
    events = [e for response in responses for e in response.events if e.kv.mod_revision <= revision]
    return {"revision": revision, "compacted_revision": compacted, "kvs": kvs,
            "history": [change_record(rev, batch) for rev, batch in by_revision(events)],
            "leases": [[lease, store.time_to_live(lease).granted_ttl] for lease in store.leases()]}


def write(path: Path, world: dict, wal_index: int = 0) -> None:
    """Write `world` to `path` atomically (temporary file, fsync, rename, fsync the directory)."""
    path = Path(path)
    header = {MAGIC: 1, "revision": world["revision"], "compacted_revision": world["compacted_revision"],
              "leases": world["leases"], "wal_index": wal_index}
    lines = [header] + [{"kv": [kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version,
                                kv.lease]} for kv in world["kvs"]] + world["history"]
    body = "".join(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n"
                   for line in lines).encode()
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as file:
        file.write(body + f"sha256 {hashlib.sha256(body).hexdigest()}\n".encode())
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read(path: Path) -> dict:
    """The world in the snapshot at `path`, after checking its hash; CorruptedError if bad."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise StoreError(f"{path}: cannot read snapshot: {error.strerror}") from None
    if not data.startswith(b'{"' + MAGIC.encode()):
        raise CorruptedError(f"{path}: not a kubelab store snapshot")
    split = data.rfind(b"\nsha256 ") + 1
    body, trailer = data[:split], data[split:].strip()
    actual = hashlib.sha256(body).hexdigest()
    expected = trailer.removeprefix(b"sha256 ").decode(errors="replace")
    if not split or expected != actual:
        raise CorruptedError(f"{path}: snapshot integrity check failed: expected sha256 "
                             f"{expected[:16] or '(none)'}…, got {actual[:16]}…")
    try:
        header, *lines = [json.loads(line) for line in body.splitlines()]
        kvs = [KeyValue(*line["kv"]) for line in lines if "kv" in line]
        history = [line for line in lines if "rev" in line]
        return {"revision": header["revision"], "compacted_revision": header["compacted_revision"],
                "leases": header["leases"], "wal_index": header.get("wal_index", 0),
                "kvs": kvs, "history": history, "sha256": actual}
    except (ValueError, KeyError, TypeError) as error:  # a good hash over bad content: a bug, say so
        raise CorruptedError(f"{path}: snapshot content is malformed: {error}") from None


def load(store, world: dict) -> None:
    """Fill an empty MemoryStore (or FileStore) with a captured world."""
    store.load(max(world["compacted_revision"], 1), world["compacted_revision"], world["kvs"],
               [tuple(lease) for lease in world["leases"]])
    for record in world["history"]:
        store.apply_record(record)


# -- the three etcdctl/etcdutl commands ------------------------------------------------------
def save(store: Store, path: Path) -> SnapshotStatus:
    """`etcdctl snapshot save`: the whole store, with its history, to one file."""
    write(Path(path), capture(store))
    return status(path)


def restore(path: Path, data_dir: Path) -> SnapshotStatus:
    """`etcdutl snapshot restore --data-dir`: a new file-store data directory from a snapshot."""
    world = read(path)
    data_dir = Path(data_dir)
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise StoreError(f'data-dir "{data_dir}" not empty or could not be read')
    data_dir.mkdir(parents=True, exist_ok=True)
    write(data_dir / SNAPSHOT_FILE, world)
    (data_dir / WAL_FILE).touch()
    return status(data_dir / SNAPSHOT_FILE)


def status(path: Path) -> SnapshotStatus:
    """`etcdctl snapshot status`: hash, revision, live keys and size of a snapshot file."""
    path = Path(path)
    world = read(path)
    store = MemoryStore()
    load(store, world)
    return SnapshotStatus(world["sha256"][:8], world["revision"], store.status().keys,
                          path.stat().st_size)
