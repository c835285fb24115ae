"""Stories of the constraints at work in a live scheduler: labels, gates, hints, failures, profiles."""
import random

import pytest

from kubelab.scheduler import ConfigError, Scheduler, load_profiles
from kubelab.scheduler.framework import OK, FilterPlugin
from kubelab.scheduler.plugins import registry


def labelled(world, name, **labels):
    node = world.node(name)
    node["metadata"].setdefault("labels", {}).update(labels)
    return world.client.update("nodes", node)


def pod_with(world, name, **spec):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default",
                                                            "labels": spec.pop("labels", {})},
           "spec": {"containers": [{"name": "c", "image": "nginx"}], **spec}}
    return world.client.create("pods", pod)


def test_a_node_selector_pod_never_lands_on_a_node_without_the_label(world, clock):
    labelled(world, "node-1")
    labelled(world, "node-2", disktype="ssd")
    labelled(world, "node-3")
    world.scheduler()
    for index in range(6):
        pod_with(world, f"db-{index}", nodeSelector={"disktype": "ssd"})
    clock.settle()
    assert {world.node_of(f"db-{index}") for index in range(6)} == {"node-2"}


def test_a_pod_whose_selector_matches_no_node_waits_and_is_placed_once_a_node_is_labelled(world, clock):
    labelled(world, "node-1")
    scheduler = world.scheduler()
    pod_with(world, "db", nodeSelector={"disktype": "ssd"})
    clock.settle()
    assert world.condition("db")["message"] == (
        "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")
    node = world.client.get("nodes", "node-1")
    node["metadata"].setdefault("labels", {})["disktype"] = "ssd"
    world.client.update("nodes", node)
    clock.settle()
    assert world.node_of("db") == "node-1"
    assert [label for _, label, _ in scheduler.queue.moves] == ["NodeLabelChange"]


def test_a_taint_change_that_does_not_help_leaves_the_pod_waiting(world, clock):
    world.node("node-1", taints=[{"key": "a", "value": "1", "effect": "NoSchedule"}])
    scheduler = world.scheduler()
    world.pod("web")
    clock.settle()
    node = world.client.get("nodes", "node-1")
    node["spec"]["taints"].append({"key": "b", "value": "2", "effect": "NoSchedule"})
    world.client.update("nodes", node)
    clock.settle()
    assert scheduler.queue.moves == []  # the queueing hint: the pod still doesn't tolerate the node
    node = world.client.get("nodes", "node-1")
    node["spec"]["taints"] = []
    world.client.update("nodes", node)
    clock.settle()
    assert world.node_of("web") == "node-1"


def test_a_gated_pod_waits_until_its_last_gate_is_removed(world, clock):
    world.node("node-1")
    scheduler = world.scheduler()
    pod_with(world, "batch", schedulingGates=[{"name": "example.com/quota"}, {"name": "example.com/review"}])
    clock.settle()
    assert world.node_of("batch") is None and scheduler.decisions == type(scheduler.decisions)(maxlen=100)
    assert scheduler.queue.pending()["unschedulablePods"] == ["default/batch"]
    clock.run(600)
    assert not scheduler.decisions  # never tried, not even by the 5-minute flush
    for gates in ([{"name": "example.com/review"}], []):
        pod = world.client.get("pods", "batch", "default")
        pod["spec"]["schedulingGates"] = gates
        world.client.update("pods", pod)
        clock.settle()
    assert world.node_of("batch") == "node-1"


class Exploding(FilterPlugin):
    name = "Exploding"

    def filter(self, state, pod, node_info):
        if pod["metadata"]["name"] == "unlucky":
            raise RuntimeError("boom")
        return OK


def test_a_plugin_that_raises_fails_that_pod_only_and_the_scheduler_carries_on(world, clock):
    world.node("node-1")
    framework = registry.new_framework(extra=[("Exploding", 0)]) if "Exploding" in registry.REGISTRY else None
    registry.register("Exploding", lambda arguments, handle: Exploding())
    try:
        framework = registry.new_framework(extra=[("Exploding", 0)])
        scheduler = Scheduler(world.client.for_component("kube-scheduler"), clock, random.Random(0), framework)
        scheduler.start()
        pod_with(world, "unlucky")
        pod_with(world, "fine")
        clock.run(5)
    finally:
        registry.REGISTRY.pop("Exploding")
    assert world.node_of("fine") == "node-1" and world.node_of("unlucky") is None
    condition = world.condition("unlucky")
    assert condition["reason"] == "SchedulerError"
    assert condition["message"] == 'running "Exploding" filter plugin: RuntimeError: boom'
    assert world.events("unlucky", "FailedScheduling")[0]["count"] >= 2  # retried after its backoff


