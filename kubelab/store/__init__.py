"""The cluster store: etcd's data model (see store.py)."""
from .store import (CompactedError, Compare, KeyValue, MemoryStore, Op, StoreError,
                    WatchEvent, prefix_end)

__all__ = ["CompactedError", "Compare", "KeyValue", "MemoryStore", "Op", "StoreError",
           "WatchEvent", "prefix_end"]
