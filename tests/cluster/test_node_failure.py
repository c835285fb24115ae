"""The node-failure story on virtual time: a node goes silent, and the control plane reacts at
upstream's v1.32 default times — Ready Unknown after node-monitor-grace-period (50 s), the
unreachable taint on the next monitor pass, eviction when the 300 s default toleration runs out,
the replacement scheduled elsewhere, and the endpoints without the lost pod from the start."""
import pytest

from kubelab import Cluster
from kubelab.cluster.faults import FaultError
from kubelab.objects import conditions
from kubelab.objects.timefmt import parse

MANIFEST = open("kubelab/examples/nginx-deployment.yaml").read()
SERVICE = open("kubelab/examples/nginx-service.yaml").read()


def pods_on(cluster, node):
    return [p for p in cluster.list("pods") if p["spec"].get("nodeName") == node]


def taint(cluster, node, key, effect="NoExecute"):
    return next((t for t in cluster.get("nodes", node)["spec"].get("taints", [])
                 if t["key"] == key and t["effect"] == effect), None)


def events(cluster, reason):
    return [e for e in cluster.list("events") if e["reason"] == reason]


@pytest.fixture
def cluster():
    cluster = Cluster(nodes=3, seed=0)
    cluster.apply(MANIFEST)
    cluster.apply(SERVICE)
    cluster.settle()
    return cluster


def test_a_partitioned_node_goes_unknown_tainted_then_its_pods_move_at_upstreams_times(cluster):
    victim = pods_on(cluster, "node-1")[0]
    last_renew = parse(cluster.get("leases", "node-1", "kube-node-lease")["spec"]["renewTime"])
    cluster.fault.partition("node-1")

    # 1. Ready Unknown, node-monitor-grace-period (50 s) after the last sign of life, give or take
    #    one monitor period (5 s) and one heartbeat (10 s).
    cluster.run(70)
    ready = conditions.get(cluster.get("nodes", "node-1"), "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == \
        ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
    unknown_at = parse(ready["lastTransitionTime"])
    assert 50 <= unknown_at - last_renew <= 50 + 5 + 10
    assert "10.244.1.2" not in cluster.kubectl("get endpoints nginx")   # the pod left the Service
    assert conditions.get(cluster.get("pods", victim["metadata"]["name"]), "Ready")["status"] == "False"
    assert [e["message"] for e in events(cluster, "NodeNotReady") if e["involvedObject"]["kind"] == "Node"] == \
        ["Node node-1 status is now: NodeNotReady"]
    assert [e["message"] for e in events(cluster, "NodeNotReady") if e["involvedObject"]["kind"] == "Pod"] == \
        ["Node is not ready"]

    # 2. The taints: NoSchedule at once, NoExecute on the next monitor pass.
    assert taint(cluster, "node-1", "node.kubernetes.io/unreachable", "NoSchedule")
    no_execute = taint(cluster, "node-1", "node.kubernetes.io/unreachable")
    tainted_at = parse(no_execute["timeAdded"])
    assert 0 < tainted_at - unknown_at <= 5

    # 3. The pod tolerates unreachable for 300 s (DefaultTolerationSeconds), then it is evicted.
    cluster.run(tainted_at + 299 - cluster.clock.now())
    assert "deletionTimestamp" not in cluster.get("pods", victim["metadata"]["name"])["metadata"]
    cluster.run(2)
    evicted = cluster.get("pods", victim["metadata"]["name"])
    assert 300 <= parse(evicted["metadata"]["deletionTimestamp"]) - 30 - tainted_at <= 301   # + grace period 30
    target = conditions.get(evicted, "DisruptionTarget")
    assert (target["reason"], target["message"]) == ("DeletionByTaintManager",
                                                     "Taint manager: deleting due to NoExecute taint")
    assert [e["message"] for e in events(cluster, "TaintManagerEviction")] == \
        [f"Marking for deletion Pod default/{victim['metadata']['name']}"]

    # 4. The replacement runs elsewhere at once; the lost pod stays Terminating (nobody confirms).
    cluster.settle()
    running = [p for p in cluster.list("pods") if p["status"].get("phase") == "Running"
               and "deletionTimestamp" not in p["metadata"]]
    assert len(running) == 3 and all(p["spec"]["nodeName"] != "node-1" for p in running)
    assert "Terminating" in cluster.kubectl(f"get pod {victim['metadata']['name']}")
    assert cluster.controller_manager.errors() == []

    # 5. Healed: the kubelet finishes the eviction, reports Ready; the taints come off.
    cluster.fault.heal("node-1")
    cluster.run(30)
    assert victim["metadata"]["name"] not in cluster.kubectl("get pods")
    assert conditions.get(cluster.get("nodes", "node-1"), "Ready")["status"] == "True"
    assert cluster.get("nodes", "node-1")["spec"].get("taints") is None


def test_a_stopped_kubelet_is_noticed_the_same_way_and_a_pod_tolerating_forever_stays(cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stays"},
                   "spec": {"nodeName": "node-2", "containers": [{"name": "c", "image": "nginx:1.27"}],
                            "tolerations": [{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                             "effect": "NoExecute"}]}})
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "leaves-early"},
                   "spec": {"nodeName": "node-2", "containers": [{"name": "c", "image": "nginx:1.27"}],
                            "tolerations": [{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                             "effect": "NoExecute", "tolerationSeconds": 60}]}})
    cluster.settle()
    cluster.fault.stop("kubelet/node-2")
    cluster.run(60)
    tainted_at = parse(taint(cluster, "node-2", "node.kubernetes.io/unreachable")["timeAdded"])
    cluster.run(tainted_at + 61 - cluster.clock.now())
    assert "deletionTimestamp" in cluster.get("pods", "leaves-early")["metadata"]
    cluster.run(600)
    assert "deletionTimestamp" not in cluster.get("pods", "stays")["metadata"]


