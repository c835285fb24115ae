"""Back-off: how long the kubelet waits before trying again (client-go's flowcontrol.Backoff).

The kubelet keeps two of these, both 10 s doubling to 300 s (upstream's backOffPeriod and
MaxContainerBackOff): one for restarting crashed containers (CrashLoopBackOff), one for
pulling images that failed (ImagePullBackOff). Per key, an entry remembers its current delay
and when it last grew:

    next(key, t)                 first time (or stale): 10 s; else double it, at most 300 s
    in_backoff_since(key, t)     is it less than the delay since t (a container's finishedAt)?
    in_backoff_since_update(key) is it less than the delay since the entry last grew?

An entry is stale when the event comes more than twice the maximum (600 s = 10 min) after
its last update: a container that ran for ten minutes before crashing starts again at 10 s.
So a container that exits at once restarts immediately the first time, then after 10, 20,
40, 80, 160, 300, 300… seconds.
"""
from __future__ import annotations

INITIAL_SECONDS = 10.0   # backOffPeriod
MAX_SECONDS = 300.0      # MaxContainerBackOff
EPSILON = 1e-6           # float sums of virtual time: a wake-up at the end is the end


class Backoff:
    def __init__(self, clock, initial: float = INITIAL_SECONDS, maximum: float = MAX_SECONDS):
        self.clock, self.initial, self.maximum = clock, initial, maximum
        self.entries: dict[str, tuple[float, float]] = {}   # key -> (delay, last update)

    def _stale(self, event_time: float, last_update: float) -> bool:
        return event_time - last_update > 2 * self.maximum

    def next(self, key: str, event_time: float) -> float:
        """Grow the key's delay (or start it at the initial one) and return it."""
        entry = self.entries.get(key)
        if entry is None or self._stale(event_time, entry[1]):
            delay = self.initial
        else:
            delay = min(entry[0] * 2, self.maximum)
        self.entries[key] = (delay, self.clock.now())
        return delay

    def get(self, key: str) -> float:
        return self.entries[key][0] if key in self.entries else 0.0

    def in_backoff_since(self, key: str, event_time: float) -> bool:
        """Less than the delay has passed since `event_time`."""
        entry = self.entries.get(key)
        if entry is None or self._stale(event_time, entry[1]):
            return False
        return self.clock.now() - event_time < entry[0] - EPSILON

    def in_backoff_since_update(self, key: str) -> bool:
        """Less than the delay has passed since the entry last grew."""
        entry = self.entries.get(key)
        if entry is None:
            return False
        return self.clock.now() - entry[1] < entry[0] - EPSILON

    def ends(self, key: str, event_time: float) -> float:
        """When the back-off that began at `event_time` is over."""
        return event_time + self.get(key)

    def forget(self, prefix: str) -> None:
        """Drop the entries of a pod that is gone (keys start with its uid)."""
        for key in [key for key in self.entries if key.startswith(prefix)]:
            del self.entries[key]
