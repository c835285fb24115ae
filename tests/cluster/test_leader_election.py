"""Leader election: two controller managers and two schedulers, one of each active; kill the
leader and the standby takes the Lease within its 15 s duration (+ one 2 s retry)."""
import random

import pytest

from kubelab import Cluster
from kubelab.objects.timefmt import parse

MANIFEST = open("kubelab/examples/nginx-deployment.yaml").read()


def lease(cluster, name):
    return cluster.get("leases", name, "kube-system")["spec"]


def leaders(cluster, names):
    return [name for name in names if name in cluster.running and cluster.running[name].leading]


def test_one_of_two_controller_managers_and_schedulers_leads_and_the_standby_takes_over():
    cluster = Cluster(nodes=2, seed=0, controller_managers=2, schedulers=2)
    assert len(leaders(cluster, cluster.manager_names)) == 1
    assert len(leaders(cluster, cluster.scheduler_names)) == 1
    first = leaders(cluster, cluster.manager_names)[0]
    holder = lease(cluster, "kube-controller-manager")["holderIdentity"]
    assert holder.startswith(first + "_")
    assert [e["message"] for e in cluster.list("events", "kube-system") if e["reason"] == "LeaderElection"
            and e["involvedObject"]["name"] == "kube-controller-manager"] == [f"{holder} became leader"]

    cluster.run(30)
    last_renew = parse(lease(cluster, "kube-controller-manager")["renewTime"])
    cluster.fault.stop(first)
    cluster.apply(MANIFEST)
    for _ in range(20):
        cluster.run(1)
        if leaders(cluster, cluster.manager_names):
            break
    took_over = cluster.clock.now()
    assert leaders(cluster, cluster.manager_names) != [first] and leaders(cluster, cluster.manager_names)
    assert took_over - last_renew <= 15 + 2 * 2.2   # lease duration + one jittered retry period
    spec = lease(cluster, "kube-controller-manager")
    assert spec["leaseTransitions"] == 1 and not spec["holderIdentity"].startswith(first + "_")
    cluster.settle()
    assert len([p for p in cluster.list("pods") if p["status"].get("phase") == "Running"]) == 3


@pytest.mark.parametrize("seed", range(20))
def test_over_many_seeded_handovers_no_replicaset_overshoots(seed):
    rng = random.Random(seed)
    cluster = Cluster(nodes=3, seed=seed, controller_managers=2)
    cluster.apply(MANIFEST)
    most = 0
    for step in range(4):
        cluster.run(rng.uniform(0, 5))
        replicas = rng.randint(1, 6)
        cluster.kubectl(f"scale deployment nginx-deployment --replicas={replicas}")
        cluster.run(rng.uniform(0, 3))
        leader = leaders(cluster, cluster.manager_names)
        if leader:
            cluster.fault.crash(leader[0])
        for _ in range(40):
            cluster.run(0.5)
            active = [p for p in cluster.list("pods") if "deletionTimestamp" not in p["metadata"]]
            most = max(most, len(active) - replicas)
        cluster.settle()
        active = [p for p in cluster.list("pods") if "deletionTimestamp" not in p["metadata"]]
        assert len(active) == replicas
    assert most <= 0, f"a ReplicaSet overshot by {most} pods"
