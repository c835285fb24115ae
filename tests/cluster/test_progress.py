"""A long settle shows a progress bar; a lesson's small cluster never does (issue 13, point 5).

The bar (kubelab/cluster/progress.py) reports virtual time, pods Running/Pending and writes
per second on stderr (a widget in a notebook). It must change nothing the cluster does: the
same seed settles to the same store, bar or no bar.
"""
from __future__ import annotations

import pytest

from kubelab import Cluster
from kubelab.cluster import progress

DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "spec": {"replicas": 12, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}


def _settled_store(show: bool) -> tuple[list[tuple[str, str]], float]:
    cluster = Cluster(nodes=3, seed=7, progress=show)
    cluster.apply(DEPLOYMENT)
    cluster.settle(progress=show)
    return [(kv.key, kv.value) for kv in cluster.store.range("/", "\0").kvs], cluster.clock.now()


def test_a_bar_changes_nothing_the_cluster_does():
    assert _settled_store(True) == _settled_store(False)


def test_a_forced_bar_shows_virtual_time_pods_and_writes_per_second(capsys):
    cluster = Cluster(nodes=3, seed=0, progress=False)
    cluster.apply(DEPLOYMENT)
    cluster.settle(progress=True)
    shown = capsys.readouterr().err
    assert "s virtual time" in shown
    assert "pods Running 12, Pending 0" in shown   # the final refresh: every replica runs
    assert "writes/s" in shown


def test_a_lessons_small_cluster_shows_no_bar(capsys):
    cluster = Cluster(nodes=3, seed=0)
    cluster.apply(DEPLOYMENT)
    cluster.settle()
    assert capsys.readouterr().err == ""
    assert not progress.wanted(None, 10) and progress.wanted(None, 5000)
    assert progress.wanted(True, 3) and not progress.wanted(False, 5000)


def test_a_progress_that_is_not_a_switch_is_refused():
    cluster = Cluster(nodes=1, seed=0)
    with pytest.raises(TypeError, match="progress must be True, False or None"):
        cluster.settle(progress="yes")


def test_pending_pods_are_the_stores_pods_not_yet_running():
    cluster = Cluster(nodes=2, seed=0, progress=False)
    cluster.apply(DEPLOYMENT)
    cluster.run(0.5)     # created, not yet started
    running, pending = progress.pod_counts(cluster)
    assert running + pending == 12 and pending > 0
    cluster.settle()
    assert progress.pod_counts(cluster) == (12, 0)
