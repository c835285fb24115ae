"""The walking skeleton's story: a Deployment goes from apply to pods answering through a Service."""
from pathlib import Path

import kubernetes_validate
import pytest

from kubelab import Cluster
from kubelab.apiserver import RESOURCES

EXAMPLES = Path(__file__).resolve().parents[2] / "kubelab" / "examples"
DEPLOYMENT = (EXAMPLES / "nginx-deployment.yaml").read_text()
SERVICE = (EXAMPLES / "nginx-service.yaml").read_text()


def running(cluster, selector="app=nginx"):
    return [p for p in cluster.list("pods", "default", selector)
            if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]


@pytest.fixture(scope="module")
def deployed():
    cluster = Cluster(nodes=3, seed=0)
    cluster.apply(DEPLOYMENT)
    cluster.apply(SERVICE)
    cluster.settle()
    return cluster


def test_three_nodes_register_and_are_ready():
    cluster = Cluster(nodes=3, seed=0)
    nodes = cluster.list("nodes")
    assert [n["metadata"]["name"] for n in nodes] == ["node-1", "node-2", "node-3"]
    for node in nodes:
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
        assert ready and ready[0]["status"] == "True"


def test_a_deployment_of_three_runs_three_pods_spread_over_the_nodes_each_with_an_ip(deployed):
    pods = running(deployed)
    assert len(pods) == 3
    assert len({p["spec"]["nodeName"] for p in pods}) == 3
    assert all(p["status"].get("podIP") for p in pods)
    assert all(any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"]["conditions"])
               for p in pods)


def test_the_endpoints_list_exactly_the_ready_pod_ips(deployed):
    endpoints = deployed.get("endpoints", "nginx", "default")
    addresses = sorted(a["ip"] for s in endpoints["subsets"] for a in s.get("addresses", []))
    assert addresses == sorted(p["status"]["podIP"] for p in running(deployed))


def test_a_hundred_requests_to_the_service_reach_all_three_pods(deployed):
    answered = deployed.requests("nginx", count=100)
    assert sorted(answered) == sorted(p["metadata"]["name"] for p in running(deployed))
    assert sum(answered.values()) == 100


def test_scaling_to_five_runs_five_and_a_deleted_pod_is_replaced():
    cluster = Cluster(nodes=3, seed=0)
    cluster.apply(DEPLOYMENT)
    cluster.settle()
    cluster.kubectl("scale deployment/nginx-deployment --replicas=5")
    cluster.settle()
    assert len(running(cluster)) == 5
    victim = running(cluster)[0]["metadata"]["name"]
    cluster.kubectl(f"delete pod {victim}")
    cluster.settle()
    names = [p["metadata"]["name"] for p in running(cluster)]
    assert len(names) == 5 and victim not in names
    assert cluster.list("pods", "default", "app=nginx") == running(cluster)  # the old one is gone


def test_a_pod_bigger_than_any_node_stays_pending_with_upstreams_message():
    cluster = Cluster(nodes=3, seed=0)
    cluster.apply((EXAMPLES / "too-big-pod.yaml").read_text())
    cluster.settle()
    pod = cluster.get("pods", "too-big", "default")
    assert pod["status"]["phase"] == "Pending" and not pod["spec"].get("nodeName")
    events = [e for e in cluster.list("events", "default")
              if e["involvedObject"]["name"] == "too-big" and e["reason"] == "FailedScheduling"]
    assert events and events[0]["message"].startswith("0/3 nodes are available: 3 Insufficient cpu.")
    assert events[0]["type"] == "Warning"


def test_two_clusters_with_the_same_seed_print_the_same_pods():
    outputs = []
    for _ in range(2):
        cluster = Cluster(nodes=3, seed=7)
        cluster.apply(DEPLOYMENT)
        cluster.settle()
        outputs.append(cluster.kubectl("get pods -o wide"))
    assert outputs[0] == outputs[1]
    assert outputs[0].count("Running") == 3


def test_every_object_the_api_returns_validates_against_upstream_schemas(deployed):
    checked = 0
    for resource in RESOURCES:
        for item in deployed.list(resource):
            kubernetes_validate.validate(item, "1.32", strict=True)
            checked += 1
    assert checked > 20


def test_the_trace_tells_who_did_what_in_order(deployed):
    actors = deployed.trace.actors()  # authenticated users; kubectl speaks as kubernetes-admin
    assert actors.index("kubernetes-admin") < actors.index("deployment-controller") \
        < actors.index("replicaset-controller") < actors.index("kube-scheduler")
    assert any(a.startswith("kubelet/") for a in actors)
    assert "endpoint-controller" in actors
