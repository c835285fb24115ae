"""One lock around the API server: its requests and its clock's callbacks never overlap.

The API server is single-threaded logic (like every kubelab component): `handle` reads the
store, decides, writes, and its watches keep pending events between a write and the clock
callback that delivers them. Over HTTP many threads call in at once — one per connection —
and the clock's loop thread runs the watch deliveries. `SerializedClock` wraps that clock so
each of its callbacks runs holding the same lock the HTTP threads take around `handle`; the
API server's code stays as it is, and never sees two things happen at once.

Real kube-apiserver is concurrent Go, guarded by etcd's compare-and-swap and by locks inside
its watch cache; kubelab serializes instead, because a learner reads the request path as a
story, and the store's revisions already give every client the same order of events.
"""
from __future__ import annotations

import threading
from typing import Any, Callable


class SerializedClock:
    """The clock's interface, with every callback run under `lock`."""

    def __init__(self, clock, lock: threading.RLock):
        self.clock, self.lock = clock, lock

    def now(self) -> float:
        return self.clock.now()

    def _locked(self, callback: Callable[..., Any], *args: Any) -> None:
        with self.lock:
            callback(*args)

    def call_soon(self, callback: Callable[..., Any], *args: Any):
        return self.clock.call_soon_threadsafe(self._locked, callback, *args)

    call_soon_threadsafe = call_soon

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any, daemon: bool = False):
        return self.clock.call_later(delay, self._locked, callback, *args, daemon=daemon)
