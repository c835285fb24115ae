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


def test_an_unchanged_node_status_is_sent_every_five_minutes_while_the_lease_beats_every_ten_seconds(
        client, clock, kubelet):
    registered = clock.now()
    heartbeats, renewals = [], []
    for _ in range(31):
        clock.run(10)
        ready = conditions.get(client.get("nodes", "node-1"), "Ready")
        heartbeats.append(timefmt.parse(ready["lastHeartbeatTime"]) - registered)
        lease = client.get("leases", "node-1", "kube-node-lease")
        renewals.append(timefmt.parse(lease["spec"]["renewTime"]) - registered)
    assert sorted(set(heartbeats)) == [0, 300]   # nodeStatusReportFrequency: nothing changed in between
    assert len(set(renewals)) == 31               # the Lease carries the heartbeat, every 10 s
    assert timefmt.parse(ready["lastTransitionTime"]) == registered  # Ready all along: no transition


def test_a_changed_node_status_is_sent_at_the_next_ten_second_tick(client, clock, kubelet):
    registered = clock.now()
    clock.run(10)
    node = client.get("nodes", "node-1")
    node["status"]["conditions"] = [c if c["type"] != "Ready" else {**c, "status": "Unknown"}
                                    for c in node["status"]["conditions"]]   # as the node lifecycle controller
    client.update_status("nodes", node)
    clock.run(10)
    ready = conditions.get(client.get("nodes", "node-1"), "Ready")
    assert ready["status"] == "True" and timefmt.parse(ready["lastHeartbeatTime"]) - registered == 20


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


def test_each_status_tick_reads_the_node_from_the_kubelets_lister_not_with_a_get(client, clock, kubelet,
                                                                                   monkeypatch):
    gets = []
    read = kubelet.client.get
    monkeypatch.setattr(kubelet.client, "get", lambda resource, *args, **kw: gets.append(resource) or
                        read(resource, *args, **kw))
    clock.run(60)   # six status ticks, six Lease renewals
    assert "nodes" not in gets   # upstream's tryUpdateNodeStatus: kl.nodeLister.Get on the first try
    assert kubelet.node_lister.get("node-1")["metadata"]["resourceVersion"] == \
        client.get("nodes", "node-1")["metadata"]["resourceVersion"]


def test_a_status_update_from_a_stale_lister_conflicts_and_is_retried_from_a_get(client, clock, kubelet,
                                                                                  monkeypatch):
    clock.run(10)
    gets = []
    read = kubelet.client.get
    monkeypatch.setattr(kubelet.client, "get", lambda resource, *args, **kw: gets.append(resource) or
                        read(resource, *args, **kw))
    client.patch("nodes", "node-1", {"metadata": {"labels": {"zone": "a"}}})   # the lister has not heard it yet
    kubelet.machine.capacity["pods"] = "100"   # a status that must be sent now
    kubelet.update_node_status()               # 409 on the lister's resourceVersion, then GET and write
    node = client.get("nodes", "node-1")
    assert node["status"]["capacity"]["pods"] == "100" and node["metadata"]["labels"]["zone"] == "a"
    assert gets == ["nodes"]   # the retry's read, from the API server (upstream: tryNumber > 0)
    assert kubelet.errors == []


def test_idle_ticks_skip_recomputing_the_status_but_a_changed_machine_is_still_sent_at_the_next_tick(
        client, clock, kubelet, monkeypatch):
    from kubelab.kubelet import kubelet as kubelet_module
    computed = []
    compute = kubelet_module.node_status
    monkeypatch.setattr(kubelet_module, "node_status", lambda *args: computed.append(1) or compute(*args))
    clock.run(60)
    assert len(computed) == 1   # the first idle tick computed it; the next five had the same inputs
    kubelet.machine.capacity["pods"] = "100"
    clock.run(10)
    assert client.get("nodes", "node-1")["status"]["capacity"]["pods"] == "100"
