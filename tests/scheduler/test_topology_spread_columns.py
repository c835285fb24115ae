"""PodTopologySpread scores over the node table exactly as node by node (topology_spread_scores.py).

Random clusters (zones a, b, c, an empty zone or none; some tainted) full of placed pods
of a few ReplicaSets in two namespaces, some being deleted; incoming pods spread softly by the
system defaults (a ReplicaSet selects them), or by their own ScheduleAnyway constraints — two
on one key, inclusion policies Honor — are scheduled both ways with the same seed: the chosen
node, every raw and normalized score must be equal, and the column path must have run.
"""
import random

from kubelab.scheduler import schedule_columns
from kubelab.scheduler.cache import Cache
from kubelab.scheduler.plugins import topology_spread_scores
from kubelab.scheduler.profile import load_profiles
from kubelab.scheduler.runtime import Handle
from kubelab.scheduler.schedule_one import schedule_pod

APPS = ["web", "api", "db"]
ZONE, HOSTNAME = "topology.kubernetes.io/zone", "kubernetes.io/hostname"


def random_node(rng: random.Random, index: int) -> dict:
    labels = {HOSTNAME: f"node-{index}"}
    if rng.random() < 0.85:
        labels[ZONE] = rng.choice(["a", "b", "c", ""])
    if rng.random() < 0.5:
        labels["disktype"] = rng.choice(["ssd", "hdd"])
    spec = {"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]} if rng.random() < 0.2 else {}
    allocatable = {"cpu": "64", "memory": "64Gi", "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"node-{index}", "labels": labels},
            "spec": spec, "status": {"allocatable": allocatable, "capacity": allocatable}}


class Lister:
    """A ReplicaSet lister: one ReplicaSet per app in each namespace."""

    def list(self, namespace=None):
        return [{"metadata": {"name": app, "namespace": namespace},
                 "spec": {"selector": {"matchLabels": {"app": app}}}} for app in APPS]


def placed_pod(rng: random.Random, index: int, nodes: int) -> dict:
    metadata = {"name": f"placed-{index}", "namespace": rng.choice(["default", "other"]),
                "uid": f"placed-{index}", "labels": {"app": rng.choice(APPS), "pod-template-hash": "h"}}
    if rng.random() < 0.1:
        metadata["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    return {"metadata": metadata, "spec": {"nodeName": f"node-{rng.randrange(nodes)}", "containers": [
        {"name": "c", "image": "pause", "resources": {"requests": {"cpu": "10m"}}}]}, "status": {}}


def incoming_pod(rng: random.Random) -> dict:
    app = rng.choice(APPS)
    spec = {"containers": [{"name": "c", "image": "pause", "resources": {"requests": {"cpu": "10m"}}}]}
    if rng.random() < 0.4:
        spec["topologySpreadConstraints"] = [{
            "maxSkew": rng.choice([1, 2, 4]), "topologyKey": rng.choice([ZONE, HOSTNAME, "disktype"]),
            "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"app": app}},
            "nodeAffinityPolicy": rng.choice(["Honor", "Ignore"]),
            "nodeTaintsPolicy": rng.choice(["Honor", "Ignore"])} for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.3:
        spec["nodeSelector"] = {"disktype": rng.choice(["ssd", "hdd"])}
    if rng.random() < 0.3:
        spec["tolerations"] = [{"operator": "Exists"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "incoming", "namespace": rng.choice(["default", "other"]), "uid": "incoming",
        "labels": {"app": app, "pod-template-hash": "h"}}, "spec": spec, "status": {}}


def test_topology_spread_scores_the_same_over_the_node_table():
    calls = []
    original = topology_spread_scores.score_array
    topology_spread_scores.score_array = lambda *args: calls.append(1) or original(*args)
    try:
        for seed in range(120):
            rng = random.Random(seed)
            size = rng.choice([5, 40, 160])
            cache = Cache()
            for index in range(size):
                cache.add_node(random_node(rng, index))
            for index in range(rng.randint(0, size * 3)):
                cache.add_pod(placed_pod(rng, index, size))
            handle = Handle(snapshot=cache.snapshot, listers={"replicasets": Lister()})
            config = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
                      "percentageOfNodesToScore": rng.choice([0, 50, 100])}
            framework = load_profiles(config, handle)["default-scheduler"]
            pod, start, snapshot = incoming_pod(rng), rng.randrange(size), cache.snapshot()
            schedule_columns.ENABLED = False
            try:
                slow = schedule_pod(framework, pod, snapshot.node_info_list, random.Random(seed), 0.0, start)
            finally:
                schedule_columns.ENABLED = True
            fast = schedule_pod(framework, pod, snapshot.node_info_list, random.Random(seed), 0.0, start,
                                table=snapshot.table)
            assert fast.node_name == slow.node_name, seed
            assert fast.raw_scores == slow.raw_scores, seed
            assert fast.normalized_scores == slow.normalized_scores, seed
    finally:
        topology_spread_scores.score_array = original
    assert len(calls) > 80   # most pods were scored over the columns
