"""A kubelet joins the cluster: it registers its Node, Ready, and keeps reporting every 10 s."""
import random

import kubernetes_validate

from kubelab.kubelet import Kubelet
from kubelab.objects import conditions, timefmt


def test_a_starting_kubelet_registers_a_ready_node_that_validates_against_upstream(client, kubelet):
    node = client.get("nodes", "node-1")
    kubernetes_validate.validate(node, "1.32", strict=True)
    assert node["metadata"]["labels"] == {
        "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": "node-1", "kubernetes.io/os": "linux"}
    assert node["spec"]["podCIDR"] == "10.244.1.0/24" and node["spec"]["podCIDRs"] == ["10.244.1.0/24"]
    status = node["status"]
    assert status["capacity"] == {"cpu": "2", "memory": "4Gi", "pods": "110"} == status["allocatable"]
    assert status["addresses"] == [{"type": "InternalIP", "address": "10.0.0.11"},
                                   {"type": "Hostname", "address": "node-1"}]
    assert status["nodeInfo"]["kubeletVersion"] == "v1.32.0"
    assert status["nodeInfo"]["containerRuntimeVersion"] == "containerd://1.7.24"
    assert [(c["type"], c["status"], c["reason"]) for c in status["conditions"]] == [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID"),
        ("Ready", "True", "KubeletReady")]
    assert conditions.get(node, "Ready")["message"] == "kubelet is posting ready status"
    assert status["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 10250}}


def test_the_node_events_say_the_kubelet_started_and_the_node_became_ready(client, kubelet):
    events = [e for e in client.list("events")["items"] if e["involvedObject"]["kind"] == "Node"]
    assert [e["reason"] for e in sorted(events, key=lambda e: e["metadata"]["name"])] == [
        "Starting", "NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID", "NodeReady"]
    assert all(e["source"] == {"component": "kubelet", "host": "node-1"} for e in events)


def test_the_kubelet_renews_the_node_status_every_ten_seconds(client, clock, kubelet):
    registered = clock.now()
    heartbeats = []
    for _ in range(3):
        clock.run(10)
        ready = conditions.get(client.get("nodes", "node-1"), "Ready")
        heartbeats.append(timefmt.parse(ready["lastHeartbeatTime"]) - registered)
    assert heartbeats == [10, 20, 30]
    assert timefmt.parse(ready["lastTransitionTime"]) == registered  # Ready all along: no transition


def test_a_restarted_kubelet_takes_over_its_existing_node(client, clock, kubelet):
    first_transition = conditions.get(client.get("nodes", "node-1"), "Ready")["lastTransitionTime"]
    kubelet.stop()
    clock.run(60)
    again = Kubelet(client.for_component("kubelet/node-1"), clock, "node-1", rng=random.Random(2),
                    runtime=kubelet.runtime)
    again.start()
    clock.settle()
    node = client.get("nodes", "node-1")
    assert conditions.get(node, "Ready")["lastTransitionTime"] == first_transition
    assert timefmt.parse(conditions.get(node, "Ready")["lastHeartbeatTime"]) == clock.now()
    assert again.errors == []
