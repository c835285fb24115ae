"""Priority and preemption: PriorityClasses, the Priority admission plugin, and real victims."""
import pytest

from kubelab import Cluster
from kubelab.client import ApiError
from kubelab.scheduler.plugins.default_preemption import pick_one_node_for_preemption


def priority_class(name, value, **extra):
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
            "value": value, **extra}


def pod(name, cpu, priority_class_name=None, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {**({"priorityClassName": priority_class_name} if priority_class_name else {}),
                     "containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": cpu}}}],
                     **spec}}


@pytest.fixture
def cluster():
    cluster = Cluster(nodes=2, node_cpu="2")
    cluster.client.create("priorityclasses", priority_class("high", 1000))
    cluster.client.create("priorityclasses", priority_class("low", 10))
    cluster.client.create("priorityclasses", priority_class("lowest", 1))
    return cluster


def test_every_cluster_has_the_two_system_priority_classes():
    cluster = Cluster(nodes=1)
    table = cluster.kubectl("get priorityclasses")
    assert table.splitlines()[0].split() == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]
    assert "system-node-critical      2000001000   false" in table


def test_priority_admission_fills_spec_priority_and_refuses_unknown_classes(cluster):
    cluster.client.create("pods", pod("web", "100m", "high"))
    assert cluster.get("pods", "web", "default")["spec"]["priority"] == 1000
    with pytest.raises(ApiError) as refused:
        cluster.client.create("pods", pod("lost", "100m", "nope"))
    assert refused.value.code == 403 and refused.value.message == \
        'pods "lost" is forbidden: no PriorityClass with name nope was found'
    with pytest.raises(ApiError) as claimed:
        cluster.client.create("pods", pod("sneaky", "100m", "high", priority=5))
    assert "must not be provided in pod spec; priority admission controller computed 1000" in claimed.value.message


def test_priority_classes_are_validated_as_upstream(cluster):
    for body, message in [(priority_class("too-high", 2_000_000_000), "maximum allowed value of a user defined "
                                                                      "priority is 1000000000"),
                          (priority_class("system-mine", 5), "priority class names with 'system-' prefix are "
                                                             "reserved")]:
        with pytest.raises(ApiError) as refused:
            cluster.client.create("priorityclasses", body)
        assert refused.value.code == 422 and message in refused.value.message
    cluster.client.create("priorityclasses", priority_class("default", 100, globalDefault=True))
    with pytest.raises(ApiError) as second:
        cluster.client.create("priorityclasses", priority_class("default-2", 200, globalDefault=True))
    assert "PriorityClass default is already marked as default. Only one default can exist" in second.value.message
    cluster.client.create("pods", pod("plain", "100m"))
    assert cluster.get("pods", "plain", "default")["spec"]["priority"] == 100
    stored = cluster.get("priorityclasses", "high")
    stored["value"] = 5
    with pytest.raises(ApiError) as immutable:
        cluster.client.update("priorityclasses", stored)
    assert "value: Invalid value: 5: field is immutable" in immutable.value.message


def test_a_high_priority_pod_evicts_the_lowest_priority_victim_and_binds_after_it_is_gone(cluster):
    cluster.apply([pod("batch-0", "1500m", "low"), pod("batch-1", "1500m", "lowest")])
    cluster.settle()
    doomed_node = cluster.get("pods", "batch-1", "default")["spec"]["nodeName"]
    cluster.apply(pod("urgent", "1", "high"))
    while not cluster.get("pods", "urgent", "default")["status"].get("nominatedNodeName"):
        cluster.clock.step()
    urgent = cluster.get("pods", "urgent", "default")
    assert urgent["status"].get("nominatedNodeName") == doomed_node
    victim = cluster.get("pods", "batch-1", "default")
    assert victim["metadata"].get("deletionTimestamp")  # graceful: it is terminating
    assert any(c["type"] == "DisruptionTarget" and c["reason"] == "PreemptionByScheduler"
               for c in victim["status"]["conditions"])
    cluster.run(60)
    assert [p["metadata"]["name"] for p in cluster.list("pods", "default")] == ["batch-0", "urgent"]
    assert cluster.get("pods", "urgent", "default")["spec"]["nodeName"] == doomed_node
    preempted, = [e for e in cluster.list("events", "default") if e["reason"] == "Preempted"]
    assert preempted["message"] == f"Preempted by pod {urgent['metadata']['uid']} on node {doomed_node}"


def test_a_pod_that_may_not_preempt_waits_and_evicts_nobody(cluster):
    cluster.apply([pod("batch-0", "1500m", "low"), pod("batch-1", "1500m", "low")])
    cluster.settle()
    cluster.client.create("priorityclasses", priority_class("polite", 1000, preemptionPolicy="Never"))
    cluster.apply(pod("urgent", "1", "polite"))
    cluster.run(30)
    assert len(cluster.list("pods", "default")) == 3
    condition = next(c for c in cluster.get("pods", "urgent", "default")["status"]["conditions"]
                     if c["type"] == "PodScheduled")
    assert condition["message"] == ("0/2 nodes are available: 2 Insufficient cpu. "
                                    "preemption: not eligible due to preemptionPolicy=Never.")


def test_equal_priority_pods_are_not_victims(cluster):
    cluster.apply([pod("batch-0", "1500m", "high"), pod("batch-1", "1500m", "high")])
    cluster.settle()
    cluster.apply(pod("urgent", "1", "high"))
    cluster.run(30)
    condition = next(c for c in cluster.get("pods", "urgent", "default")["status"]["conditions"]
                     if c["type"] == "PodScheduled")
    assert condition["message"].endswith("preemption: 0/2 nodes are available: "
                                         "2 No preemption victims found for incoming pod.")


