"""Checks for lessons 06 and 07 (controllers; node failure).

ex 6.1 — your own controller. The learner writes the `sync(namespace)` of a
PodCountController that keeps, in every namespace, a ConfigMap `pod-count` whose
data.pods is the number of pods there. The check runs it in a fresh cluster next to the real
controllers and tells a story that catches the usual slips: two namespaces (a count over the
whole cluster is wrong), a pod deleted (a count that only goes up is wrong), the ConfigMap
created once then updated (creating it again is a 409), and a namespace emptied (0, not
a missing ConfigMap).

ex 7.1 — predict when the pods move. The learner computes, from upstream's defaults, how
long after a node's kubelet stops its pods are evicted. The check runs that story on a real
(in-process) cluster and accepts an answer within one heartbeat (10 s) of what happened,
refusing the plausible wrong ones with the reason.
"""
from __future__ import annotations

from ..client import ApiError
from .errors import ExerciseNotDone, ExerciseWrong

RBAC = [
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
     "metadata": {"name": "pod-count-controller"},
     "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "create", "update", "patch"]},
               {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch", "update"]}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
     "metadata": {"name": "pod-count-controller"},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "pod-count-controller"},
     "subjects": [{"kind": "ServiceAccount", "name": "pod-count-controller", "namespace": "kube-system"}]},
]


def _pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}


def _counts(cluster, namespaces) -> dict:
    out = {}
    for namespace in namespaces:
        try:
            out[namespace] = cluster.client.get("configmaps", "pod-count", namespace).get("data", {}).get("pods")
        except ApiError:
            out[namespace] = None
    return out


def check_pod_count_controller(controller_class) -> str:
    """Run the learner's controller in a fresh cluster and compare its ConfigMaps with the truth."""
    from ..cluster import Cluster
    cluster = Cluster(nodes=2, seed=0)
    cluster.apply(RBAC)
    for namespace in ("shop", "blog"):
        cluster.client.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    cluster.settle()   # the service account controller gives each its "default" account
    try:
        controller = cluster.controller_manager.add(controller_class)
        for name in ("a", "b", "c"):
            cluster.client.create("pods", _pod(name), "shop")
        cluster.client.create("pods", _pod("x"), "blog")
        cluster.settle()
    except NotImplementedError as gap:
        raise ExerciseNotDone(f"ex 6.1 is not solved yet ({gap}): write PodCountController.sync — count the "
                              "pods of the namespace in self.pods, then create or update its ConfigMap.") from None
    errors = [error for _, error in controller.errors]
    if any("NotImplementedError" in error for error in errors):
        raise ExerciseNotDone("ex 6.1 is not solved yet (TODO(ex 6.1)): write PodCountController.sync — count "
                              "the pods of the namespace, then create or update its ConfigMap.")
    counts = _counts(cluster, ["shop", "blog"])
    if counts == {"shop": "4", "blog": "4"}:
        raise ExerciseWrong("every ConfigMap says 4: that is the whole cluster. Count only the pods of the "
                            "namespace you are syncing (self.pods.list(namespace)).")
    if counts != {"shop": "3", "blog": "1"}:
        raise ExerciseWrong(f"after 3 pods in 'shop' and 1 in 'blog' the ConfigMaps say {counts} "
                            f"(data.pods, a string); errors so far: {errors[-2:] or 'none'}")
    cluster.client.delete("pods", "a", "shop", grace_period_seconds=0)
    cluster.client.create("pods", _pod("d"), "shop")
    cluster.client.create("pods", _pod("e"), "shop")
    cluster.client.delete("pods", "x", "blog", grace_period_seconds=0)
    cluster.settle()
    counts = _counts(cluster, ["shop", "blog"])
    if counts["shop"] == "5":
        raise ExerciseWrong("a deleted pod is still counted: recount from the cache on every sync rather "
                            "than adding one per event.")
    if any("409" in error or "AlreadyExists" in error for _, error in controller.errors):
        raise ExerciseWrong("creating the ConfigMap a second time fails with 409 AlreadyExists: get it first "
                            "and update it when it exists.")
    if counts != {"shop": "4", "blog": "0"}:
        raise ExerciseWrong(f"after deletes and creates the ConfigMaps say {counts}; they should say "
                            "{'shop': '4', 'blog': '0'} (an empty namespace counts 0).")
    return "✓ ex 6.1: PodCountController keeps every namespace's pod-count ConfigMap true, through creates and deletes."


def measured_eviction_delay(seed: int = 0) -> float:
    """Run the story: seconds from a kubelet's stop to its pod's eviction (deletionTimestamp - 30 s grace)."""
    from ..cluster import Cluster
    from ..objects.timefmt import parse
    cluster = Cluster(nodes=2, seed=seed)
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "victim"},
                   "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "nginx:1.27"}]}})
    cluster.settle()
    stopped = cluster.clock.now()
    cluster.fault.stop("kubelet/node-1")
    for _ in range(120):
        cluster.run(5)
        pod = cluster.client.get("pods", "victim")
        if pod["metadata"].get("deletionTimestamp"):
            return parse(pod["metadata"]["deletionTimestamp"]) - 30 - stopped
    raise RuntimeError("the pod was never evicted")


def check_eviction_prediction(predict) -> str:
    """`predict()` returns the learner's estimate, in seconds."""
    try:
        predicted_seconds = predict()
    except NotImplementedError as gap:
        raise ExerciseNotDone(f"ex 7.1 is not solved yet ({gap}): return your estimate, in seconds, from "
                              "upstream's defaults.") from None
    if not isinstance(predicted_seconds, (int, float)):
        raise ExerciseWrong(f"predicted_seconds should be a number of seconds, not {predicted_seconds!r}")
    actual = measured_eviction_delay()
    if abs(predicted_seconds - actual) <= 10:
        return (f"✓ ex 7.1: you predicted {predicted_seconds:g} s; the pod was evicted {actual:.0f} s after the "
                f"kubelet stopped (grace 50 s + the next monitor pass + 300 s of toleration).")
    if abs(predicted_seconds - 300) <= 5:
        raise ExerciseWrong("300 s is the toleration alone: it starts counting only when the node is tainted, "
                            "and that happens after node-monitor-grace-period.")
    if abs(predicted_seconds - 340) <= 5:
        raise ExerciseWrong("40 s was the grace period before v1.32; v1.32 waits 50 s.")
    if predicted_seconds < 120:
        raise ExerciseWrong("that is when the node turns NotReady and leaves the endpoints; its pods are not "
                            "evicted yet: they tolerate the unreachable taint for a while (how long?).")
    raise ExerciseWrong(f"{predicted_seconds:g} s is too far off: add the grace period (50 s), the wait for the "
                        "next monitor pass (up to 5 s) and the default tolerationSeconds.")
