"""The clock: the only owner of time in kubelab.

Components never sleep and never read the wall clock. They ask the clock for `now()` and
schedule callbacks with `call_soon` / `call_later`. `VirtualClock` is a discrete-event loop:
a heap of timers ordered by (due time, sequence number), so two runs that schedule the same
things run them in the same order, and "wait five minutes" costs only the timers inside them.

Invariant: virtual time only moves forward, and only inside `run`/`settle`/`step`; a callback
always sees `now()` equal to the time it was due.

Daemon timers mark periodic background work (heartbeats, resyncs): `settle` stops when only
daemon timers are left, which is how a notebook says "run until the cluster is quiet".

`RealClock` has the same interface over the wall clock, for `kubelab up`, where each
component is its own process: a loop on one thread, fed from other threads by
`call_soon_threadsafe`.
"""
from __future__ import annotations

import heapq
import itertools
import sys
import threading
import time
import traceback
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
    clock: "VirtualClock | RealClock | None" = field(compare=False, default=None, repr=False)

    def cancel(self) -> None:
        """Stop the timer from firing (a no-op if it already ran)."""
        if not self.cancelled and self.clock is not None:
            self.clock._forget(self)
        self.cancelled = True


class VirtualClock:
    """A deterministic discrete-event clock: time jumps from timer to timer."""

    def __init__(self, start: float = EPOCH):
        self._now = start
        # A heap of (due, sequence, timer): tuples compare in C, where Timer's own ordering would
        # call Python code for each of the log(n) comparisons of every push and pop (a big
        # cluster's settle makes hundreds of them per pod). Cancelled timers are dropped lazily.
        self._timers: list[tuple[float, int, Timer]] = []
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
        heapq.heappush(self._timers, (timer.due, timer.sequence, timer))
        return timer

    def _forget(self, timer: Timer) -> None:
        if not timer.daemon:
            self._work -= 1
        timer.clock = None  # ran or cancelled: counted out exactly once

    def _pop_next(self, until: float) -> Timer | None:
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)
        if not self._timers or self._timers[0][0] > until:
            return None
        return heapq.heappop(self._timers)[2]

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
        live = [due for due, _, timer in self._timers if not timer.cancelled]
        return min(live) if live else None


class RealClock:
    """Wall-clock time behind the same interface: a loop on one thread runs every callback.

    `kubelab up` runs each component as its own process; there the clock is the real one.
    Component code is unchanged: it still only calls `now`, `call_soon` and `call_later`,
    and every callback runs on the one thread inside `run_forever`, so a component never
    sees two of its callbacks at once (asyncio's event loop makes the same promise).
    Other threads — an HTTP watch's reader, a signal handler — never touch a component;
    they post work into the loop with `call_soon_threadsafe`.

    Real Kubernetes components are Go programs with goroutines and locks; kubelab keeps one
    thread per component process because a learner can then read a component's code as a
    story that runs top to bottom, the same story the virtual clock tells.
    """

    def __init__(self) -> None:
        self._timers: list[Timer] = []   # a heap, guarded by _wakeup's lock
        self._sequence = itertools.count()
        self._wakeup = threading.Condition()
        self._work = 0                   # live non-daemon timers, as in VirtualClock
        self._stopping = False
        self.errors: list[str] = []      # tracebacks of callbacks that raised, newest last

    def now(self) -> float:
        return time.time()  # the HTTP and process shells are where the wall clock is allowed

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> Timer:
        """Run `callback(*args)` on the loop, after everything already due."""
        return self.call_later(0.0, callback, *args)

    def call_soon_threadsafe(self, callback: Callable[..., Any], *args: Any) -> Timer:
        """`call_soon` from any thread (every scheduling method here is thread-safe)."""
        return self.call_later(0.0, callback, *args)

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any,
                   daemon: bool = False) -> Timer:
        """Run `callback(*args)` on the loop `delay` real seconds from now."""
        with self._wakeup:
            timer = Timer(time.monotonic() + max(0.0, delay), next(self._sequence), callback, args,
                          daemon, clock=self)
            if not daemon:
                self._work += 1
            heapq.heappush(self._timers, timer)
            self._wakeup.notify()
        return timer

    def _forget(self, timer: Timer) -> None:
        with self._wakeup:
            if timer.clock is None:
                return
            if not timer.daemon:
                self._work -= 1
            timer.clock = None

    def pending_work(self) -> bool:
        return self._work > 0

    def _next_due(self, until: float) -> Timer | None:
        """Wait for the next timer due before `until` (monotonic); None when stopped or out of time."""
        with self._wakeup:
            while not self._stopping:
                while self._timers and self._timers[0].cancelled:
                    heapq.heappop(self._timers)
                now = time.monotonic()
                if self._timers and self._timers[0].due <= min(now, until):
                    return heapq.heappop(self._timers)
                if now >= until:
                    return None
                due = min(self._timers[0].due if self._timers else until, until)
                self._wakeup.wait(None if due == float("inf") else due - now)  # None: until notified
            return None

    def run(self, seconds: float = float("inf")) -> None:
        """Run callbacks as they fall due for `seconds` of real time (or until `stop`)."""
        until = time.monotonic() + seconds
        while (timer := self._next_due(until)) is not None:
            self._forget(timer)
            try:
                timer.callback(*timer.args)
            except Exception:  # one failed callback must not stop the component's process
                self.errors.append(traceback.format_exc())
                traceback.print_exc(file=sys.stderr)
        with self._wakeup:
            self._stopping = False  # a stop asked for before or during this run ends only this run

    def run_forever(self) -> None:
        """Run callbacks as they fall due until another thread (or a callback) calls `stop`."""
        self.run(float("inf"))

    def stop(self) -> None:
        """Make `run_forever` return after the callback in hand (safe from any thread)."""
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify()
