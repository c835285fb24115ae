"""Stories of the StatefulSet controller, on virtual time (a story makes pods ready itself)."""
import pytest

from kubelab.client import ApiError
from kubelab.objects import meta

from .conftest import active_pods, events, make_ready, pod_template


def sts_manifest(name: str = "web", replicas: int = 3, **spec) -> dict:
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
            "spec": {"serviceName": "nginx", "replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": pod_template(name), **spec}}


def names(client, app="web") -> list[str]:
    return sorted(meta.name(pod) for pod in active_pods(client, f"app={app}"))


def ready(client, clock, name: str):
    make_ready(client, clock, client.get("pods", name), f"10.244.0.{int(name.rsplit('-', 1)[1]) + 2}")
    clock.run(1)


def test_ordered_ready_starts_pods_one_at_a_time_with_a_stable_identity(client, clock, manager):
    client.create("statefulsets", sts_manifest())
    clock.run(1)
    assert names(client) == ["web-0"]            # web-1 waits for web-0 to be Running and Ready
    clock.run(30)
    assert names(client) == ["web-0"]

    ready(client, clock, "web-0")
    assert names(client) == ["web-0", "web-1"]
    ready(client, clock, "web-1")
    ready(client, clock, "web-2")

    pod = client.get("pods", "web-1")
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("web-1", "nginx")
    labels = pod["metadata"]["labels"]
    assert labels["statefulset.kubernetes.io/pod-name"] == "web-1" and labels["apps.kubernetes.io/pod-index"] == "1"
    assert events(client, "SuccessfulCreate") == [f"create Pod web-{i} in StatefulSet web successful" for i in range(3)]
    status = client.get("statefulsets", "web")["status"]
    revision = labels["controller-revision-hash"]
    assert status == {"observedGeneration": 1, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3,
                      "updatedReplicas": 3, "currentRevision": revision, "updateRevision": revision,
                      "collisionCount": 0, "availableReplicas": 3}
    assert manager.errors() == []


def test_scaling_down_goes_in_reverse_order_and_a_deleted_pod_comes_back_under_its_name(client, clock, manager):
    client.create("statefulsets", sts_manifest())
    for index in range(3):
        clock.run(1)
        ready(client, clock, f"web-{index}")
    uid = meta.uid(client.get("pods", "web-1"))
    client.delete("pods", "web-1")
    clock.run(1)
    assert meta.uid(client.get("pods", "web-1")) != uid
    ready(client, clock, "web-1")

    client.patch("statefulsets", "web", {"spec": {"replicas": 1}})
    clock.run(1)
    assert events(client, "SuccessfulDelete")[-2:] == ["delete Pod web-2 in StatefulSet web successful",
                                                       "delete Pod web-1 in StatefulSet web successful"]
    assert names(client) == ["web-0"]


def test_parallel_starts_every_pod_at_once(client, clock, manager):
    client.create("statefulsets", sts_manifest(podManagementPolicy="Parallel"))
    clock.run(1)
    assert names(client) == ["web-0", "web-1", "web-2"]


def test_a_rolling_update_with_a_partition_updates_only_the_ordinals_above_it(client, clock, manager):
    client.create("statefulsets", sts_manifest(updateStrategy={"type": "RollingUpdate",
                                                               "rollingUpdate": {"partition": 1}}))
    for index in range(3):
        clock.run(1)
        ready(client, clock, f"web-{index}")
    old = client.get("statefulsets", "web")["status"]["currentRevision"]

    client.patch("statefulsets", "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1.28"}]}}}})
    clock.run(1)
    assert events(client, "SuccessfulDelete") == ["delete Pod web-2 in StatefulSet web successful"]
    for _ in range(4):
        for name in names(client):
            if not client.get("pods", name)["status"].get("podIP"):
                ready(client, clock, name)
        clock.run(1)

    images = {name: client.get("pods", name)["spec"]["containers"][0]["image"] for name in names(client)}
    assert images == {"web-0": "nginx:1.27", "web-1": "nginx:1.28", "web-2": "nginx:1.28"}
    status = client.get("statefulsets", "web")["status"]
    assert (status["currentRevision"], status["currentReplicas"], status["updatedReplicas"]) == (old, 1, 2)
    assert status["updateRevision"] != old
    assert len(client.list("controllerrevisions", "default")["items"]) == 2


def test_on_delete_updates_a_pod_only_when_you_delete_it(client, clock, manager):
    client.create("statefulsets", sts_manifest(replicas=1, updateStrategy={"type": "OnDelete"}))
    clock.run(1)
    ready(client, clock, "web-0")
    client.patch("statefulsets", "web", {"spec": {"template": {"metadata": {"labels": {"v": "2"}}}}})
    clock.run(5)
    assert "v" not in meta.labels(client.get("pods", "web-0"))
    client.delete("pods", "web-0")
    clock.run(1)
    assert meta.labels(client.get("pods", "web-0")).get("v") == "2"


