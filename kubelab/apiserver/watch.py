"""Watch: the store's change stream, turned into the API's ADDED / MODIFIED / DELETED events.

A watch starts from a `resourceVersion`: every change after it is sent, in order, with no
gap and no duplicate (the store's revisions guarantee both). Without one (or with
`sendInitialEvents=true`), the watch first sends the current objects as ADDED ("get state
and start at most recent"), then, for a client that allows bookmarks, the bookmark that
marks the end of them (the watch-list protocol: watch_list.py). With a label or
field selector, an object that changes *into* the selection arrives as ADDED and one that
changes *out of* it as DELETED, as upstream's watch cache does.

Events are delivered through the clock, never inside the write that caused them: a writer
finishes its request before any watcher hears about it, as over a network.

A watch ends when the store's watch under it ends: compacted past (an ERROR event with 410
Expired) or broken (the store was killed, its stream cut: an ERROR event with 500
InternalError, as upstream's etcd3 watcher sends for any error from etcd). After the ERROR
nothing more is delivered; the client lists again (an Informer does so by itself).
With the watch cache on (watch_cache.py), a watch it covers hears the cache's changes —
decoded once for every watch, shared, never to be mutated — instead of a store watch of its
own; when the cache's store watch breaks, every watch it serves ends in the same way, as
upstream's cacher ends them. Either way the events are the same.
"""
from __future__ import annotations

import itertools
import json

from ..objects import meta, selector
from ..store import CompactedError
from ..api import errors
from . import watch_cache, watch_list

_IDS = itertools.count(1)   # watches are told of a change in the order they were made


class Watch:
    """One open watch; `stop()` ends it."""

    def __init__(self, server, resource, request, on_event):
        self.server, self.resource, self.on_event = server, resource, on_event
        self.clock = server.clock
        self._pending: list[tuple[str, dict]] = []
        self._scheduled = False
        self.stopped = False
        self.ended = False   # the store's watch is over (an ERROR is on its way): see above
        self.id = next(_IDS)
        self.cache = None    # the watch cache feeding this watch, if one does
        try:
            self.labels = selector.parse(request.params.get("labelSelector"))
            self.fields = server.field_requirements(resource, request.params.get("fieldSelector"))
        except selector.SelectorError as error:
            raise errors.bad_request(str(error))
        self.prefix = prefix = resource.prefix(request.namespace)
        self.trigger = _trigger(server.strategy(resource).watch_trigger, resource, request.namespace, self.fields)
        version = str(request.params.get("resourceVersion") or "")
        send_initial = watch_list.watch_options(request.params)
        if version not in ("", "0") and not version.isdigit():
            raise errors.bad_request(f'invalid resource version "{version}"')
        if send_initial:   # the current state first, as ADDED (watch_list.py)
            if version.isdigit() and int(version) > server.store.revision:
                raise errors.ApiError(errors.status(
                    504, "Timeout", f"Too large resource version: {version}, current: {server.store.revision}",
                    {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                     "retryAfterSeconds": 1}))
            selection = {key: request.params[key] for key in ("labelSelector", "fieldSelector")
                         if request.params.get(key)}
            listed = server.handle(type(request)("list", resource.plural, request.namespace,
                                                 params=selection, user=request.user,
                                                 user_info=request.user_info))
            for item in listed["items"]:
                self._queue("ADDED", item)
            start = int(listed["metadata"]["resourceVersion"]) + 1
            if watch_list.flag(request.params.get("allowWatchBookmarks")):
                self._queue("BOOKMARK", watch_list.initial_events_end(resource, start - 1))
        elif version in ("", "0"):   # sendInitialEvents=false: from now on
            start = server.store.revision + 1
        else:
            start = int(version) + 1
        cache = watch_cache.cache_for(server, resource)
        if cache is not None and cache.covers(start):
            self.cache = cache
            cache.add(self, start)
            return
        try:
            self._watcher = server.store.watch(prefix, self._on_store_events, prefix=True,
                                               start_revision=start, prev_kv=True)
        except CompactedError as error:
            raise errors.gone(f"too old resource version: {version} ({error.compacted})")

    def _selected(self, obj: dict | None) -> bool:
        return obj is not None and selector.matches(self.labels, meta.labels(obj)) \
            and selector.fields_match(self.fields, obj)

    def on_change(self, change) -> None:
        """One change from the watch cache (shared objects: read, never mutated)."""
        if self.ended or not change.key.startswith(self.prefix):
            return
        if change.type == "DELETE":
            if self._selected(change.old):
                self._queue("DELETED", change.obj)
            return
        was, now = self._selected(change.old), self._selected(change.obj)
        if now:
            self._queue("MODIFIED" if was else "ADDED", change.obj)
        elif was:
            self._queue("DELETED", change.obj)

    def end(self, response) -> None:
        """The watch cache's store watch ended under this watch."""
        self._on_store_events(response)

    def _on_store_events(self, response) -> None:
        if self.ended:
            return
        if response.canceled:
            self.ended = True
            if response.compact_revision:   # compacted past this watch: 410, as upstream
                error = errors.gone(f"too old resource version: {response.compact_revision}")
            else:                           # the store's stream broke: upstream's NewInternalError
                error = errors.ApiError(errors.status(
                    500, "InternalError", f"Internal error occurred: {response.cancel_reason or 'watch ended'}"))
            self._queue("ERROR", error.status)
            return
        for event in response.events:
            old = json.loads(event.prev_kv.value) if event.prev_kv else None
            if event.type == "DELETE":
                if self._selected(old):
                    old["metadata"]["resourceVersion"] = str(event.kv.mod_revision)
                    self._queue("DELETED", old)
                continue
            new = self.server.decode(self.resource, event.kv)
            was, now = self._selected(old), self._selected(new)
            if now:
                self._queue("MODIFIED" if was else "ADDED", new)
            elif was:
                self._queue("DELETED", new)

    def _queue(self, event_type: str, obj: dict) -> None:
        self._pending.append((event_type, obj))
        if not self._scheduled:
            self._scheduled = True
            self.clock.call_soon(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        for event_type, obj in pending:
            if self.stopped:
                return
            self.on_event(event_type, obj)
            if event_type == "ERROR":   # the last event of a watch
                self.stop()
                return

    def stop(self) -> None:
        self.stopped = True
        if self.cache is not None:
            self.cache.remove(self)
        watcher = getattr(self, "_watcher", None)   # an ERROR may come before store.watch returns
        if watcher is not None:
            watcher.cancel()


def _trigger(field: str, resource, namespace: str, fields) -> tuple[str, str] | None:
    """What the watch cache indexes this watch by: one value of the kind's trigger field (a
    kubelet's spec.nodeName=node-1), else its namespace; None for a watch of every namespace
    (it hears every change)."""
    for path, op, value in fields:
        if field and path == field and op == "=" and value:
            return (field, value)
    if resource.namespaced and namespace:
        return ("metadata.namespace", namespace)
    return None
