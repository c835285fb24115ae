"""Stories of node IPAM: every Node gets its own pod CIDR from the cluster CIDR, and every node
a valid, unique address, however many nodes the cluster has."""
import ipaddress

import pytest

from kubelab import Cluster
from kubelab.controllers import ControllerManager
from kubelab.controllers.cidr_set import CIDRRangeNoCIDRsRemaining, CIDRSet
from kubelab.controllers.config import ControllerManagerConfig


def node(name, pod_cidr=None):
    spec = {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr]} if pod_cidr else {}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "spec": spec}


def test_the_cidr_set_hands_out_each_subnet_once_and_not_a_released_one_at_once():
    cidrs = CIDRSet("10.244.0.0/30", 32)
    assert [cidrs.allocate_next() for _ in range(3)] == ["10.244.0.0/32", "10.244.0.1/32", "10.244.0.2/32"]
    cidrs.release("10.244.0.1/32")
    assert cidrs.allocate_next() == "10.244.0.3/32"   # round robin: the released one waits its turn
    assert cidrs.allocate_next() == "10.244.0.1/32"
    with pytest.raises(CIDRRangeNoCIDRsRemaining, match="no remaining CIDRs left to allocate"):
        cidrs.allocate_next()
    assert not cidrs.occupy("192.168.0.0/32") and not cidrs.occupy("10.244.0.0/31")


def test_the_node_ipam_controller_gives_each_new_node_a_pod_cidr_and_keeps_ones_already_set(client, clock):
    manager = ControllerManager(client, clock, ["*"], config=ControllerManagerConfig(
        allocate_node_cidrs=True, cluster_cidr="10.244.0.0/16"))
    manager.start()
    client.create("nodes", node("node-a", "10.244.5.0/24"))   # a kubelet started with --pod-cidr
    clock.run(1)
    for name in ("node-b", "node-c"):
        client.create("nodes", node(name))
    clock.run(1)
    cidrs = {n["metadata"]["name"]: n["spec"]["podCIDR"] for n in client.list("nodes")["items"]}
    assert cidrs == {"node-a": "10.244.5.0/24", "node-b": "10.244.1.0/24", "node-c": "10.244.2.0/24"}
    assert client.get("nodes", "node-b")["spec"]["podCIDRs"] == ["10.244.1.0/24"]
    assert manager.errors() == []


def test_a_full_cluster_cidr_is_a_cidr_not_available_event_not_a_crash(client, clock):
    manager = ControllerManager(client, clock, ["nodeipam"], config=ControllerManagerConfig(
        allocate_node_cidrs=True, cluster_cidr="10.244.0.0/23"))   # room for node 0 and node 1 only
    manager.start()
    client.create("nodes", node("node-1"))
    client.create("nodes", node("node-2"))
    clock.run(1)
    assert "podCIDR" not in client.get("nodes", "node-2")["spec"]
    events = [e for e in client.list("events")["items"] if e["reason"] == "CIDRNotAvailable"]
    assert events and events[0]["message"] == "Node node-2 status is now: CIDRNotAvailable"
    client.delete("nodes", "node-1")   # its range comes free: node-2 gets it on the retry
    clock.run(10)
    assert client.get("nodes", "node-2")["spec"]["podCIDR"] == "10.244.1.0/24"


def test_a_small_cluster_keeps_the_addresses_the_lessons_print():
    cluster = Cluster(nodes=3, seed=0)
    nodes = cluster.list("nodes")
    assert [n["spec"]["podCIDR"] for n in nodes] == ["10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24"]
    assert [n["status"]["addresses"][0]["address"] for n in nodes] == ["10.0.0.11", "10.0.0.12", "10.0.0.13"]


def test_a_five_thousand_node_cluster_starts_with_valid_unique_node_and_pod_addresses():
    cluster = Cluster(nodes=5000, seed=0)
    nodes = cluster.list("nodes")
    assert len(nodes) == 5000
    node_ips = [ipaddress.ip_address(n["status"]["addresses"][0]["address"]) for n in nodes]
    pod_cidrs = [ipaddress.ip_network(n["spec"]["podCIDR"]) for n in nodes]
    assert len(set(node_ips)) == len(set(pod_cidrs)) == 5000
    cluster_cidr = ipaddress.ip_network(cluster.cluster_cidr)
    assert all(cidr.subnet_of(cluster_cidr) and cidr.prefixlen == 24 for cidr in pod_cidrs)
    assert not any(ip in cluster_cidr for ip in node_ips)   # node and pod addresses never collide
    assert cluster.controller_manager.errors() == []
    # the last node runs a pod with an address from its own range
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "last"},
                   "spec": {"nodeName": "node-5000", "containers": [{"name": "c", "image": "nginx:1.27"}]}})
    cluster.settle()
    last = cluster.get("nodes", "node-5000")
    assert ipaddress.ip_address(cluster.get("pods", "last")["status"]["podIP"]) in \
        ipaddress.ip_network(last["spec"]["podCIDR"])


def test_kubelab_up_plans_node_ipam_for_any_node_count(tmp_path):
    from kubelab.processes.up import Plan, component_argvs
    plan = Plan(tmp_path, 6443, 5000, "memory", [0])
    commands = dict(component_argvs(plan))
    assert commands["controller-manager"][-5:-2] == ["--allocate-node-cidrs", "--cluster-cidr", "10.128.0.0/9"]
    kubelets = [argv for name, argv in commands.items() if name.startswith("kubelet/")]
    assert len(kubelets) == 5000 and not any("--pod-cidr" in argv for argv in kubelets)
    node_ips = {ipaddress.ip_address(argv[argv.index("--node-ip") + 1]) for argv in kubelets}
    assert len(node_ips) == 5000 and all(ip in ipaddress.ip_network("10.0.0.0/16") for ip in node_ips)