@pytest.mark.parametrize("change, field, message", [
    (lambda sts: sts["spec"].update(podManagementPolicy="Random"), "spec.podManagementPolicy",
     "Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"),
    (lambda sts: sts["spec"].pop("selector"), "spec.selector", "Required value"),
    (lambda sts: sts["spec"].update(selector={}), "spec.selector",
     "Invalid value: map[string]string{}: empty selector is invalid for statefulset"),
    (lambda sts: sts["spec"].update(replicas=-2), "spec.replicas",
     "Invalid value: -2: must be greater than or equal to 0"),
    (lambda sts: sts["spec"].update(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": -1}}),
     "spec.updateStrategy.rollingUpdate.partition", "Invalid value: -1: must be greater than or equal to 0"),
])
def test_an_invalid_statefulset_is_refused_in_upstreams_words(client, change, field, message):
    manifest = sts_manifest()
    change(manifest)
    with pytest.raises(ApiError) as refused:
        client.create("statefulsets", manifest)
    assert (field, message) in {(c["field"], c["message"]) for c in refused.value.status["details"]["causes"]}


def test_only_some_fields_of_a_statefulset_may_change(client):
    client.create("statefulsets", sts_manifest())
    with pytest.raises(ApiError) as refused:
        client.patch("statefulsets", "web", {"spec": {"serviceName": "other"}})
    assert "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template'" in \
        refused.value.message


def test_each_pod_gets_its_own_claim_from_the_volume_claim_templates(client, clock, manager):
    claim = {"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                   "resources": {"requests": {"storage": "1Gi"}}}}
    client.create("statefulsets", sts_manifest(replicas=2, volumeClaimTemplates=[claim],
                                               persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete",
                                                                                     "whenScaled": "Retain"}))
    clock.run(1)
    ready(client, clock, "web-0")

    claims = {meta.name(c): c for c in client.list("persistentvolumeclaims", "default")["items"]}
    assert sorted(claims) == ["www-web-0", "www-web-1"]
    assert claims["www-web-0"]["metadata"]["labels"] == {"app": "web"}
    assert claims["www-web-0"]["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet"   # whenDeleted: Delete
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-1"}} in \
        client.get("pods", "web-1")["spec"]["volumes"]
    assert events(client, "SuccessfulCreate")[:2] == [
        "create Claim www-web-0 Pod web-0 in StatefulSet web success",
        "create Pod web-0 in StatefulSet web successful"]

    client.delete("pods", "web-0")   # the replacement mounts the same claim
    clock.run(1)
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-0"}} in \
        client.get("pods", "web-0")["spec"]["volumes"]
    assert len(client.list("persistentvolumeclaims", "default")["items"]) == 2


def test_rollout_undo_puts_a_statefulsets_old_template_back(client, clock, manager):
    from kubelab.kubectl import run
    client.create("statefulsets", sts_manifest(replicas=2))
    for index in range(2):
        clock.run(1)
        ready(client, clock, f"web-{index}")
    client.patch("statefulsets", "web", {"spec": {"template": {"metadata": {"labels": {"v": "2"}}}}})
    for _ in range(6):
        clock.run(1)
        for name in names(client):
            if not client.get("pods", name)["status"].get("podIP"):
                ready(client, clock, name)
    assert run(client, "rollout history sts/web", clock.now()) == (
        "statefulset.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n")
    assert run(client, "rollout status sts/web", clock.now()).startswith("partitioned roll out complete: 2 new pods")

    assert run(client, "rollout undo sts/web", clock.now()) == "statefulset.apps/web rolled back\n"
    for _ in range(6):
        clock.run(1)
        for name in names(client):
            if not client.get("pods", name)["status"].get("podIP"):
                ready(client, clock, name)
    assert all("v" not in meta.labels(pod) for pod in active_pods(client, "app=web"))
    status = client.get("statefulsets", "web")["status"]
    assert status["currentRevision"] == status["updateRevision"] and status["updatedReplicas"] == 2


def test_when_scaled_delete_removes_the_claims_of_the_pods_scaled_away(client, clock, manager):
    claim = {"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                   "resources": {"requests": {"storage": "1Gi"}}}}
    client.create("statefulsets", sts_manifest(replicas=2, volumeClaimTemplates=[claim],
                                               persistentVolumeClaimRetentionPolicy={"whenDeleted": "Retain",
                                                                                     "whenScaled": "Delete"}))
    for index in range(2):
        clock.run(1)
        ready(client, clock, f"web-{index}")

    client.patch("statefulsets", "web", {"spec": {"replicas": 1}})
    clock.run(40)   # the pod's grace period; then the garbage collector follows its ownerReference

    assert names(client) == ["web-0"]
    assert [meta.name(c) for c in client.list("persistentvolumeclaims", "default")["items"]
            if not meta.is_being_deleted(c)] == ["www-web-0"]
