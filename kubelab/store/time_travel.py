"""Time travel: the cluster's registry as it was at any revision the store still keeps.

What it models. MVCC, the "multi-version" in etcd: a write never overwrites, it adds a new
version under a new revision, so every revision since the last compaction is a complete,
consistent picture of the cluster. `registry_at(store, 1234)` is what `kubectl get` would
have shown at resourceVersion 1234 (the API server serves the same read for a list with
`resourceVersion=1234&resourceVersionMatch=Exact`), and `changes(store, a, b)` is the story
in between — the base of a "rewind the cluster" view.

Invariant: everything here goes through the public Store API (a range at a revision, a watch
from a revision), so it works the same on every backend, and a revision below the compacted
one fails with CompactedError, as a real etcd would.

Left out: nothing is cached; a read far in the past on a long history undoes every change
since, which is fine at a lesson's scale (etcd indexes every version in a B-tree instead).
"""
from __future__ import annotations

import json

from .interface import Key, KeyValue, Revision, Store, WatchEvent

REGISTRY = "/registry/"  # where kube-apiserver keeps every object


def retained_revisions(store: Store) -> range:
    """The revisions one can still travel to: from the compacted one (or 1) to now."""
    return range(max(store.compacted_revision, 1), store.revision + 1)


def registry_at(store: Store, revision: Revision, prefix: Key = REGISTRY) -> dict[Key, dict]:
    """Every object under `prefix` as of `revision`: store key -> object, with its
    resourceVersion set as the API server would set it (the key's mod_revision)."""
    return {kv.key: decode(kv) for kv in store.range(prefix, prefix=True, revision=revision).kvs}


def decode(kv: KeyValue) -> dict:
    """A stored object back as the API server serves it (non-JSON values come back as text)."""
    try:
        obj = json.loads(kv.value)
    except ValueError:
        return {"value": kv.value}
    if isinstance(obj, dict) and isinstance(obj.get("metadata"), dict):
        obj["metadata"]["resourceVersion"] = str(kv.mod_revision)
    return obj


def changes(store: Store, since: Revision, until: Revision | None = None,
            prefix: Key = REGISTRY) -> list[WatchEvent]:
    """What happened under `prefix` after revision `since`, up to `until` (default: now), with
    the previous value of each change, in revision order."""
    until = store.revision if until is None else until
    responses = []
    watcher = store.watch(prefix, responses.append, prefix=True, start_revision=since + 1, prev_kv=True)
    store.sync_watchers()
    watcher.cancel()
    return [event for response in responses for event in response.events
            if event.kv.mod_revision <= until]


def history(store: Store, key: Key) -> list[KeyValue]:
    """Every retained version of one key, oldest first (a deletion shows as version 0)."""
    first = max(store.compacted_revision, 1)
    before = store.range(key, revision=first).kvs
    return before + [event.kv for event in changes(store, first, prefix=key)
                     if event.kv.key == key]