def test_pods_of_a_deleted_node_are_garbage_collected_after_the_quarantine(cluster):
    cluster.fault.stop("kubelet/node-3")
    names = [p["metadata"]["name"] for p in pods_on(cluster, "node-3")]
    cluster.kubectl("delete node node-3")
    cluster.run(39)
    assert all(cluster.list("pods") for _ in names) and pods_on(cluster, "node-3")
    cluster.run(21 + 20)   # quarantine 40 s, checked every 20 s
    assert pods_on(cluster, "node-3") == []
    cluster.settle()
    assert sum(1 for p in cluster.list("pods") if p["status"].get("phase") == "Running") == 3


def test_taints_are_rate_limited_per_zone_and_a_mostly_dead_small_zone_is_left_alone():
    cluster = Cluster(nodes=6, seed=0)
    cluster.fault.partition("node-1")
    cluster.fault.partition("node-2")
    cluster.run(120)
    times = sorted(parse(taint(cluster, n, "node.kubernetes.io/unreachable")["timeAdded"]) for n in ("node-1", "node-2"))
    assert times[1] - times[0] >= 10   # --node-eviction-rate 0.1: one node every 10 s
    for node in ("node-3", "node-4"):   # 4 of 6 down: PartialDisruption, a zone of <= 50 nodes: rate 0
        cluster.fault.partition(node)
    cluster.run(120)
    assert taint(cluster, "node-3", "node.kubernetes.io/unreachable") is None
    assert taint(cluster, "node-4", "node.kubernetes.io/unreachable") is None
    for node in ("node-5", "node-6"):   # everything down: the fault must be ours; taints come off
        cluster.fault.partition(node)
    cluster.run(120)
    assert all(taint(cluster, f"node-{i}", "node.kubernetes.io/unreachable") is None for i in range(1, 7))


def test_the_fault_vocabulary_refuses_what_it_does_not_know_in_one_line(cluster):
    with pytest.raises(FaultError, match="unknown component 'etcd'"):
        cluster.fault.stop("etcd")
    with pytest.raises(FaultError, match="unknown node 'node-9'"):
        cluster.fault.partition("node-9")
    with pytest.raises(FaultError, match="store lives inside apiserver-0"):
        cluster.fault.crash("store")


def test_a_crashed_component_comes_back_and_a_stopped_api_server_refuses_everyone(cluster):
    cluster.fault.crash("controller-manager")
    cluster.kubectl("scale deployment nginx-deployment --replicas=4")
    cluster.run(5)
    assert len(cluster.list("pods")) == 3     # nobody reconciles while it is down
    cluster.run(10)
    cluster.settle()
    assert len(cluster.list("pods")) == 4     # back after 10 s, from list + watch
    cluster.fault.stop("apiserver-0")
    assert "503" in cluster.kubectl("get pods") or "refused" in cluster.kubectl("get pods")
    cluster.fault.start("apiserver-0")
    cluster.fault.delay_watch("scheduler", 5)
    cluster.kubectl("scale deployment nginx-deployment --replicas=5")
    cluster.run(3)
    assert sum(1 for p in cluster.list("pods") if p["spec"].get("nodeName")) == 4   # heard 5 s late
    cluster.settle()
    assert sum(1 for p in cluster.list("pods") if p["spec"].get("nodeName")) == 5
    assert [verb for _, verb, _ in cluster.fault.log] == ["crash", "start", "stop", "start", "delay_watch 5s"]
