"""The clock: the only owner of time in kubelab.

Components never sleep and never read the wall clock. They ask the clock for `now()` and
schedule callbacks with `call_soon` / `call_later`. `VirtualClock` is a discrete-event loop:
a heap of timers ordered by (due time, sequence number), so two runs that schedule the same
things run them in the same order, and "wait five minutes" costs only the timers inside them.

Invariant: virtual time only moves forward, and only inside `run`/`settle`/`step`; a callback
always sees `now()` equal to the time it was due.

Daemon timers mark periodic background work (heartbeats, resyncs): `settle` stops when only
daemon timers are left, which is how a notebook says "run until the cluster is quiet".
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

# 2025-01-01T00:00:00Z: lessons print timestamps, so every run starts at the same instant.
EPOCH = 1735689600.0


@dataclass(order=True)
class Timer:
    due: float
    sequence: int
    callback: Callable[..., Any] = field(compare=False)
    args: tuple = field(compare=False, default=())
    daemon: bool = field(compare=False, default=False)
    cancelled: bool = field(compare=False, default=False)
    clock: "VirtualClock | None" = field(compare=False, default=None, repr=False)

    def cancel(self) -> None:
        """Stop the timer from firing (a no-op if it already ran)."""
        if not self.cancelled and self.clock is not None:
            self.clock._forget(self)
        self.cancelled = True


class VirtualClock:
    """A deterministic discrete-event clock: time jumps from timer to timer."""

    def __init__(self, start: float = EPOCH):
        self._now = start
        self._timers: list[Timer] = []  # a heap; cancelled timers are dropped lazily
        self._sequence = itertools.count()
        self._work = 0  # timers that are not daemon, not cancelled and not yet run

    def now(self) -> float:
        return self._now

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> Timer:
        """Run `callback(*args)` at the current time, after everything already queued."""
        return self.call_later(0.0, callback, *args)

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any,
                   daemon: bool = False) -> Timer:
        """Run `callback(*args)` `delay` seconds from now. Daemon timers don't keep `settle` going."""
        timer = Timer(self._now + max(0.0, delay), next(self._sequence), callback, args, daemon,
                      clock=self)
        if not daemon:
            self._work += 1
        heapq.heappush(self._timers, timer)
        return timer

    def _forget(self, timer: Timer) -> None:
        if not timer.daemon:
            self._work -= 1
        timer.clock = None  # ran or cancelled: counted out exactly once

    def _pop_next(self, until: float) -> Timer | None:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        if not self._timers or self._timers[0].due > until:
            return None
        return heapq.heappop(self._timers)

    def step(self, until: float = float("inf")) -> bool:
        """Run the next timer due at or before `until`; False when there is none."""
        timer = self._pop_next(until)
        if timer is None:
            return False
        self._now = max(self._now, timer.due)
        self._forget(timer)
        timer.callback(*timer.args)
        return True

    def run(self, seconds: float = 0.0) -> None:
        """Advance virtual time by `seconds`, running every timer that falls due on the way."""
        until = self._now + seconds
        while self.step(until):
            pass
        self._now = until

    def pending_work(self) -> bool:
        """Is any non-daemon timer waiting?"""
        return self._work > 0

    def settle(self, max_seconds: float = 600.0) -> float:
        """Run until only daemon timers remain (or `max_seconds` pass); returns seconds elapsed."""
        start = self._now
        deadline = start + max_seconds
        while self.pending_work():
            if not self.step(deadline):
                self._now = deadline
                break
        return self._now - start

    def next_due(self) -> float | None:
        live = [t.due for t in self._timers if not t.cancelled]
        return min(live) if live else None
