"""Python's cyclic garbage collector, paused while a big cluster runs.

What it is. Nothing in Kubernetes: a cost of running 5,000 nodes in one CPython process.
CPython frees most objects by reference counting; its cyclic collector also walks every
tracked container (every dict and list) of a generation each time that generation fills, and
a big cluster holds millions of them — its objects, informer caches, the store's history. On
`Cluster(nodes=2000)` those walks were a fifth of the CPU of starting it and a quarter of an
idle minute's, finding a few hundred cycles.

So a cluster of `BIG_NODES` or more pauses the collector for the length of its own runs
(start, `run`, `settle`) and switches it back on after, when it catches up on the few cycles
left (a stopped component and its timers). Nothing the cluster does depends on when garbage
is freed, so runs are identical with or without the pause.

Invariant: the collector is as it was before the run when the run ends, by an exception too;
pauses nest (an inner one finds it already off and leaves it off). Clusters under
`BIG_NODES` — every lesson's — never touch it.
"""
from __future__ import annotations

import contextlib
import gc

BIG_NODES = 100


@contextlib.contextmanager
def paused(nodes: int):
    """Pause the cyclic collector for this block if the cluster has `BIG_NODES` nodes or more."""
    if nodes < BIG_NODES or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
