"""Checks for lesson 04 (the scheduler).

ex 4.1 — your own Score plugin. The learner writes `LeastPods`: score = the number of pods on
the node, and a NormalizeScore that turns it around so the emptiest node scores 100. The check
registers it in a profile where it is the only Score plugin (weight 5), on three nodes holding
0, 1 and 3 pods, and schedules a pod: it must land on the empty node, and the normalized scores
must be 100 / 67 / 0. Plausible wrong answers — no reversal (the pod goes to the busiest node),
scores above 100, a filter instead of a score — each get their own hint.

ex 4.2 — placement rules. The learner writes `web_placement()`, the affinity and spread rules
for a `web` Deployment's pod template, so that on 3 zones × 2 nodes six replicas land one per
node and two per zone, and a seventh replica stays Pending rather than doubling up. The check
runs it on a fresh cluster; preferred rules (the seventh doubles up), spread without hostname
anti-affinity and anti-affinity without the zone spread each fail with a hint.
"""
from __future__ import annotations

import random

from .errors import ExerciseNotDone, ExerciseWrong
from .runner import attempt

TODO_41 = ("write LeastPods.score (how many pods the node holds: len(node_info.pods)) and normalize_score "
           "(0..100, the emptiest node 100).")

ZONE = "topology.kubernetes.io/zone"


def _pod(name: str, node_name: str | None = None, labels: dict | None = None) -> dict:
    spec = {"containers": [{"name": "app", "image": "nginx:1.27"}]}
    if node_name:
        spec["nodeName"] = node_name
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}}, "spec": spec}


def check_least_pods(plugin_class) -> str:
    """Schedule one pod with the learner's Score plugin alone deciding."""
    from ..cluster import Cluster
    from ..scheduler import Scheduler
    from ..scheduler.framework import MAX_NODE_SCORE, ScorePlugin
    from ..scheduler.plugins import registry

    if not (isinstance(plugin_class, type) and issubclass(plugin_class, ScorePlugin)):
        raise ExerciseWrong("LeastPods must be a class that extends ScorePlugin (a Filter says yes or no; "
                            "a Score ranks the nodes that passed).")
    # first on its own, under the time limit (a crash or a loop is a hint, not a stuck scheduler)
    from ..scheduler.node_info import NodeInfo
    sample = NodeInfo({"metadata": {"name": "node-9"}, "status": {"allocatable": {"cpu": "2", "pods": "110"}}})
    for index in range(2):
        sample.add_pod({"metadata": {"name": f"p{index}", "namespace": "default"}, "spec": {"containers": []}})
    attempt(plugin_class().score, {}, _pod("newcomer"), sample, exercise="ex 4.1", case="a node holding 2 pods",
            todo=TODO_41, who="LeastPods.score")
    attempt(plugin_class().normalize_score, {}, _pod("newcomer"), {"a": 0, "b": 2}, exercise="ex 4.1",
            case="raw scores {a: 0, b: 2}", todo=TODO_41, who="LeastPods.normalize_score")
    registry.register("LeastPods", lambda arguments, handle: plugin_class())
    config = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
              "profiles": [{"schedulerName": "least-pods", "plugins": {
                  "score": {"disabled": [{"name": "*"}], "enabled": [{"name": "LeastPods", "weight": 5}]}}}]}
    cluster = Cluster(nodes=3, seed=0)
    scheduler = Scheduler(cluster.client.for_component("kube-scheduler"), cluster.clock, random.Random(0),
                          config=config)
    scheduler.start()
    for node_name, count in (("node-2", 1), ("node-3", 3)):
        for index in range(count):
            cluster.client.create("pods", _pod(f"{node_name}-filler-{index}", node_name))
    cluster.settle()
    pod = _pod("newcomer")
    pod["spec"]["schedulerName"] = "least-pods"
    try:
        cluster.client.create("pods", pod)
        cluster.settle()
    finally:
        registry.REGISTRY.pop("LeastPods", None)
    decision = next((d for d in scheduler.decisions if d.pod == "default/newcomer"), None)
    if decision is None or decision.error:
        error = decision.error if decision else "no decision"
        if "NotImplementedError" in error:
            raise ExerciseNotDone(f"ex 4.1 is not solved yet ({error.split(': ', 2)[-1]}): {TODO_41}")
        raise ExerciseWrong(f"the scheduler could not use LeastPods: {error}")
    normalized = decision.normalized_scores.get("LeastPods", {})
    raw = decision.raw_scores.get("LeastPods", {})
    if raw != {"node-1": 0, "node-2": 1, "node-3": 3}:
        raise ExerciseWrong(f"score should be the number of pods on the node (0, 1, 3); got {raw}.")
    if any(not isinstance(score, int) or not 0 <= score <= MAX_NODE_SCORE for score in normalized.values()):
        raise ExerciseWrong(f"normalize_score must give whole numbers from 0 to {MAX_NODE_SCORE}; got {normalized}.")
    if decision.node_name == "node-3" or normalized.get("node-3") == MAX_NODE_SCORE:
        raise ExerciseWrong("the busiest node scored highest: NormalizeScore makes the highest raw score 100 — "
                            "here fewer pods must be better, so turn it around (default_normalize_score(scores, "
                            "reverse=True)).")
    if normalized != {"node-1": 100, "node-2": 67, "node-3": 0}:
        raise ExerciseWrong(f"expected 100 / 67 / 0 for 0 / 1 / 3 pods (100 - 100 × pods ÷ most pods); got "
                            f"{normalized}.")
    if decision.node_name != "node-1":
        raise ExerciseWrong(f"the pod should land on node-1, the empty node; it went to {decision.node_name}.")
    return "✓ ex 4.1: LeastPods scores 0 / 1 / 3 pods as 100 / 67 / 0 and the pod lands on the empty node."


