"""The cluster store: etcd's v3 data model and API (interface.py), in three backends.

    MemoryStore(clock=None)                     memory.py — the default, for notebooks and tests
    FileStore(data_dir, clock=None)             file.py   — write-ahead log + snapshots, on disk
    EtcdStore(endpoint)                         etcd.py   — a real etcd, over its v3 JSON gateway

snapshot.py saves, restores and inspects backups; time_travel.py reads the registry as it was
at a past revision; cli.py is `kubelab store`, kubelab's etcdctl.
"""
from .interface import (CompactedError, Compare, CorruptedError, DeleteResponse, DuplicateKey,
                        EmptyKey, FutureRevisionError, KeyValue, Lease, LeaseExists, LeaseNotFound,
                        LeaseStatus, NoSpace, Op, PutResponse, RangeResponse, RequestTooLarge,
                        Store, StoreError, StoreStatus, TxnResponse, Watcher, WatchEvent,
                        WatchResponse, prefix_end)
from .memory import MemoryStore

__all__ = ["CompactedError", "Compare", "CorruptedError", "DeleteResponse", "DuplicateKey",
           "EmptyKey", "FutureRevisionError", "KeyValue", "Lease", "LeaseExists", "LeaseNotFound",
           "LeaseStatus", "MemoryStore", "NoSpace", "Op", "PutResponse", "RangeResponse",
           "RequestTooLarge", "Store", "StoreError", "StoreStatus", "TxnResponse", "Watcher",
           "WatchEvent", "WatchResponse", "prefix_end"]


def __getattr__(name: str):
    # The durable backends are imported on first use: most notebooks never need them.
    if name == "FileStore":
        from .file import FileStore
        return FileStore
    if name == "EtcdStore":
        from .etcd import EtcdStore
        return EtcdStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
