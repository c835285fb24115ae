"""Stories of the replication controller (the ReplicaSet controller's code, for core/v1 RCs)."""
import pytest

from kubelab.client import ApiError
from kubelab.objects import meta

from .conftest import active_pods, events, make_ready, pod_template


def rc_manifest(name: str, replicas: int) -> dict:
    return {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": name},
            "spec": {"replicas": replicas, "template": pod_template(name)}}


def test_an_rc_defaults_its_selector_and_labels_from_the_template_and_keeps_its_pods(client, clock, manager):
    controller = client.create("replicationcontrollers", rc_manifest("web", 3))
    assert controller["spec"]["selector"] == {"app": "web"}
    assert controller["metadata"]["labels"] == {"app": "web"}
    clock.run(1)

    pods = active_pods(client, "app=web")
    assert len(pods) == 3
    assert pods[0]["metadata"]["ownerReferences"][0]["kind"] == "ReplicationController"
    assert sorted(events(client, "SuccessfulCreate")) == sorted(f"Created pod: {meta.name(p)}" for p in pods)
    make_ready(client, clock, pods[0], "10.244.1.2")
    client.delete("pods", meta.name(pods[1]))
    clock.run(1)

    assert len(active_pods(client, "app=web")) == 3
    assert client.get("replicationcontrollers", "web")["status"] == {
        "replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 1, "availableReplicas": 1,
        "observedGeneration": 1}
    assert manager.errors() == []


def test_kubectl_scales_an_rc_and_prints_upstreams_columns(client, clock, manager):
    from kubelab.kubectl import run
    client.create("replicationcontrollers", rc_manifest("web", 2))
    clock.run(1)

    assert run(client, "scale rc web --replicas=1", clock.now()) == "replicationcontroller/web scaled\n"
    clock.run(1)

    assert len(active_pods(client, "app=web")) == 1
    assert run(client, "get rc", clock.now()).splitlines() == [
        "NAME   DESIRED   CURRENT   READY   AGE", "web    1         1         0       2s"]


@pytest.mark.parametrize("change, field, message", [
    (lambda rc: rc["spec"].update(selector={"app": "other"}), "spec.template.metadata.labels",
     'Invalid value: map[string]string{"app":"web"}: selector does not match labels in spec.template'),
    (lambda rc: rc["spec"].update(replicas=-1), "spec.replicas",
     "Invalid value: -1: must be greater than or equal to 0"),
    (lambda rc: rc["spec"]["template"]["spec"].update(restartPolicy="Never"), "spec.template.spec.restartPolicy",
     'Unsupported value: "Never": supported values: "Always"'),
    (lambda rc: rc["spec"].pop("template"), "spec.template", "Required value"),
])
def test_an_invalid_rc_is_refused_in_upstreams_words(client, change, field, message):
    manifest = rc_manifest("web", 1)
    change(manifest)
    with pytest.raises(ApiError) as refused:
        client.create("replicationcontrollers", manifest)
    causes = {(c["field"], c["message"]) for c in refused.value.status["details"]["causes"]}
    assert (field, message) in causes
