"""Stories of the DaemonSet controller, on virtual time (no scheduler: pods name their node)."""
import pytest

from kubelab.client import ApiError
from kubelab.controllers.daemon_pods import target_node
from kubelab.objects import meta

from .conftest import active_pods, events, make_ready, pod_template


def node(name: str, labels=None, taints=None) -> dict:
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
            "spec": {"taints": taints} if taints else {}}


def ds_manifest(name: str = "agent", image: str = "nginx:1.27", **spec) -> dict:
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}}, "template": pod_template(name, image), **spec}}


def pods_by_node(client, app="agent") -> dict:
    return {target_node(pod): pod for pod in active_pods(client, f"app={app}")}


def ready_all(client, clock, app="agent"):
    for index, pod in enumerate(active_pods(client, f"app={app}")):
        if not pod["status"].get("podIP"):
            make_ready(client, clock, pod, f"10.244.9.{index + 2}")


@pytest.fixture
def nodes(client):
    for name in ("node-1", "node-2", "node-3"):
        client.create("nodes", node(name))


def test_a_daemonset_puts_one_pod_on_each_node_pinned_by_node_affinity(client, clock, manager, nodes):
    client.create("daemonsets", ds_manifest())
    clock.run(1)

    by_node = pods_by_node(client)
    assert sorted(by_node) == ["node-1", "node-2", "node-3"]
    pod = by_node["node-2"]
    assert pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-2"]}]}]}
    assert {(t["key"], t["effect"]) for t in pod["spec"]["tolerations"]} >= {
        ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule")}
    assert pod["metadata"]["labels"]["controller-revision-hash"] and \
        pod["metadata"]["labels"]["pod-template-generation"] == "1"
    assert len(events(client, "SuccessfulCreate")) == 3
    revisions = client.list("controllerrevisions", "default")["items"]
    assert [r["revision"] for r in revisions] == [1]
    assert revisions[0]["metadata"]["name"] == "agent-" + pod["metadata"]["labels"]["controller-revision-hash"]
    status = client.get("daemonsets", "agent")["status"]
    assert status == {"currentNumberScheduled": 3, "numberMisscheduled": 0, "desiredNumberScheduled": 3,
                      "numberReady": 0, "observedGeneration": 1, "updatedNumberScheduled": 3,
                      "numberUnavailable": 3}
    assert manager.errors() == []


def test_a_joining_node_gets_a_pod_and_a_leaving_one_loses_it(client, clock, manager, nodes):
    client.create("daemonsets", ds_manifest())
    clock.run(1)

    client.create("nodes", node("node-4"))
    clock.run(1)
    assert sorted(pods_by_node(client)) == ["node-1", "node-2", "node-3", "node-4"]

    client.delete("nodes", "node-4")   # its pod was never bound: the DaemonSet controller deletes it
    clock.run(1)
    assert sorted(pods_by_node(client)) == ["node-1", "node-2", "node-3"]
    assert client.get("daemonsets", "agent")["status"]["desiredNumberScheduled"] == 3


def test_node_selectors_and_taints_decide_where_daemons_run(client, clock, manager):
    client.create("nodes", node("ssd-1", {"disk": "ssd"}))
    client.create("nodes", node("ssd-2", {"disk": "ssd"},
                                [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]))
    client.create("nodes", node("hdd-1", {"disk": "hdd"}))
    client.create("nodes", node("ssd-3", {"disk": "ssd"},
                                [{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}]))
    manifest = ds_manifest()
    manifest["spec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd"}
    client.create("daemonsets", manifest)
    clock.run(1)

    # hdd-1 fails the selector, ssd-2 has a taint it does not tolerate, ssd-3's not-ready is tolerated
    assert sorted(pods_by_node(client)) == ["ssd-1", "ssd-3"]
    client.patch("nodes", "ssd-1", {"spec": {"taints": [{"key": "evict", "effect": "NoExecute"}]}})
    clock.run(1)
    assert sorted(pods_by_node(client)) == ["ssd-3"]
    assert client.get("daemonsets", "agent")["status"]["desiredNumberScheduled"] == 1


def test_a_rolling_update_replaces_one_node_at_a_time_and_keeps_history(client, clock, manager, nodes):
    client.create("daemonsets", ds_manifest())
    clock.run(1)
    ready_all(client, clock)
    clock.run(1)
    old = {meta.name(pod) for pod in active_pods(client, "app=agent")}

    client.patch("daemonsets", "agent", {"spec": {"template": {"spec": {"containers": [
        {"name": "agent", "image": "nginx:1.28"}]}}}})
    clock.run(1)
    assert len(events(client, "SuccessfulDelete")) == 1        # maxUnavailable 1: one node at a time
    for _ in range(6):
        ready_all(client, clock)
        clock.run(1)

    pods = active_pods(client, "app=agent")
    assert len(pods) == 3 and not old & {meta.name(pod) for pod in pods}
    assert {pod["spec"]["containers"][0]["image"] for pod in pods} == {"nginx:1.28"}
    assert sorted(r["revision"] for r in client.list("controllerrevisions", "default")["items"]) == [1, 2]
    status = client.get("daemonsets", "agent")["status"]
    assert (status["updatedNumberScheduled"], status["numberAvailable"], status["observedGeneration"]) == (3, 3, 2)


def test_max_surge_starts_the_new_pod_before_the_old_one_goes(client, clock, manager, nodes):
    client.create("daemonsets", ds_manifest(updateStrategy={
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}))
    clock.run(1)
    ready_all(client, clock)
    clock.run(1)

    client.patch("daemonsets", "agent", {"spec": {"template": {"metadata": {"labels": {"v": "2"}}}}})
    clock.run(1)
    assert len(active_pods(client, "app=agent")) == 4 and events(client, "SuccessfulDelete") == []
    for _ in range(8):
        ready_all(client, clock)
        clock.run(1)
    pods = active_pods(client, "app=agent")
    assert len(pods) == 3 and all(meta.labels(pod).get("v") == "2" for pod in pods)


def test_on_delete_waits_for_you_to_delete_the_pod(client, clock, manager, nodes):
    client.create("daemonsets", ds_manifest(updateStrategy={"type": "OnDelete"}))
    clock.run(1)
    client.patch("daemonsets", "agent", {"spec": {"template": {"metadata": {"labels": {"v": "2"}}}}})
    clock.run(1)
    assert events(client, "SuccessfulDelete") == []
    client.delete("pods", meta.name(pods_by_node(client)["node-1"]))
    clock.run(1)
    assert meta.labels(pods_by_node(client)["node-1"]).get("v") == "2"
    assert client.get("daemonsets", "agent")["status"]["updatedNumberScheduled"] == 1


@pytest.mark.parametrize("change, field, message", [
    (lambda ds: ds["spec"].update(selector={}), "spec.selector",
     "Invalid value: map[string]string{}: empty selector is invalid for daemonset"),
    (lambda ds: ds["spec"].update(selector={"matchLabels": {"app": "x"}}), "spec.template.metadata.labels",
     'Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`'),
    (lambda ds: ds["spec"].update(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}),
     "spec.updateStrategy.rollingUpdate.maxSurge", "Invalid value: 1: may not be set when maxUnavailable is non-zero"),
    (lambda ds: ds["spec"].update(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}}),
     "spec.updateStrategy.rollingUpdate.maxUnavailable", "Required value: cannot be 0 when maxSurge is 0"),
    (lambda ds: ds["spec"].update(updateStrategy={"type": "Sometimes"}), "spec.updateStrategy",
     'Unsupported value: "Sometimes": supported values: "RollingUpdate", "OnDelete"'),
    (lambda ds: ds["spec"]["template"]["spec"].update(activeDeadlineSeconds=5),
     "spec.template.spec.activeDeadlineSeconds", "Forbidden: activeDeadlineSeconds in DaemonSet is not Supported"),
])
def test_an_invalid_daemonset_is_refused_in_upstreams_words(client, change, field, message):
    manifest = ds_manifest()
    change(manifest)
    with pytest.raises(ApiError) as refused:
        client.create("daemonsets", manifest)
    assert (field, message) in {(c["field"], c["message"]) for c in refused.value.status["details"]["causes"]}


