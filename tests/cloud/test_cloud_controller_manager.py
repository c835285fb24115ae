"""Stories of the cloud controller manager against the fake cloud, on virtual time."""
import pytest

from kubelab import Cluster

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"type": "LoadBalancer", "selector": {"app": "nginx"}, "ports": [{"port": 80}]}}


@pytest.fixture
def cluster():
    cluster = Cluster(nodes=3, seed=0, cloud=True)
    cluster.apply(open("kubelab/examples/nginx-deployment.yaml").read())
    cluster.settle()
    return cluster


def events(cluster, reason):
    return [e["message"] for e in cluster.list("events") if e["reason"] == reason]


def test_the_cloud_initializes_each_node_and_only_then_it_is_schedulable(cluster):
    node = cluster.get("nodes", "node-2")
    labels = node["metadata"]["labels"]
    assert (labels["topology.kubernetes.io/zone"], labels["topology.kubernetes.io/region"],
            labels["node.kubernetes.io/instance-type"]) == ("kubelab-region-1b", "kubelab-region-1", "k1.standard-2")
    assert node["spec"]["providerID"] == "kubelab://kubelab-region-1b/node-2"
    assert "taints" not in node["spec"]
    assert node["status"]["addresses"] == [{"type": "InternalIP", "address": "10.0.0.12"},
                                           {"type": "ExternalIP", "address": "203.0.113.11"},
                                           {"type": "Hostname", "address": "node-2"}]
    cluster.run(60)   # the kubelet's heartbeats keep the cloud's addresses
    assert cluster.get("nodes", "node-2")["status"]["addresses"][1]["type"] == "ExternalIP"
    assert "203.0.113.11" in cluster.kubectl("get nodes -o wide")
    assert cluster.cloud_controller_manager.errors() == []


def test_a_load_balancer_service_gets_its_ip_after_provisioning_and_loses_it_on_delete(cluster):
    cluster.apply(SERVICE)
    cluster.run(10)
    assert "<pending>" in cluster.kubectl("get svc web")
    assert cluster.get("services", "web")["metadata"]["finalizers"] == ["service.kubernetes.io/load-balancer-cleanup"]
    cluster.run(15)   # the fake cloud takes 20 s
    assert cluster.get("services", "web")["status"]["loadBalancer"]["ingress"][0]["ip"] == "198.51.100.2"
    assert "198.51.100.2" in cluster.kubectl("get svc web")
    assert events(cluster, "EnsuringLoadBalancer") == ["Ensuring load balancer"]
    assert events(cluster, "EnsuredLoadBalancer") == ["Ensured load balancer"]
    cluster.kubectl("delete svc web")
    cluster.settle()
    assert "web" not in cluster.kubectl("get svc") and cluster.cloud.load_balancers == {}
    assert events(cluster, "DeletedLoadBalancer") == ["Deleted load balancer"]


def test_a_quota_exceeded_is_a_warning_event_and_the_service_stays_pending(cluster):
    cluster.cloud.lb_quota = 0
    cluster.apply(SERVICE)
    cluster.run(30)
    assert "<pending>" in cluster.kubectl("get svc web")
    assert events(cluster, "SyncLoadBalancerFailed")[0] == (
        "Error syncing load balancer: failed to ensure load balancer: QuotaExceeded: the quota of 0 load "
        "balancers in region kubelab-region-1 is used up")
    cluster.cloud.lb_quota = 5   # raised: the retry (with backoff) succeeds
    cluster.run(120)
    assert "198.51.100" in cluster.kubectl("get svc web")


def test_a_node_whose_machine_is_gone_is_deleted_and_its_pods_move(cluster):
    cluster.cloud.terminate("node-2")
    cluster.fault.stop("kubelet/node-2")
    cluster.run(60 + 5)
    assert "node-2" not in cluster.kubectl("get nodes")
    assert events(cluster, "DeletingNode") == ["Deleting node node-2 because it does not exist in the cloud provider"]
    cluster.run(60)   # the pod GC's quarantine
    cluster.settle()
    pods = cluster.list("pods")
    assert len(pods) == 3 and all(p["spec"]["nodeName"] != "node-2" and p["status"]["phase"] == "Running" for p in pods)
