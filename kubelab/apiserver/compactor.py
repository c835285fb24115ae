"""The compactor: the API server asks the store to forget old history, every 5 minutes.

What it models. Every write keeps the key's old version, so without compaction the store
grows forever. kube-apiserver runs a compactor beside its etcd client
(`--etcd-compaction-interval`, 5 minutes by default): at each tick it compacts to the
revision it saw at the *previous* tick, so between 5 and 10 minutes of history stay
readable — enough for a watcher that fell a little behind to resume, and for a paginated
list to finish. Older than that, a watch or a read gets 410 Gone and must list again.

Several API servers share one store, and only one of them should compact per interval.
Upstream coordinates them through one key, `compact_rev_key`, whose *version* counts the
compactions done ("compact time"): each tick is a transaction "if compact_rev_key's version
is still the one I last saw, write it (the version moves on) and compact; otherwise learn
the current version and try next time". The winner's write is the lease; a crashed
compactor is taken over by the next that ticks. kubelab keeps this protocol, key and all:
`kubelab store get compact_rev_key` shows the last compacted revision, as etcdctl does.

Invariant: a compaction never removes history younger than one whole interval; the first
tick after start only records where the store is ("we don't compact on bootstrap").

Why not compact sooner in a burst (issue 13: 150,000 pods settle in about one virtual
second, so no tick comes and every old version is still held when they all run). Upstream
would not either: kube-apiserver's compactor is time-driven only, and etcd's own
`--auto-compaction-mode=revision --auto-compaction-retention=N` also acts every 5 minutes
(`revInterval` in etcd's v3compactor/revision.go: it compacts to "current revision − N"
at each tick, never on a write). Compacting on a revision count inside the burst would
break what the history is for — a paginated list at revision R, an informer resuming its
watch a moment later — and answer 410 Gone where a real cluster does not. So the interval
stays upstream's; what changed is how the memory store holds the history meanwhile: etcd
keeps it on disk (bbolt), kubelab keeps each replaced version as a small delta against the
version after it (store/packed.py), so a burst's history costs ~1/20 of its text.

Configurable: `APIServer(..., compaction_interval=300.0)`, `Cluster(compaction_interval=...)`,
`kubelab apiserver --etcd-compaction-interval 5m`; 0 turns it off (as upstream's 0 does).
"""
from __future__ import annotations

from ..store import CompactedError, Compare, Op, StoreError

COMPACT_REV_KEY = "compact_rev_key"
DEFAULT_INTERVAL = 300.0    # kube-apiserver's --etcd-compaction-interval default: 5m


class Compactor:
    """Compacts `store` every `interval` seconds of `clock` time, to the previous tick's revision."""

    def __init__(self, store, clock, interval: float = DEFAULT_INTERVAL):
        self.store, self.clock, self.interval = store, clock, interval
        self.compact_time = 0     # the version of compact_rev_key we last saw
        self.revision = 0         # the store's revision at our last tick: the next compaction
        self.compactions = 0      # how many this compactor did (for tests and lessons)
        self._timer = None
        if interval and interval > 0:
            self._timer = clock.call_later(interval, self._tick, daemon=True)

    def _tick(self) -> None:
        try:
            self.compact_once()
        except StoreError:   # the store is away: try again next interval, as upstream does
            pass
        self._timer = self.clock.call_later(self.interval, self._tick, daemon=True)

    def compact_once(self) -> None:
        """One round of upstream's protocol: win the compare on compact_rev_key, then compact."""
        response = self.store.txn([Compare(COMPACT_REV_KEY, "version", "=", self.compact_time)],
                                  [Op.put(COMPACT_REV_KEY, str(self.revision))],
                                  [Op.range(COMPACT_REV_KEY)])
        current = response.revision
        if not response.succeeded:   # another API server compacted this round: follow it
            kvs = response.responses[0].kvs
            self.compact_time = kvs[0].version if kvs else 0
            self.revision = current
            return
        self.compact_time += 1
        previous, self.revision = self.revision, current
        if previous == 0:
            return   # upstream: "We don't compact on bootstrap."
        try:
            self.store.compact(previous)
            self.compactions += 1
        except CompactedError:
            pass     # someone compacted further already (`kubelab store compact`): fine

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