def test_a_daemonsets_selector_cannot_change(client):
    client.create("daemonsets", ds_manifest())
    with pytest.raises(ApiError) as refused:
        client.patch("daemonsets", "agent", {"spec": {"selector": {"matchLabels": {"app": "agent", "x": "y"}},
                                                      "template": {"metadata": {"labels": {"x": "y"}}}}})
    assert "field is immutable" in refused.value.message


def test_rollout_history_and_undo_read_and_restore_the_controller_revisions(client, clock, manager, nodes):
    from kubelab.kubectl import run
    client.create("daemonsets", ds_manifest())
    clock.run(1)
    ready_all(client, clock)
    client.patch("daemonsets", "agent", {"metadata": {"annotations": {"kubernetes.io/change-cause": "to 1.28"}},
                                         "spec": {"template": {"spec": {"containers": [
                                             {"name": "agent", "image": "nginx:1.28"}]}}}})
    for _ in range(6):
        clock.run(1)
        ready_all(client, clock)

    assert run(client, "rollout history ds/agent", clock.now()) == (
        "daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         <none>\n2         to 1.28\n\n")
    shown = run(client, "rollout history ds/agent --revision=1", clock.now())
    assert shown.startswith("daemonset.apps/agent with revision #1\nPod Template:\n")
    assert "nginx:1.27" in shown and "nginx:1.28" not in shown
    assert run(client, "rollout undo ds/agent", clock.now()) == "daemonset.apps/agent rolled back\n"
    for _ in range(6):
        clock.run(1)
        ready_all(client, clock)

    assert {pod["spec"]["containers"][0]["image"] for pod in active_pods(client, "app=agent")} == {"nginx:1.27"}
    # undoing to revision 1 made it the newest (3); no twin revision was created
    assert sorted(r["revision"] for r in client.list("controllerrevisions", "default")["items"]) == [2, 3]
    assert run(client, "rollout status ds/agent", clock.now()) == 'daemon set "agent" successfully rolled out\n'
    assert run(client, "rollout undo ds/agent --to-revision=3", clock.now()) == \
        "daemonset.apps/agent skipped rollback (current template already matches revision 3)\n"