def _victim(name, priority, started="2025-01-01T00:00:00Z"):
    return {"metadata": {"name": name}, "spec": {"priority": priority}, "status": {"startTime": started}}


def test_the_node_chosen_for_preemption_follows_upstreams_order_of_criteria():
    # lowest "most important victim" wins over fewer victims
    assert pick_one_node_for_preemption([("a", [_victim("x", 5)]),
                                         ("b", [_victim("y", 1), _victim("z", 1)])])[0] == "b"
    # same highest priority: the smaller sum of priorities
    assert pick_one_node_for_preemption([("a", [_victim("x", 5), _victim("w", 4)]),
                                         ("b", [_victim("y", 5), _victim("z", 1)])])[0] == "b"
    # all equal: fewer victims, then the most recently started
    assert pick_one_node_for_preemption([("a", [_victim("x", 5, "2025-01-01T00:00:00Z")]),
                                         ("b", [_victim("y", 5, "2025-01-02T00:00:00Z")])])[0] == "b"


def test_room_made_by_preemption_is_kept_for_the_preemptor(cluster):
    cluster.apply([pod("batch-0", "1500m", "low"), pod("batch-1", "1500m", "lowest")])
    cluster.settle()
    cluster.apply(pod("urgent", "1", "high"))
    while not cluster.get("pods", "urgent", "default")["status"].get("nominatedNodeName"):
        cluster.clock.step()
    nominated = cluster.get("pods", "urgent", "default")["status"]["nominatedNodeName"]
    cluster.apply(pod("sneaky", "1500m", "low"))  # arrives while the victim is still terminating
    cluster.run(60)
    assert cluster.get("pods", "urgent", "default")["spec"]["nodeName"] == nominated
    assert cluster.get("pods", "sneaky", "default")["spec"].get("nodeName") in (None, "")


def test_filters_count_nominated_pods_of_equal_or_higher_priority_only():
    import random as _random
    from kubelab.scheduler.plugins.registry import new_framework
    from kubelab.scheduler.schedule_one import schedule_pod
    from tests.scheduler.plugin_world import node, world
    handle, cache = world([node("node-1", cpu="2")])
    framework = new_framework(handle=handle)
    waiting = {"metadata": {"name": "urgent", "namespace": "default"},
               "spec": {"priority": 1000, "containers": [{"name": "c", "resources": {"requests": {"cpu": "1500m"}}}]},
               "status": {"nominatedNodeName": "node-1"}}
    def incoming(priority):
        return {"metadata": {"name": f"p{priority}", "namespace": "default"},
                "spec": {"priority": priority, "containers": [{"name": "c", "resources": {"requests": {"cpu": "1"}}}]}}
    nodes = cache.snapshot().node_info_list
    low = schedule_pod(framework, incoming(0), nodes, _random.Random(0), 0, 0, {"node-1": [waiting]})
    assert low.node_name is None and "Insufficient cpu" in low.message
    high = schedule_pod(framework, incoming(2000), nodes, _random.Random(0), 0, 0, {"node-1": [waiting]})
    assert high.node_name == "node-1"


def test_preemption_prefers_victims_whose_eviction_keeps_their_disruption_budget(cluster):
    guarded = pod("db-0", "1500m", "lowest", nodeName="node-1")
    guarded["metadata"]["labels"] = {"app": "db"}
    cluster.apply([guarded, pod("batch-0", "1500m", "low", nodeName="node-2"),
                   {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "db"},
                    "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "db"}}}}])
    cluster.settle()
    assert cluster.get("poddisruptionbudgets", "db", "default")["status"]["disruptionsAllowed"] == 0
    cluster.apply(pod("urgent", "1", "high"))
    while not cluster.get("pods", "urgent", "default")["status"].get("nominatedNodeName"):
        cluster.clock.step()
    # Without the budget node-1 (the lower-priority victim) would be chosen; with it, node-2.
    assert cluster.get("pods", "urgent", "default")["status"]["nominatedNodeName"] == "node-2"
    assert cluster.get("pods", "batch-0", "default")["metadata"].get("deletionTimestamp")
    assert not cluster.get("pods", "db-0", "default")["metadata"].get("deletionTimestamp")


def test_a_budget_is_respected_not_obeyed_when_only_its_pods_make_room(cluster):
    guarded = pod("db-0", "1500m", "low", nodeName="node-1")
    guarded["metadata"]["labels"] = {"app": "db"}
    cluster.apply([guarded, pod("big", "1500m", "high", nodeName="node-2"),
                   {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "db"},
                    "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "db"}}}}])
    cluster.settle()
    cluster.apply(pod("urgent", "1", "high"))
    while not cluster.get("pods", "urgent", "default")["status"].get("nominatedNodeName"):
        cluster.clock.step()
    assert cluster.get("pods", "urgent", "default")["status"]["nominatedNodeName"] == "node-1"
    assert cluster.get("pods", "db-0", "default")["metadata"].get("deletionTimestamp")


def test_pods_over_the_budget_are_the_violating_ones_in_order():
    from kubelab.scheduler.plugins.default_preemption import filter_pods_with_pdb_violation
    budget = {"metadata": {"name": "db", "namespace": "default"},
              "spec": {"selector": {"matchLabels": {"app": "db"}}},
              "status": {"disruptionsAllowed": 1, "disruptedPods": {"db-9": "2025-01-01T00:00:00Z"}}}
    pods = [{"metadata": {"name": name, "namespace": "default", "labels": {"app": app}}}
            for name, app in (("db-0", "db"), ("db-9", "db"), ("web", "web"), ("db-1", "db"))]
    violating, non_violating = filter_pods_with_pdb_violation(pods, [budget])
    assert [p["metadata"]["name"] for p in violating] == ["db-1"]
    assert [p["metadata"]["name"] for p in non_violating] == ["db-0", "db-9", "web"]
