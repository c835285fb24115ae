"""Watch: every change to a key or a range, from a start revision, in order, exactly once.

What it models. etcd's watchable store. A watcher names a range and a start revision; the
store first replays what it still remembers from that revision on (catching up, "unsynced"
in etcd's words), then hands it each new write as it happens ("synced"). Kubernetes builds
everything on this: an informer lists at revision R, then watches from R+1, and trusts that
it misses nothing and sees nothing twice.

Invariant: each watcher remembers `next_revision`, the lowest revision it has not been sent;
a batch is delivered only if its revision is at least that, which then moves past it. So a
watcher can never get a revision twice, and since every write is published exactly once, in
revision order, it never misses one either. Batches are queued while one is being delivered,
so a callback that writes to the store still sees revisions in order.

Progress notifications: a watcher made with `progress_notify=True` gets an empty batch with
the last published revision ("nothing for you up to here") when it calls
`request_progress()`, and every `interval` seconds on the clock (etcd: 10 minutes), so a
quiet watcher still learns how current it is (the API server's watch cache uses this).

Indexed by key (issue 13): a write is offered only to the watchers whose range can hold its
key, not to every watcher. Watchers of one key sit in a dict by that key; watchers of a
prefix that ends in "/" (every prefix the API server asks for: /registry/pods/,
/registry/pods/default/) sit in a dict by that prefix, and a key finds them by walking its
own path: "/", "/registry/", "/registry/pods/", "/registry/pods/default/" — a handful of
lookups however many watchers there are. Any other range is checked one by one (rare). The
watchers a revision reaches are told in the order they were made, as when every watcher was
offered every write, so what they do in turn happens in the same order (etcd's watchable
store groups watchers by key and by interval tree in the same spirit).

Left out: etcd's event filters (no-put, no-delete) and fragmenting of huge batches; a
slow watcher cannot fall behind here, because delivery is synchronous.
"""
from __future__ import annotations

import itertools
from collections import deque
from typing import Callable, Iterable

from .interface import (PROGRESS_NOTIFY_INTERVAL, Key, Revision, WatchCallback, WatchEvent,
                        WatchResponse, prefix_end)


class Watcher:
    """One watch: a range, where it has got to, and whom to tell."""

    def __init__(self, group: "Watchers", watch_id: int, key: Key, range_end: Key | None,
                 callback: WatchCallback, next_revision: Revision, prev_kv: bool,
                 progress_notify: bool):
        self.group, self.id = group, watch_id
        self.key, self.range_end = key, range_end
        self.callback = callback
        self.next_revision = next_revision  # the lowest revision not yet sent
        self.prev_kv, self.progress_notify = prev_kv, progress_notify
        self.cancelled = False

    def covers(self, key: Key) -> bool:
        if self.range_end is None:
            return key == self.key
        return self.key <= key and (self.range_end == "\0" or key < self.range_end)

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            self.group.remove(self)

    def request_progress(self) -> None:
        if not self.cancelled:
            self.callback(WatchResponse(self.group.revision, []))

    def send(self, revision: Revision, events: list[WatchEvent]) -> None:
        """Send this watcher its part of one revision's changes (all of revision `revision`)."""
        if self.cancelled or revision < self.next_revision:
            return
        self.next_revision = revision + 1
        mine = [event if self.prev_kv else WatchEvent(event.type, event.kv)
                for event in events if self.covers(event.kv.key)]
        if mine:
            self.callback(WatchResponse(self.group.revision, mine))


