"""Story (a hostile tester's): masks the NodeTable keeps for its life never outlive a node's change.

NodeAffinity's, PodTopologySpread's and ImageLocality's answers are kept in the table between
pods (node_table.by_labels, kept); a node's labels, taints or unschedulable flag changing, or
a node going and coming back, must reach the very next pod. The same world is played twice —
the column path on, and every plugin asked node by node (the reference) — with node changes
between the pods; every pod must land on the same node (or stay Pending) both ways.
"""
import random

import pytest

from kubelab.client import Client, InProcessTransport
from kubelab.scheduler import schedule_columns

from .conftest import World


def zone_pod(world: World, name: str, rng: random.Random) -> None:
    """A pod that asks something of the nodes' labels or taints (or nothing)."""
    spec_kind = rng.choice(["selector", "affinity", "spread", "toleration", "plain"])
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default",
                                                          "labels": {"app": "web"}},
           "spec": {"containers": [{"name": "web", "image": rng.choice(["nginx:1.27", "redis:7"]),
                                    "resources": {"requests": {"cpu": "100m"}}}]}}
    spec = pod["spec"]
    if spec_kind == "selector":
        spec["nodeSelector"] = {"zone": rng.choice(["a", "b"])}
    elif spec_kind == "affinity":
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}]}}}
    elif spec_kind == "spread":
        spec["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                                              "labelSelector": {"matchLabels": {"app": "web"}}}]
    elif spec_kind == "toleration":
        spec["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": "x", "effect": "NoSchedule"}]
    world.client.create("pods", pod)


def change_a_node(world: World, rng: random.Random, step: int) -> None:
    name = f"node-{rng.randrange(5)}"
    try:
        node = world.client.get("nodes", name)
    except Exception:   # noqa: BLE001 — gone: bring it back with other labels
        world.node(name, labels={"zone": rng.choice(["a", "b"]), "disk": rng.choice(["ssd", "hdd"])})
        return
    what = rng.choice(["zone", "disk", "taint", "untaint", "cordon", "uncordon", "delete"])
    labels, spec = dict(node["metadata"].get("labels") or {}), dict(node.get("spec") or {})
    if what == "zone":
        labels["zone"] = rng.choice(["a", "b", "c"])
    elif what == "disk":
        labels["disk"] = rng.choice(["ssd", "hdd"])
    elif what == "taint":
        spec["taints"] = [{"key": "dedicated", "value": "x", "effect": "NoSchedule"}]
    elif what == "untaint":
        spec["taints"] = []
    elif what in ("cordon", "uncordon"):
        spec["unschedulable"] = what == "cordon"
    else:
        world.client.delete("nodes", name)
        return
    world.client.update("nodes", {**node, "metadata": {**node["metadata"], "labels": labels}, "spec": spec})


def play(client, clock, seed: int) -> dict:
    world = World(client, clock)
    rng = random.Random(seed)
    for index in range(5):
        world.node(f"node-{index}", labels={"zone": "ab"[index % 2], "disk": "ssd" if index < 2 else "hdd"})
    world.scheduler(seed)
    clock.settle()
    for step in range(40):
        zone_pod(world, f"pod-{step}", rng)
        clock.settle()
        if rng.random() < 0.6:
            change_a_node(world, rng, step)
            clock.settle()
    return {pod["metadata"]["name"]: pod["spec"].get("nodeName") for pod in client.list("pods", "default")["items"]}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_node_changes_between_pods_reach_the_next_pod_as_node_by_node_would(seed, apiserver, clock, monkeypatch):
    columns = play(Client(InProcessTransport(apiserver), "test"), clock, seed)
    from kubelab.apiserver import APIServer
    from kubelab.clock import VirtualClock
    from kubelab.store import MemoryStore
    from kubelab.api.request import Request
    reference_clock = VirtualClock()
    reference_server = APIServer(MemoryStore(), reference_clock, random.Random(0))
    reference_server.bootstrap()
    reference_server.handle(Request("create", "serviceaccounts", "default", body={
        "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}))
    monkeypatch.setattr(schedule_columns, "ENABLED", False)
    reference = play(Client(InProcessTransport(reference_server), "test"), reference_clock, seed)
    assert columns == reference
    assert sum(node is not None for node in columns.values()) >= 10   # the story did schedule pods