def test_a_second_profile_packs_pods_where_the_default_spreads_them(world, clock):
    world.node("node-1")
    world.node("node-2")
    config = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
              "profiles": [{"schedulerName": "default-scheduler"},
                           {"schedulerName": "bin-packing",
                            "plugins": {"score": {"disabled": [{"name": "NodeResourcesBalancedAllocation"}]}},
                            "pluginConfig": [{"name": "NodeResourcesFit", "args": {
                                "scoringStrategy": {"type": "MostAllocated"}}}]}]}
    scheduler = Scheduler(world.client.for_component("kube-scheduler"), clock, random.Random(0), config=config)
    scheduler.start()
    for index in range(3):
        pod_with(world, f"packed-{index}", schedulerName="bin-packing",
                 containers=[{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "500m"}}}])
        clock.settle()
    assert len({world.node_of(f"packed-{index}") for index in range(3)}) == 1
    assert world.events("packed-0", "Scheduled")[0]["source"]["component"] == "bin-packing"


@pytest.mark.parametrize("config, message", [
    ({"kind": "KubeSchedulerConfiguration", "apiVersion": "v1"},
     'no kind "KubeSchedulerConfiguration" is registered for version "v1"'),
    ({"profiles": [{"schedulerName": "a", "plugins": {"score": {"enabled": [{"name": "NoSuchPlugin"}]}}}]},
     'profiles[0].plugins.score.enabled[0].name: Invalid value: "NoSuchPlugin": plugin "NoSuchPlugin" does not exist'),
    ({"profiles": [{"plugins": {"score": {"enabled": [{"name": "ImageLocality", "weight": 1000}]}}}]},
     "profiles[0].plugins.score.enabled[0].weight: Invalid value: 1000: must be in the range [0, 100]"),
    ({"profiles": [{"schedulerName": "x"}, {"schedulerName": "x"}]},
     'profiles[1].schedulerName: Duplicate value: "x"'),
    ({"percentageOfNodesToScore": 150}, "percentageOfNodesToScore: Invalid value: 150: not in valid range [0-100]"),
    ({"profiles": [{"plugin": {}}]}, 'strict decoding error: unknown field "profiles[0].plugin"'),
    ({"profiles": [{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "Most"}}}]}]},
     'profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: "Most"'),
])
def test_a_bad_configuration_is_refused_in_one_line_naming_the_field(config, message):
    base = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration"}
    with pytest.raises(ConfigError) as refused:
        load_profiles({**base, **config})
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_a_plugin_of_your_own_joins_by_dotted_path():
    profiles = load_profiles({"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
                              "profiles": [{"plugins": {"multiPoint": {"enabled": [
                                  {"name": "tests.scheduler.test_constraint_stories:make_exploding"}]}}}]})
    try:
        assert "Exploding" in [plugin.name for plugin in profiles["default-scheduler"].filter_plugins]
    finally:
        registry.REGISTRY.pop("tests.scheduler.test_constraint_stories:make_exploding", None)


def make_exploding(arguments, handle):
    return Exploding()


@pytest.mark.parametrize("spec, field, message", [
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "disktype", "operator": "In"}]}]}}}},
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
     ".matchExpressions[0].values", "Required value: must be specified when `operator` is 'In' or 'NotIn'"),
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "disktype", "operator": "Like", "values": ["ssd"]}]}]}}}},
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
     ".matchExpressions[0].operator", 'Invalid value: "Like": not a valid selector operator'),
    ({"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "web"}}}]}}},
     "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
     "Required value: can not be empty"),
    ({"topologySpreadConstraints": [{"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]},
     "spec.topologySpreadConstraints[0].maxSkew", "Invalid value: 0: must be greater than zero"),
    ({"nodeSelector": {"disk type": "ssd"}}, "spec.nodeSelector", 'Invalid value: "disk type"'),
])
def test_a_pod_with_an_unreadable_scheduling_rule_is_refused_with_422(world, spec, field, message):
    from kubelab.client import ApiError
    with pytest.raises(ApiError) as refused:
        pod_with(world, "bad", **spec)
    assert refused.value.code == 422
    causes = refused.value.status["details"]["causes"]
    assert any(c["field"] == field and c["message"].startswith(message) for c in causes), causes
    with pytest.raises(ApiError):
        world.client.get("pods", "bad", "default")


def test_a_scheduling_gate_may_be_removed_but_never_added(world):
    pod_with(world, "batch", schedulingGates=[{"name": "example.com/quota"}])
    pod = world.client.get("pods", "batch", "default")
    pod["spec"]["schedulingGates"].append({"name": "example.com/other"})
    from kubelab.client import ApiError
    with pytest.raises(ApiError) as refused:
        world.client.update("pods", pod)
    assert "only deletion is allowed, but found new scheduling gate 'example.com/other'" in refused.value.message


def test_kubelab_scheduler_refuses_a_bad_config_file_in_one_line(tmp_path, capsys):
    from kubelab.cli import main
    bad = tmp_path / "scheduler.yaml"
    bad.write_text("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
                   "profiles:\n- schedulerName: x\n  plugins:\n    score:\n      enabled:\n"
                   "      - {name: ImageLocality, weight: 101}\n")
    assert main(["scheduler", "--config", str(bad), "--kubeconfig", str(tmp_path / "none")]) == 1
    error = capsys.readouterr().err.strip()
    assert error == ("error: profiles[0].plugins.score.enabled[0].weight: Invalid value: 101: "
                     "must be in the range [0, 100]")
