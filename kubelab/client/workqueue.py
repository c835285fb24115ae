"""The work queue: what a controller still has to look at, by key.

Event handlers never do work; they put a key ("namespace/name") on the queue. A worker takes
keys off one at a time and reconciles. Two sets give the queue its guarantees (client-go's
workqueue.Type):

  dirty       keys waiting to be processed. Adding a key already in `dirty` does nothing,
              so ten events about one object cost one reconcile.
  processing  keys a worker holds right now. A key added while it is being processed goes
              into `dirty` but not onto the queue; `done(key)` puts it back. So one key is
              never processed twice at once, and no change is lost.

Failed keys come back later by `add_rate_limited`, with per-key exponential backoff
(5 ms doubling to 1000 s, client-go's default controller rate limiter), until `forget`.
"""
from __future__ import annotations

from collections import deque


class WorkQueue:
    def __init__(self, clock, name: str = "", base_delay: float = 0.005, max_delay: float = 1000.0):
        self.clock, self.name = clock, name
        self.queue: deque[str] = deque()
        self.dirty: set[str] = set()       # waiting: in self.queue, or re-added while processing
        self.processing: set[str] = set()  # held by a worker right now
        self.failures: dict[str, int] = {} # key -> consecutive failures, for backoff
        self.base_delay, self.max_delay = base_delay, max_delay
        self.on_ready = None               # set by the worker: called when a key becomes ready
        self.shutting_down = False         # after shut_down(): nothing is added, nothing handed out

    def shut_down(self) -> None:
        """Stop for good (client-go's ShutDown): the component that owns the queue is stopping."""
        self.shutting_down = True
        self.queue.clear()
        self.dirty.clear()

    def add(self, key: str) -> None:
        if key in self.dirty or self.shutting_down:
            return
        self.dirty.add(key)
        if key in self.processing:
            return  # done() will queue it again
        self.queue.append(key)
        if self.on_ready:
            self.on_ready()

    def add_after(self, key: str, delay: float) -> None:
        """Add `key` once `delay` seconds have passed (a normal timer: it is pending work)."""
        if delay <= 0:
            self.add(key)
        else:
            self.clock.call_later(delay, self.add, key)

    def add_rate_limited(self, key: str) -> None:
        """Add `key` after its backoff: 5 ms, 10 ms, 20 ms, ... up to 1000 s."""
        failures = self.failures.get(key, 0)
        self.failures[key] = failures + 1
        self.add_after(key, min(self.base_delay * (2 ** failures), self.max_delay))

    def forget(self, key: str) -> None:
        """Reset `key`'s backoff (it was processed successfully)."""
        self.failures.pop(key, None)

    def get(self) -> str | None:
        """The next key to process (now held in `processing`), or None if the queue is empty."""
        if not self.queue:
            return None
        key = self.queue.popleft()
        self.processing.add(key)
        self.dirty.discard(key)
        return key

    def done(self, key: str) -> None:
        """The worker is finished with `key`; if it changed meanwhile, queue it again."""
        self.processing.discard(key)
        if key in self.dirty:
            self.queue.append(key)
            if self.on_ready:
                self.on_ready()

    def __len__(self) -> int:
        return len(self.queue)
