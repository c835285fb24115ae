"""The watch cache: one store watch per resource, lists and watches served from memory.

What it models. kube-apiserver's cacher (k8s.io/apiserver/pkg/storage/cacher). Without it,
every client watch is its own watch on etcd and every list a range read: with 5,000 kubelets
watching pods, each pod write is decoded 5,000 times. With it, the API server holds, per
resource, *one* store watch feeding
  objects   every current object, decoded once, by store key (plus the keys, sorted), and
  events    a ring of the last `capacity` changes, each with the object before and after,
and serves from them: a LIST that names no exact revision, no `limit` and no `continue` is
read from `objects`; a WATCH from a resourceVersion the ring still covers is replayed from
`events` and then hears each new change as it comes. Each change is decoded once and the same
objects go to every watch (and are encoded once for every HTTP watch stream: `encoded`).

Watches are indexed as upstream's cacher indexes them ("triggers"): by the namespace they
watch, and a pod watch with `spec.nodeName=N` (a kubelet's) by N. A change reaches only the
watches indexed by its namespace or by its pod's node before or after the change, plus the
watches that name neither — so a pod's write reaches its own kubelet, not all 5,000.
Watches hear a change in the order they were made, as when each was its own store watch.

Invariants. The cache is current at the store's revision: the memory and file stores call
watchers inside the write, so when a request runs, the cache has heard every write before it
(for a store that calls back from another thread, the etcd one, the cache is not used).
Every object the cache holds or hands out is *frozen* (objects/frozen.py): decoded once per
version, it is the one object every watch, list and in-process informer of the process
receives (client/client.py), and any attempt to change it raises — client-go's "never modify
objects from the store", enforced. A change replaces the object, it never edits it.

Outside the ring. A watch from a resourceVersion older than the ring, at or below the
store's compacted revision, or newer than the store, is served straight from the store as
before (watch.py), so compaction still answers 410 Gone exactly where etcd would; upstream's
cacher answers 410 at the ring's edge instead (and knows nothing of etcd's compaction).
A paginated list (`limit`, `continue`) and `resourceVersionMatch=Exact` read the store too,
as upstream v1.32 delegates them to etcd. Events are not cached: upstream's
DefaultWatchCacheSizes (pkg/kubeapiserver/default_storage_factory_builder.go) sets events
and events.k8s.io events to 0, so their lists and watches go to etcd.
The API server's own writes are frozen from the object it wrote (frozen.from_written: the
same JSON as the bytes, not parsed back; anything whose JSON would read back differently falls
back to the bytes), and the binding reads the pod it changes from here (`read_current`).
If the store's watch under the cache ends (the store broke), every watch it serves gets the
ERROR and ends, and the cache is dropped; the next request builds it again from a list.

The API server's own admission plugins (Priority's PriorityClasses, DefaultStorageClass's
StorageClasses) read through `listed`, as upstream's read informer listers: from the cache when
it is on — no store range per pod created — else from the store. The cache is fed inside the
write, so a class created just before a pod is seen by that pod's admission (upstream's
informer may lag it by a moment; kubelab's never does).
"""
from __future__ import annotations

import bisect
import json
import threading
from collections import OrderedDict, deque
from typing import NamedTuple

from ..objects import frozen, selector
from ..store import StoreError, prefix_end

CAPACITY = 100              # changes kept per resource (upstream's default; it grows to cover 75 s)
FREE_FORM = {"customresourcedefinitions", "controllerrevisions"}   # kinds holding untyped JSON
UNCACHED = {"events"}       # upstream's DefaultWatchCacheSizes: events#0 (core and events.k8s.io)


class Change(NamedTuple):
    """One key's change at one revision: the object after (for a delete, the last state at
    the deletion's revision) and before (None when created)."""
    revision: int
    type: str          # "PUT" | "DELETE"
    key: str
    obj: dict
    old: dict | None


