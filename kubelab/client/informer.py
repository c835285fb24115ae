"""Informers: list, then watch, into a local cache — how every component sees the cluster.

An informer LISTs a resource once, remembers the list's resourceVersion, then WATCHes from
exactly there, so it misses nothing and sees nothing twice. Each event updates the local
cache (client-go's Indexer) *before* the handlers run, so a handler that reads the cache sees
the world including the event. If the watch fails (410 Gone after compaction, a dropped
connection), the informer lists again and tells its handlers only what actually changed.

Components read from the cache, never from the API server, in their hot paths: that is what
keeps a thousand kubelets from hammering kube-apiserver. The cache's objects are shared with
every handler and lister of the process — client-go's "NEVER modify objects from the store".
In process that is enforced: the informer lists and watches with `shared=True` and holds the
API server's watch cache objects themselves, frozen (objects/frozen.py: changing one raises
SharedObjectError; `copy.deepcopy` it first). Over HTTP they are this process's own decoding.

A watch does not live forever, and must not be trusted to: the informer asks the server to
end it after `timeoutSeconds` drawn between 5 and 10 minutes (client-go's reflector: the
minimum watch timeout times 1 + a random fraction, so a thousand clients do not all come
back at once), and any end — that timeout, an ERROR event, a broken connection, a store
that restarted under the API server — sends it back to list and watch again. Failures back
off as client-go's reflector does: 0.8 s doubling to 30 s, each with up to as much again of
seeded jitter, and back to 0.8 s once two minutes pass without one. Without this a control
plane whose store was restarted would stay deaf (issue 12).

Indexes (client-go's Indexer): the cache keeps, for each index, a map from an index value to
the keys of the objects that have it — always "namespace", and whatever a component adds
with `add_indexers` (the ReplicaSet controller: pods by controlling owner's UID). Each event
updates them with the cache, so `list(namespace)` and `by_index` touch only the objects they
return, not the whole cache: on a big cluster that is the difference between a sync that costs
its own pods and one that costs every pod. Answers are sorted by key, as a full scan's are.
The switch lesson 11 flips: an informer built with `indexed=False` (or inside `with
indexes(False):`, which is how `Cluster(informer_indexes=False)` builds its components) keeps
the same indexes but answers `list(namespace)` and `by_index` by scanning the whole cache, as
an informer without indexers would — the same answers, at a cost. `scanned` counts the cached
objects each read looked at, so the difference is a number, not a stopwatch.

Left out: periodic resync (client-go's resyncPeriod) — kubelab's controllers re-queue
explicitly when they need another look; and re-watching from the last resourceVersion
without a list after a clean end (client-go does; kubelab always lists again).
"""
from __future__ import annotations

import contextlib
import random
import zlib
from typing import Callable, Iterator

from ..objects import meta, selector
from .client import ApiError, Client

Handler = Callable[..., None]
IndexFunc = Callable[[dict], list[str]]
NAMESPACE_INDEX = "namespace"   # client-go's cache.NamespaceIndex

MIN_WATCH_TIMEOUT = 300.0      # client-go's minWatchTimeout: each watch asks for 5-10 minutes
BACKOFF_INITIAL = 0.8          # client-go's reflector backoff: 800 ms ...
BACKOFF_CAP = 30.0             # ... doubling to 30 s ...
BACKOFF_RESET = 120.0          # ... and reset after 2 minutes without a failure

_INDEXED = [True]   # what an informer built without `indexed=` does (see `indexes`)


@contextlib.contextmanager
def indexes(enabled: bool) -> Iterator[None]:
    """Informers built inside this block read through their indexes (True) or scan (False)."""
    _INDEXED.append(enabled)
    try:
        yield
    finally:
        _INDEXED.pop()


