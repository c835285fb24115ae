"""Progress: a bar while a big cluster settles — virtual time, pods Running/Pending, writes/s.

What it models. Nothing in Kubernetes: this is the notebook's view of a long run. A 5,000-node
cluster takes real seconds to settle, and a silent cell looks hung; the bar says how far the
virtual clock has got, how many pods are Running and Pending, and how many writes per second
(of wall time) the store is taking, which is the scale lesson's unit of work.

It reads only what the in-process assembly already holds, never through the API (a list of
150,000 pods per refresh would be the very cost it reports): the store's pod count
(`range(..., count_only=True)` over `/registry/pods/`), the runtimes' sandboxes whose
containers all run (what each kubelet reports as Running), and the store's revision (one per
write).

Invariant: the bar changes nothing the cluster does. `settle` with a bar runs exactly the
timers `VirtualClock.settle` runs, in the same order, to the same end (the loop below is that
method's loop with a refresh every few hundred steps), so a run's names, events and choices
are the same with or without it.

When it shows (`progress=None`, "auto"): only for clusters of at least `AUTO_NODES` nodes, and
then only once the run has lasted `DELAY_SECONDS` of wall time (tqdm's `delay`), so lessons'
small clusters never print one into a stored output. `True` always shows it, `False` never.
`tqdm.auto` draws a widget in a notebook and text in a terminal (on stderr).
"""
from __future__ import annotations

import time

AUTO_NODES = 100           # smaller clusters settle in well under a second
DELAY_SECONDS = 2.0        # auto bars appear only for runs longer than this (wall time)
REFRESH_STEPS = 256        # look at the wall clock every this many timers
REFRESH_SECONDS = 0.5      # and redraw at most this often
LOOKING_SHARE = 0.02       # and spend at most this share of the run counting pods for the bar

PODS_PREFIX = "/registry/pods/"


def wanted(progress: bool | None, nodes: int) -> bool:
    """Should a run show a bar? `progress` True/False decides; None means "if the cluster is big"."""
    if progress is None:
        return nodes >= AUTO_NODES
    return bool(progress)


def pod_counts(cluster) -> tuple[int, int]:
    """(Running, Pending) pods: Running as the runtimes report them, the rest of the store's pods Pending."""
    try:
        total = cluster.store.range(PODS_PREFIX, prefix=True, limit=1, count_only=True).count
    except Exception:   # a store that is down (a fault) has no count to give: show what runs
        total = 0
    running = 0
    for kubelet in cluster.kubelets.values():
        for sandbox in kubelet.runtime.sandboxes.values():
            containers = sandbox.containers.values()
            if containers and all(c.state == "running" for c in containers):
                running += 1
    return running, max(0, total - running)


class Bar:
    """One tqdm bar over a run's virtual seconds, with pods and writes/s beside it."""

    def __init__(self, cluster, description: str, delay: float = 0.0):
        from tqdm.auto import tqdm   # imported on use: lessons' small clusters never need it
        self.cluster = cluster
        self.start_virtual = cluster.clock.now()
        self.start_revision = self.last_revision = cluster.store.revision
        self.last_wall = self.start_wall = time.monotonic()
        # Counting pods walks every node's sandboxes (150,000 at 5,000 nodes): after each count the
        # bar waits LOOKING_SHARE's inverse times as long as the count took, so it never costs the
        # run more than that share, however big the cluster.
        self.interval = REFRESH_SECONDS
        self.tqdm = tqdm(desc=description, total=None, unit="s", delay=delay, leave=True,
                         bar_format="{desc}: {n:.0f} s virtual time [{elapsed} wall]{postfix}")

    def refresh(self, final: bool = False) -> None:
        """Redraw if REFRESH_SECONDS of wall time have passed; the `final` one with the whole
        run's average rate."""
        wall = time.monotonic()
        if not final and wall - self.last_wall < self.interval:
            return
        revision = self.cluster.store.revision
        since_revision, since_wall = (self.start_revision, self.start_wall) if final else \
            (self.last_revision, self.last_wall)
        writes_per_second = (revision - since_revision) / max(wall - since_wall, 1e-9)
        running, pending = pod_counts(self.cluster)
        self.interval = max(REFRESH_SECONDS, (time.monotonic() - wall) / LOOKING_SHARE)
        self.last_wall, self.last_revision = wall, revision
        self.tqdm.n = self.cluster.clock.now() - self.start_virtual
        self.tqdm.set_postfix_str(f"pods Running {running:,}, Pending {pending:,}, "
                                  f"{writes_per_second:,.0f} writes/s", refresh=False)
        self.tqdm.refresh()

    def close(self) -> None:
        self.refresh(final=True)
        self.tqdm.close()


def settle(cluster, max_seconds: float, description: str = "settle", delay: float = 0.0) -> float:
    """`VirtualClock.settle` with a bar: run until only daemon timers remain (or `max_seconds`)."""
    clock = cluster.clock
    bar = Bar(cluster, description, delay)
    start = clock.now()
    deadline = start + max_seconds
    steps = 0
    try:
        while clock.pending_work():
            if not clock.step(deadline):
                clock.run(deadline - clock.now())   # nothing due before the deadline: move to it
                break
            steps += 1
            if steps % REFRESH_STEPS == 0:
                bar.refresh()
    finally:
        bar.close()
    return clock.now() - start

