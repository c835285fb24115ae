"""A big cluster pauses Python's cyclic garbage collector while it runs, and only while it runs.

At 5,000 nodes the collector's walks over millions of dicts were a fifth of starting the
cluster (kubelab/cluster/collector.py). The pause must end with the run — by an exception
too — and lessons' small clusters must never touch it.
"""
from __future__ import annotations

import gc

import pytest

from kubelab import Cluster
from kubelab.cluster import collector


def _collector_during_run(cluster: Cluster) -> bool:
    seen = []
    cluster.clock.call_later(1.0, lambda: seen.append(gc.isenabled()))
    cluster.run(2.0)
    return seen[0]


def test_a_big_cluster_runs_without_the_collector_and_gives_it_back():
    assert gc.isenabled()
    cluster = Cluster(nodes=collector.BIG_NODES, seed=0, progress=False)
    assert gc.isenabled()
    assert _collector_during_run(cluster) is False
    assert gc.isenabled()


def test_a_lessons_cluster_keeps_the_collector_on():
    assert _collector_during_run(Cluster(nodes=3, seed=0)) is True


def test_the_collector_comes_back_when_a_run_fails():
    with pytest.raises(RuntimeError):
        with collector.paused(collector.BIG_NODES):
            assert not gc.isenabled()
            raise RuntimeError("a component crashed")
    assert gc.isenabled()