class Informer:
    """A cache of one resource, kept current by list + watch, with event handlers."""

    def __init__(self, client: Client, resource: str, clock, namespace: str | None = None,
                 label_selector: str | None = None, field_selector: str | None = None,
                 indexed: bool | None = None):
        self.client, self.resource, self.clock = client, resource, clock
        self.namespace, self.label_selector, self.field_selector = namespace, label_selector, field_selector
        self.cache: dict[str, dict] = {}   # key -> object: shared, read-only (frozen in process)
        self.handlers: list[tuple[Handler | None, Handler | None, Handler | None]] = []
        self.has_synced = False
        self.last_resource_version = ""
        self._watch = None
        # Seeded by the resource, so every run draws the same timeouts and jitter.
        self._rng = random.Random(zlib.crc32(f"{resource}/{namespace}".encode()))
        self._backoff = 0.0            # the last delay before a retry (0: none yet)
        self._last_failure = None      # clock time of the last retry scheduled
        self._retry = None             # the pending retry's timer
        self.relists = 0               # how many times the informer listed again after a failure
        # index name -> (object -> its index values); index name -> value -> keys having it
        self.indexers: dict[str, IndexFunc] = {NAMESPACE_INDEX: lambda obj: [meta.namespace(obj)]}
        self.indices: dict[str, dict[str, set[str]]] = {NAMESPACE_INDEX: {}}
        # False: reads scan the whole cache (lesson 11's switch); the indexes are kept either way.
        self.indexed = _INDEXED[-1] if indexed is None else indexed
        self.scanned = 0               # cached objects looked at by list() and by_index(), ever

    def add_indexers(self, indexers: dict[str, IndexFunc]) -> None:
        """More indexes (client-go's AddIndexers), built at once over what the cache holds.
        An index already there is kept: a shared informer's users agree on what a name means."""
        for name, function in indexers.items():
            if name in self.indexers:
                continue
            self.indexers[name], self.indices[name] = function, {}
            for key, obj in self.cache.items():
                for value in function(obj):
                    self.indices[name].setdefault(value, set()).add(key)

    def _reindex(self, key: str, old: dict | None, new: dict | None) -> None:
        for name, function in self.indexers.items():
            index = self.indices[name]
            before = set(function(old)) if old is not None else set()
            after = set(function(new)) if new is not None else set()
            for value in before - after:
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]
            for value in after - before:
                index.setdefault(value, set()).add(key)

    def add_handlers(self, on_add: Handler | None = None, on_update: Handler | None = None,
                     on_delete: Handler | None = None) -> None:
        """Register callbacks; objects already in the cache are replayed to on_add."""
        self.handlers.append((on_add, on_update, on_delete))
        if on_add:
            for key in sorted(self.cache):
                on_add(self.cache[key])

    def start(self) -> None:
        """List, fill the cache, then watch from the list's resourceVersion."""
        self._retry = None
        try:
            listed = self.client.list(self.resource, self.namespace, self.label_selector, self.field_selector,
                                      shared=True)   # in process: the watch cache's frozen objects
        except ApiError:
            self._start_again()  # the API server (or its store) is away: try again, backing off
            return
        fresh = {meta.key(obj): obj for obj in listed["items"]}
        for key in sorted(set(self.cache) - set(fresh)):
            self._dispatch("DELETED", self.cache[key])
        for key in sorted(fresh):
            self._dispatch("MODIFIED" if key in self.cache else "ADDED", fresh[key])
        self.last_resource_version = listed["metadata"]["resourceVersion"]
        self.has_synced = True
        timeout = int(MIN_WATCH_TIMEOUT * (1 + self._rng.random()))
        try:
            self._watch = self.client.watch(self.resource, self._on_event, self.namespace,
                                            self.last_resource_version, self.label_selector,
                                            self.field_selector, timeout_seconds=timeout, shared=True)
        except ApiError:
            self._start_again()  # e.g. 410 Gone: list again, shortly

    def stop(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._watch = None
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None

    def _start_again(self) -> None:
        """List and watch again after the reflector's backoff (jittered, doubling, capped)."""
        if self._retry is not None:
            return
        now = self.clock.now()
        if self._last_failure is None or now - self._last_failure > BACKOFF_RESET:
            self._backoff = BACKOFF_INITIAL
        else:
            self._backoff = min(self._backoff * 2, BACKOFF_CAP)
        self._last_failure = now
        self.relists += 1
        delay = self._backoff * (1 + self._rng.random())   # wait.Jitter(backoff, 1.0)
        self._retry = self.clock.call_later(delay, self.start)

    def _on_event(self, event_type: str, obj: dict) -> None:
        if event_type == "ERROR":   # the watch is over (whatever the Status says): start again
            self.stop()
            self._start_again()
            return
        self.last_resource_version = meta.resource_version(obj) or self.last_resource_version
        self._dispatch(event_type, obj)

    def _dispatch(self, event_type: str, obj: dict) -> None:
        key = meta.key(obj)
        old = self.cache.get(key)
        if event_type == "DELETED":
            self.cache.pop(key, None)
            self._reindex(key, old, None)
        else:
            self.cache[key] = obj
            self._reindex(key, old, obj)
        for on_add, on_update, on_delete in list(self.handlers):
            if event_type == "DELETED":
                if on_delete:
                    on_delete(obj)
            elif old is None:
                if on_add:
                    on_add(obj)
            elif on_update:
                on_update(old, obj)

    # -- reading the cache ---------------------------------------------------------------
    def get(self, key: str) -> dict | None:
        """The cached object with this key ("namespace/name" or "name"), or None."""
        return self.cache.get(key)

    def list(self, namespace: str | None = None, label_selector: str | dict | None = None) -> list[dict]:
        """Cached objects, sorted by key; optionally one namespace and a selector (string or LabelSelector)."""
        if not label_selector:
            requirements = []   # (the common case: every object; a lister's list() per pod cycle)
        elif isinstance(label_selector, dict):
            requirements = selector.from_label_selector(label_selector)
        else:
            requirements = selector.parse(label_selector)
        if namespace is None:
            keys = self.cache
        elif self.indexed:
            keys = self.indices[NAMESPACE_INDEX].get(namespace, ())
        else:   # no index: look at every cached object to find the namespace's
            self.scanned += len(self.cache)
            keys = [key for key, obj in self.cache.items() if meta.namespace(obj) == namespace]
        if namespace is None or self.indexed:
            self.scanned += len(keys)
        return [self.cache[key] for key in sorted(keys)
                if selector.matches(requirements, meta.labels(self.cache[key]))]

    def by_index(self, name: str, *values: str) -> list[dict]:
        """Cached objects having any of these values in index `name` (client-go's ByIndex), by key."""
        if not self.indexed:   # no index: the index function on every cached object
            self.scanned += len(self.cache)
            wanted = set(values)
            function = self.indexers[name]
            return [self.cache[key] for key in sorted(self.cache) if wanted.intersection(function(self.cache[key]))]
        index = self.indices[name]
        keys = set().union(*(index.get(value, ()) for value in values))
        self.scanned += len(keys)
        return [self.cache[key] for key in sorted(keys)]


class SharedInformerFactory:
    """One informer per resource, shared by every controller of a process (as in client-go)."""

    def __init__(self, client: Client, clock, indexed: bool | None = None):
        self.client, self.clock, self.indexed = client, clock, indexed
        self.informers: dict[str, Informer] = {}
        self.started: set[str] = set()

    def informer(self, resource: str) -> Informer:
        if resource not in self.informers:
            self.informers[resource] = Informer(self.client, resource, self.clock, indexed=self.indexed)
        return self.informers[resource]

    def start(self) -> None:
        """Start every informer not yet started (in a fixed order, for determinism)."""
        for resource in sorted(self.informers):
            if resource not in self.started:
                self.started.add(resource)
                self.informers[resource].start()