class WatchCache:
    """One resource's cache: current objects, recent changes, and the watches it feeds."""

    def __init__(self, server, resource, capacity: int = CAPACITY):
        self.server, self.resource, self.capacity = server, resource, capacity
        self.prefix = resource.prefix(None)
        listed = server.store.range(self.prefix, prefix=True)
        self.objects: dict[str, dict] = {kv.key: _decode(kv) for kv in listed.kvs}
        self.keys: list[str] = [kv.key for kv in listed.kvs]   # sorted, as the store ranges them
        self.since = listed.revision          # `events` holds every change after this revision
        self.events: deque[Change] = deque()
        self.watches: dict[int, object] = {}                     # watch id -> Watch, in order made
        self.triggered: dict[tuple[str, str], dict[int, object]] = {}   # (field, value) -> watches
        self.untriggered: dict[int, object] = {}
        self.broken = False
        self.trigger_field = server.strategy(resource).watch_trigger   # pods: spec.nodeName
        # Free-form JSON (a CRD's schema defaults and enums, a ControllerRevision's data): a part
        # equal by Python's `==` may differ in JSON type (0 / false), so no part is reused `like`.
        self.free_form = resource.plural in FREE_FORM
        self._store_watch = server.store.watch(self.prefix, self._on_store_events, prefix=True,
                                               start_revision=self.since + 1, prev_kv=True)

    # -- reads ---------------------------------------------------------------------------------
    def list(self, namespace: str, keep, name: str | None = None) -> list[dict]:
        """The current objects (in one namespace, or all), in key order, that `keep(obj)` accepts;
        with `name` (a fieldSelector metadata.name=NAME) only that key is read, as upstream's
        MatchesSingle (a kubelet listing its own Node among 5,000)."""
        if name is not None and (namespace or not self.resource.namespaced):
            obj = self.objects.get(self.resource.key(namespace, name))
            return [obj] if obj is not None and keep(obj) else []
        prefix = self.resource.prefix(namespace)
        start = bisect.bisect_left(self.keys, prefix)
        stop = bisect.bisect_left(self.keys, prefix_end(prefix))
        objects = self.objects
        return [obj for obj in (objects[key] for key in self.keys[start:stop]) if keep(obj)]

    def covers(self, start: int) -> bool:
        """Whether every change from revision `start` on is here (or still to come)."""
        store = self.server.store
        return max(self.since, store.compacted_revision) < start <= store.revision + 1

    # -- watches -------------------------------------------------------------------------------
    def add(self, watch, start: int) -> None:
        """Replay the changes from `start` to `watch`, then feed it each new one."""
        for change in self.events:
            if change.revision >= start:
                watch.on_change(change)
        self.watches[watch.id] = watch
        self._slot(watch)[watch.id] = watch

    def remove(self, watch) -> None:
        if self.watches.pop(watch.id, None) is not None:
            slot = self._slot(watch)
            slot.pop(watch.id, None)
            if not slot and watch.trigger is not None:
                del self.triggered[watch.trigger]

    def _slot(self, watch) -> dict[int, object]:
        if watch.trigger is None:
            return self.untriggered
        return self.triggered.setdefault(watch.trigger, {})

    def _targets(self, change: Change) -> list:
        """The watches this change may concern, in the order they were made."""
        found = dict(self.untriggered)
        if self.triggered:
            namespace = change.obj.get("metadata", {}).get("namespace", "")
            found.update(self.triggered.get(("metadata.namespace", namespace), ()))
            if self.trigger_field:
                for obj in (change.obj, change.old):
                    value = selector.field_value(obj, self.trigger_field) if obj is not None else ""
                    if value:
                        found.update(self.triggered.get((self.trigger_field, value), ()))
        if len(found) > 1:
            return [found[watch_id] for watch_id in sorted(found)]
        return list(found.values())

    # -- the store's watch ---------------------------------------------------------------------
    def _on_store_events(self, response) -> None:
        if response.canceled:   # the store's stream ended: so does every watch served from here
            self.broken = True
            self.server.watch_caches.pop(self.resource.plural, None)
            for watch in list(self.watches.values()):
                watch.end(response)
            self.watches.clear()
            return
        for event in response.events:
            key, revision = event.kv.key, event.kv.mod_revision
            old = self.objects.get(key)
            if event.type == "DELETE":
                if old is None:
                    continue
                metadata = frozen.FrozenDict(old["metadata"], resourceVersion=str(revision))
                change = Change(revision, "DELETE", key, frozen.FrozenDict(old, metadata=metadata), old)
                del self.objects[key]
                del self.keys[bisect.bisect_left(self.keys, key)]
            else:
                change = Change(revision, "PUT", key, self._decode_put(event.kv, None if self.free_form else old), old)
                if old is None:
                    bisect.insort(self.keys, key)
                self.objects[key] = change.obj
            self.events.append(change)
            if len(self.events) > self.capacity:
                self.since = self.events.popleft().revision
            for watch in self._targets(change):
                watch.on_change(change)

    def _decode_put(self, kv, like):
        """The new version, frozen: from the object the API server is writing when this is its
        write (the same JSON, not parsed back: frozen.from_written), else from the stored bytes."""
        written = self.server.written
        if written is not None and written[0] == kv.key and written[1] == kv.value:
            try:
                return frozen.from_written(written[2], str(kv.mod_revision), like)
            except frozen.NotJSON:
                pass
        return _decode(kv, like)

    def stop(self) -> None:
        self._store_watch.cancel()


