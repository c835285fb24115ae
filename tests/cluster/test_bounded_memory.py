"""An idle cluster left running for a week holds its memory flat (issue 12, point 7).

Every heartbeat is a write: three kubelets' node statuses and Leases every 10 seconds make
over 300,000 writes a week. Each used to leave something behind for good — the old version
in the store's history, an entry in the API server's trace. Now the store is compacted every
5 minutes, the trace keeps its last 10,000 entries, and Events expire with their lease: after
the first day, nothing grows. Measured on virtual time (a simulated week takes a few
minutes of CPU: heartbeats are real requests), by what the store holds and by a census of
the live Python objects.
"""
from __future__ import annotations

import gc

from kubelab import Cluster

DAY = 24 * 3600.0


def census(cluster: Cluster) -> dict[str, int]:
    gc.collect()
    return {"objects": len(gc.get_objects()), "store bytes": cluster.store.size,
            "store history": len(cluster.store._log), "trace kept": sum(1 for _ in cluster.apiserver.trace)}


def test_an_idle_three_node_cluster_holds_its_memory_flat_for_a_simulated_week():
    cluster = Cluster(nodes=3, seed=0)
    cluster.settle()
    cluster.run(DAY)
    after_a_day = census(cluster)
    writes_before = cluster.store.revision
    cluster.run(6 * DAY)
    after_a_week = census(cluster)
    assert cluster.store.revision - writes_before > 100_000    # it was busy all week
    assert cluster.store.compacted_revision > cluster.store.revision - 1000
    for measure, first in after_a_day.items():
        # Flat: within 2% (and a few objects) of where it stood after the first day.
        assert after_a_week[measure] <= first * 1.02 + 50, (measure, first, after_a_week[measure])