def check_web_placement(placement) -> str:
    """Six replicas one per node and two per zone; a seventh stays Pending."""
    from ..cluster import Cluster

    rules = attempt(placement, exercise="ex 4.2", case="six nodes in three zones",
                    todo="return {'affinity': ..., 'topologySpreadConstraints': [...]} for the web pods.")
    if not isinstance(rules, dict) or not set(rules) <= {"affinity", "topologySpreadConstraints", "nodeSelector"}:
        raise ExerciseWrong("web_placement() should return a dict with 'affinity' and/or "
                            "'topologySpreadConstraints' (pod spec fields).")
    cluster = Cluster(nodes=6, seed=0)
    for index, node in enumerate(cluster.list("nodes")):
        node["metadata"]["labels"][ZONE] = "zone-" + "abc"[index // 2]
        cluster.client.update("nodes", node)
    template = {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}], **rules}}
    from ..client import ApiError
    try:
        cluster.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                       "spec": {"replicas": 6, "selector": {"matchLabels": {"app": "web"}}, "template": template}})
    except ApiError as error:
        raise ExerciseWrong(f"the API server refused the rules: {error.message}") from None
    cluster.settle()
    placed = [pod["spec"].get("nodeName") for pod in cluster.list("pods", "default")]
    zones = {node["metadata"]["name"]: node["metadata"]["labels"][ZONE] for node in cluster.list("nodes")}
    per_node = {name: placed.count(name) for name in zones}
    per_zone = {zone: sum(count for name, count in per_node.items() if zones[name] == zone)
                for zone in sorted(set(zones.values()))}
    if None in placed:
        raise ExerciseWrong(f"not all six replicas were scheduled ({placed.count(None)} Pending): the rules are "
                            "stricter than the cluster allows — selectors must match the pods' own label app=web.")
    if max(per_node.values()) > 1:
        raise ExerciseWrong(f"two replicas share a node ({per_node}): add a required podAntiAffinity term on "
                            "kubernetes.io/hostname selecting app=web.")
    if max(per_zone.values()) != 2:
        raise ExerciseWrong(f"zones are uneven: {per_zone}")
    cluster.kubectl("scale deployment web --replicas=7")
    cluster.settle()
    pending = [pod for pod in cluster.list("pods", "default") if not pod["spec"].get("nodeName")]
    if not pending:
        anti = ((rules.get("affinity") or {}).get("podAntiAffinity") or {})
        if anti.get("requiredDuringSchedulingIgnoredDuringExecution") is None and \
                anti.get("preferredDuringSchedulingIgnoredDuringExecution") is None:
            raise ExerciseWrong("a seventh replica doubled up on a node: nothing forbids it — add a required "
                                "podAntiAffinity term on kubernetes.io/hostname selecting app=web.")
        raise ExerciseWrong("a seventh replica doubled up on a node: the rules must be *required* "
                            "(requiredDuringSchedulingIgnoredDuringExecution / DoNotSchedule), not preferred.")
    spread = rules.get("topologySpreadConstraints") or []
    if not any(c.get("topologyKey") == ZONE and c.get("whenUnsatisfiable") == "DoNotSchedule" for c in spread):
        raise ExerciseWrong("the zones came out even by luck of scoring; say it as a rule: a topologySpreadConstraint "
                            f"on {ZONE}, maxSkew 1, whenUnsatisfiable DoNotSchedule, selecting app=web.")
    return "✓ ex 4.2: six replicas, one per node, two per zone; the seventh waits Pending instead of doubling up."