def test_deleting_a_daemonset_takes_its_pods_and_revisions_with_it(client, clock, manager, nodes):
    client.create("daemonsets", ds_manifest())
    clock.run(1)
    assert len(active_pods(client, "app=agent")) == 3

    client.delete("daemonsets", "agent", propagation_policy="Background")
    clock.run(40)

    assert active_pods(client, "app=agent") == []
    assert client.list("controllerrevisions", "default")["items"] == []
    assert {e["source"]["component"] for e in client.list("events", "default")["items"]
            if e["reason"] == "SuccessfulCreate"} == {"daemonset-controller"}


def test_a_controller_revision_needs_data_which_never_changes(client):
    with pytest.raises(ApiError) as refused:
        client.create("controllerrevisions", {"apiVersion": "apps/v1", "kind": "ControllerRevision",
                                              "metadata": {"name": "r"}, "revision": 1})
    assert ("data", "Required value: data is mandatory") in \
        {(c["field"], c["message"]) for c in refused.value.status["details"]["causes"]}
    client.create("controllerrevisions", {"apiVersion": "apps/v1", "kind": "ControllerRevision",
                                          "metadata": {"name": "r"}, "data": {"a": 1}, "revision": 1})
    with pytest.raises(ApiError) as refused:
        client.patch("controllerrevisions", "r", {"data": {"a": 2}})
    assert "data: Invalid value" in refused.value.message and "field is immutable" in refused.value.message
    assert client.patch("controllerrevisions", "r", {"revision": 4})["revision"] == 4   # undo renumbers