class Watchers:
    """The store's watchers: registration, catch-up from the log, and live publication."""

    def __init__(self, clock=None, revision: Revision = 1,
                 interval: float = PROGRESS_NOTIFY_INTERVAL):
        self.clock, self.interval = clock, interval
        self.revision = revision  # the last revision published to watchers
        self._watchers: dict[int, Watcher] = {}            # id -> watcher, in the order made
        self._by_key: dict[Key, dict[int, Watcher]] = {}     # one key -> its watchers
        self._by_prefix: dict[Key, dict[int, Watcher]] = {}  # a prefix ending in "/" -> its watchers
        self._ranges: dict[int, Watcher] = {}                # any other range
        self._ids = itertools.count(1)
        self._queue: deque[tuple[Revision, list[WatchEvent]]] = deque()
        self._delivering = False
        self._ticker = None

    def add(self, key: Key, range_end: Key | None, callback: WatchCallback, start: Revision,
            prev_kv: bool, progress_notify: bool,
            history: Callable[[Revision], Iterable[WatchEvent]]) -> Watcher:
        """A new watcher from `start` (0 = the next write), first replaying `history(start)`
        (the store's changes from a revision on)."""
        start = start or self.revision + 1
        watcher = Watcher(self, next(self._ids), key, range_end, callback, start, prev_kv,
                          progress_notify)
        for revision, events in by_revision(history(start)):
            if revision <= self.revision:  # anything newer is on its way through publish()
                watcher.send(revision, events)
        self._index(watcher)
        if progress_notify and self.clock is not None and self._ticker is None:
            self._ticker = self.clock.call_later(self.interval, self._tick, daemon=True)
        return watcher

    def publish(self, revision: Revision, events: list[WatchEvent]) -> None:
        """Hand one revision's changes to every watcher, after any batch already on its way."""
        if not self._watchers and not self._delivering:
            self.revision = revision  # the common case in a benchmark: nobody is listening
            return
        self.publish_all([(revision, events)])

    def publish_all(self, batches: list[tuple[Revision, list[WatchEvent]]]) -> None:
        """Publish several revisions in order (the file store, after one fsync for them all)."""
        self._queue.extend(batches)
        if self._delivering:
            return
        self._delivering = True
        try:
            while self._queue:
                revision, events = self._queue.popleft()
                self.revision = revision
                for watcher in self.watching(events):
                    watcher.send(revision, events)
        finally:
            self._delivering = False

    def watching(self, events: list[WatchEvent]) -> list[Watcher]:
        """The watchers whose range holds a key these events change, in the order they were made."""
        found: dict[int, Watcher] = dict(self._ranges)
        for event in events:
            key = event.kv.key
            found.update(self._by_key.get(key, ()))
            slash = key.find("/")
            while slash != -1:
                found.update(self._by_prefix.get(key[:slash + 1], ()))
                slash = key.find("/", slash + 1)
        if len(found) > 1:
            return [found[watch_id] for watch_id in sorted(found)]
        return list(found.values())

    def _index(self, watcher: Watcher) -> None:
        self._watchers[watcher.id] = watcher
        slot = self._slot(watcher, make=True)
        slot[watcher.id] = watcher

    def _slot(self, watcher: Watcher, make: bool = False) -> dict[int, Watcher] | None:
        """The index entry a watcher belongs in: by its key, by its prefix, or among the ranges."""
        if watcher.range_end is None:
            index, name = self._by_key, watcher.key
        elif watcher.key.endswith("/") and watcher.range_end == prefix_end(watcher.key):
            index, name = self._by_prefix, watcher.key
        else:
            return self._ranges
        if make:
            return index.setdefault(name, {})
        return index.get(name)

    def remove(self, watcher: Watcher) -> None:
        """Forget a cancelled watcher (it hears nothing more)."""
        self._watchers.pop(watcher.id, None)
        slot = self._slot(watcher)
        if slot is not None:
            slot.pop(watcher.id, None)
            if not slot and slot is not self._ranges:
                (self._by_key if watcher.range_end is None else self._by_prefix).pop(watcher.key, None)

    def progress(self) -> None:
        """A progress notification to every watcher that asked for them."""
        for watcher in list(self._watchers.values()):
            if watcher.progress_notify:
                watcher.request_progress()

    def close(self) -> None:
        for watcher in list(self._watchers.values()):
            watcher.cancel()
        if self._ticker is not None:
            self._ticker.cancel()

    def _tick(self) -> None:
        self._ticker = None
        self.progress()
        if any(w.progress_notify for w in self._watchers.values()):
            self._ticker = self.clock.call_later(self.interval, self._tick, daemon=True)


def by_revision(events: Iterable[WatchEvent]) -> Iterable[tuple[Revision, list[WatchEvent]]]:
    """Group a run of events (in revision order) into one batch per revision."""
    batch: list[WatchEvent] = []
    for event in events:
        if batch and batch[-1].kv.mod_revision != event.kv.mod_revision:
            yield batch[0].kv.mod_revision, batch
            batch = []
        batch.append(event)
    if batch:
        yield batch[0].kv.mod_revision, batch
