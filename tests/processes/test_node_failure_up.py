"""The node-failure story against `kubelab up`, on the wall clock: a partitioned node turns
NotReady after node-monitor-grace-period (50 s) plus at most one monitor pass and one
heartbeat, its pods leave the endpoints, it is tainted unreachable:NoExecute, and a pod that
tolerates that for 5 s is evicted 5 s later and replaced on the other node. (The default 300 s
toleration is the same code with a longer number: the in-process story checks it.)"""
import time

from kubelab.objects import conditions
from kubelab.objects.timefmt import parse

from .running_up import RunningUp


def deployment():
    pod = {"metadata": {"labels": {"app": "web"}},
           "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}],
                    "tolerations": [{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                     "effect": "NoExecute", "tolerationSeconds": 5}],
                    "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                        {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname"}]}}}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": pod}}


def test_a_partitioned_node_is_noticed_tainted_and_its_pod_moves(tmp_path):
    up = RunningUp(tmp_path, "--nodes", "2")
    try:
        client = up.client
        client.create("deployments", deployment(), "default")
        client.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                                   "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}, "default")
        pod = up.eventually(lambda: next((p for p in client.list("pods", "default")["items"]
                                          if p["status"].get("phase") == "Running"), None), 60, "the pod running")
        node = pod["spec"]["nodeName"]
        up.eventually(lambda: client.get("endpoints", "web", "default").get("subsets"), 30, "the endpoints")
        assert "partitioned" in up.fault("partition", node).stdout
        cut = time.time()
        last_renew = parse(client.get("leases", node, "kube-node-lease")["spec"]["renewTime"])

        ready = up.eventually(lambda: (lambda c: c if c["status"] == "Unknown" else None)(
            conditions.get(client.get("nodes", node), "Ready")), 90, "Ready=Unknown")
        assert ready["reason"] == "NodeStatusUnknown"
        unknown_after = parse(ready["lastTransitionTime"]) - last_renew
        assert 50 <= unknown_after <= 50 + 5 + 10 + 1, unknown_after
        subsets = client.get("endpoints", "web", "default").get("subsets") or [{}]
        assert not subsets[0].get("addresses")   # the pod left the Service at once
        taint = up.eventually(lambda: next((t for t in client.get("nodes", node)["spec"].get("taints", [])
                                            if t["key"] == "node.kubernetes.io/unreachable"
                                            and t["effect"] == "NoExecute"), None), 15, "the NoExecute taint")
        moved = up.eventually(lambda: next((p for p in client.list("pods", "default")["items"]
                                            if p["spec"].get("nodeName") not in (None, node)
                                            and p["status"].get("phase") == "Running"), None), 60,
                              "the replacement running on the other node")
        evicted = client.get("pods", pod["metadata"]["name"], "default")
        assert 5 <= parse(evicted["metadata"]["deletionTimestamp"]) - 30 - parse(taint["timeAdded"]) <= 7
        assert moved and time.time() - cut < 150
        assert "healed" in up.fault("heal", node).stdout
        up.eventually(lambda: conditions.get(client.get("nodes", node), "Ready")["status"] == "True", 60,
                      "the node Ready again")
    finally:
        up.stop()