def _decode(kv, old: dict | None = None) -> frozen.FrozenDict:
    """A stored object, decoded once for everyone and frozen (objects/frozen.py): its
    resourceVersion is the key's mod revision, as the API server's decode sets it. What did
    not change since `old` (the version before) is `old`'s, shared, not decoded anew."""
    return frozen.loads(kv.value, str(kv.mod_revision), old)


def cache_for(server, resource) -> WatchCache | None:
    """The resource's watch cache, made on first use; None when it is off or cannot be had."""
    if not server.watch_cache or resource.plural in UNCACHED or not getattr(server.store, "synchronous_watch", False):
        return None
    from ..api.resources import RESOURCES
    if RESOURCES.get(resource.plural) is not resource:   # a CRD's kind: read from the store
        return None
    cache = server.watch_caches.get(resource.plural)
    if cache is None:
        try:
            cache = server.watch_caches[resource.plural] = WatchCache(server, resource)
        except StoreError:
            return None   # the store is away: the direct path answers with its error
    return cache


def listed(server, plural: str) -> list[dict]:
    """Every object of a built-in kind, in key order, for the API server's admission plugins
    (upstream's listers): the cache's shared objects — never mutate them — or the store's."""
    from ..api.resources import RESOURCES
    cache = cache_for(server, RESOURCES[plural])
    if cache is None or cache.broken:
        return server.list_all(plural)
    return cache.list(None, lambda obj: True)


def read_current(server, resource, namespace: str, name: str):
    """(mod revision, object) for a read-modify-write (the binding): the watch cache's frozen
    object when a cache (one a list or watch made) holds the key — it is fed inside each write, so
    it is at the store's revision for that key: no store read, no decode, no inflate of a cold
    value — else the store's, decoded, or 404. The caller copies what it changes and writes with a
    compare on that mod revision, so a writer in between still makes it 409 (upstream's
    GuaranteedUpdate given the cacher's object as its cached existing object)."""
    cache = server.watch_caches.get(resource.plural) if server.watch_cache else None
    if cache is not None and not cache.broken:
        obj = cache.objects.get(resource.key(namespace, name))
        if obj is not None:
            return int(obj["metadata"]["resourceVersion"]), obj
    kv, obj = server.read(resource, namespace, name)
    return kv.mod_revision, obj


class Encodings:
    """Each shared object's JSON, made once however many HTTP watch streams send it (in-process
    informers take the frozen object itself, no JSON). The last `size` objects are remembered: every
    watcher of one change hears it within a few events of the others. Thread-safe: HTTP
    streams encode outside the API server's lock."""

    def __init__(self, size: int = 256):
        self.size = size
        self.hits = self.misses = 0   # lesson 11: how often an encoding was shared
        self._texts: OrderedDict[int, tuple[dict, str]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, obj: dict) -> str:
        with self._lock:
            entry = self._texts.get(id(obj))
            if entry is not None and entry[0] is obj:   # holding obj keeps its id from being reused
                self.hits += 1
                return entry[1]
        text = json.dumps(obj, separators=(",", ":"))
        with self._lock:
            self.misses += 1
            self._texts[id(obj)] = (obj, text)
            if len(self._texts) > self.size:
                self._texts.popitem(last=False)
        return text
