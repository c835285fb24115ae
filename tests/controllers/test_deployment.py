"""Stories of the Deployment controller, on virtual time, with a fake kubelet making pods ready."""
import re

import pytest

from kubelab.controllers import deployment_util, rolling
from kubelab.controllers.pod_template_hash import compute_hash, fnv1a_32, safe_encode
from kubelab.objects import conditions, meta

from .conftest import FakeKubelet, active_pods, deployment_manifest, events


def replicasets_of(client, name: str) -> list[dict]:
    return sorted(client.list("replicasets", "default", label_selector=f"app={name}")["items"],
                  key=lambda rs: rs["metadata"]["creationTimestamp"] + rs["metadata"]["name"])


def set_image(client, name: str, image: str) -> None:
    deployment = client.get("deployments", name)
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = image
    client.update("deployments", deployment)


def test_deployment_creates_a_replicaset_named_by_the_pod_template_hash(client, clock, manager):
    deployment = client.create("deployments", deployment_manifest("nginx", 3))
    clock.run(1)

    [replicaset] = replicasets_of(client, "nginx")
    template_hash = replicaset["metadata"]["labels"]["pod-template-hash"]
    assert re.fullmatch(r"[4-9bcdf]{1,10}", template_hash)
    assert meta.name(replicaset) == f"nginx-{template_hash}"
    assert replicaset["spec"]["selector"] == {"matchLabels": {"app": "nginx", "pod-template-hash": template_hash}}
    assert replicaset["spec"]["template"]["metadata"]["labels"] == {"app": "nginx", "pod-template-hash": template_hash}
    assert replicaset["spec"]["replicas"] == 3
    assert meta.controller_of(replicaset)["uid"] == meta.uid(deployment)
    assert meta.annotations(replicaset) == {"deployment.kubernetes.io/revision": "1",
                                            "deployment.kubernetes.io/desired-replicas": "3",
                                            "deployment.kubernetes.io/max-replicas": "4"}
    assert meta.annotations(client.get("deployments", "nginx"))["deployment.kubernetes.io/revision"] == "1"
    assert events(client, "ScalingReplicaSet") == [f"Scaled up replica set {meta.name(replicaset)} from 0 to 3"]
    assert all(p["metadata"]["labels"]["pod-template-hash"] == template_hash
               for p in active_pods(client, "app=nginx"))
    assert manager.errors() == []


def test_a_ready_deployment_reports_available_and_progressed(client, clock, manager):
    FakeKubelet(client, clock)
    client.create("deployments", deployment_manifest("nginx", 2))
    clock.run(5)

    deployment = client.get("deployments", "nginx")
    [replicaset] = replicasets_of(client, "nginx")
    status = {k: v for k, v in deployment["status"].items() if k != "conditions"}
    assert status == {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2,
                      "readyReplicas": 2, "availableReplicas": 2}
    available = conditions.get(deployment, "Available")
    progressing = conditions.get(deployment, "Progressing")
    assert (available["status"], available["reason"], available["message"]) == \
        ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
    assert (progressing["status"], progressing["reason"], progressing["message"]) == \
        ("True", "NewReplicaSetAvailable", f'ReplicaSet "{meta.name(replicaset)}" has successfully progressed.')


def test_scaling_the_deployment_scales_its_replicaset(client, clock, manager):
    FakeKubelet(client, clock)
    client.create("deployments", deployment_manifest("nginx", 2))
    clock.run(5)

    client.patch("deployments", "nginx", {"spec": {"replicas": 5}})
    clock.run(5)

    [replicaset] = replicasets_of(client, "nginx")
    assert replicaset["spec"]["replicas"] == 5
    assert meta.annotations(replicaset)["deployment.kubernetes.io/desired-replicas"] == "5"
    assert len(active_pods(client, "app=nginx")) == 5
    assert events(client, "ScalingReplicaSet")[-1] == f"Scaled up replica set {meta.name(replicaset)} from 2 to 5"
    assert client.get("deployments", "nginx")["status"]["availableReplicas"] == 5

    client.patch("deployments", "nginx", {"spec": {"replicas": 1}})
    clock.run(5)
    assert len(active_pods(client, "app=nginx")) == 1
    assert events(client, "ScalingReplicaSet")[-1] == f"Scaled down replica set {meta.name(replicaset)} from 5 to 1"


def test_a_template_change_rolls_to_a_new_replicaset_within_max_surge_and_max_unavailable(client, clock, manager):
    FakeKubelet(client, clock, delay=3.0)
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}
    client.create("deployments", deployment_manifest("web", 4, strategy=strategy))
    clock.run(10)
    [old] = replicasets_of(client, "web")

    set_image(client, "web", "nginx:1.28")
    most_pods, fewest_ready = 0, 4
    for _ in range(60):  # watch the rollout half a second at a time
        clock.run(0.5)
        pods = active_pods(client, "app=web")
        most_pods = max(most_pods, len(pods))
        fewest_ready = min(fewest_ready, sum(conditions.is_true(p, "Ready") for p in pods))

    assert most_pods == 4 + 1          # maxSurge reached, never passed
    assert fewest_ready == 4 - 1       # maxUnavailable reached, never passed
    old_rs, new_rs = replicasets_of(client, "web")
    assert meta.name(old_rs) == meta.name(old) and old_rs["spec"]["replicas"] == 0
    assert new_rs["spec"]["replicas"] == 4 and meta.annotations(new_rs)["deployment.kubernetes.io/revision"] == "2"
    pods = active_pods(client, "app=web")
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"nginx:1.28"} and len(pods) == 4
    deployment = client.get("deployments", "web")
    assert deployment["status"]["updatedReplicas"] == 4 and deployment["status"]["observedGeneration"] == 2
    assert conditions.get(deployment, "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert events(client, "ScalingReplicaSet")[1] == f"Scaled up replica set {meta.name(new_rs)} from 0 to 1"
    assert manager.errors() == []


def test_recreate_removes_every_old_pod_before_the_first_new_one(client, clock, manager):
    FakeKubelet(client, clock)
    client.create("deployments", deployment_manifest("db", 2, strategy={"type": "Recreate"}))
    clock.run(5)

    set_image(client, "db", "postgres:17")
    seen_mixed = False
    for _ in range(20):
        clock.run(0.5)
        images = {p["spec"]["containers"][0]["image"] for p in active_pods(client, "app=db")}
        seen_mixed = seen_mixed or len(images) > 1
    assert not seen_mixed
    assert {p["spec"]["containers"][0]["image"] for p in active_pods(client, "app=db")} == {"postgres:17"}
    assert events(client, "ScalingReplicaSet")[1:] == [
        f"Scaled down replica set {meta.name(replicasets_of(client, 'db')[0])} from 2 to 0",
        f"Scaled up replica set {meta.name(replicasets_of(client, 'db')[1])} from 0 to 2"]


def test_rolling_back_to_an_old_template_reuses_its_replicaset(client, clock, manager):
    FakeKubelet(client, clock)
    client.create("deployments", deployment_manifest("web", 2))
    clock.run(5)
    set_image(client, "web", "nginx:1.28")
    clock.run(20)
    set_image(client, "web", "nginx:1.27")
    clock.run(20)

    first, second = replicasets_of(client, "web")
    assert (first["spec"]["replicas"], second["spec"]["replicas"]) == (2, 0)
    assert meta.annotations(first)["deployment.kubernetes.io/revision"] == "3"
    assert meta.annotations(first)["deployment.kubernetes.io/revision-history"] == "1"
    assert manager.errors() == []


# -- the arithmetic, on its own --------------------------------------------------------
def test_the_pod_template_hash_is_fnv1a_rendered_in_the_safe_alphabet():
    assert fnv1a_32(b"") == 0x811C9DC5 and fnv1a_32(b"foobar") == 0xBF9CF968  # FNV test vectors
    assert safe_encode("0123456789") == "456789bcdf"
    template = {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx"}]}}
    assert compute_hash(template) == compute_hash(dict(reversed(list(template.items()))))
    assert compute_hash(template) != compute_hash(template, collision_count=1)


@pytest.mark.parametrize("replicas, surge, unavailable, expected", [
    (4, "25%", "25%", (1, 1)),
    (3, "25%", "25%", (1, 0)),     # surge rounds up, unavailability down
    (10, "25%", "25%", (3, 2)),
    (5, 0, 0, (0, 1)),             # never both zero
    (5, 2, "50%", (2, 2)),
])
def test_max_surge_rounds_up_and_max_unavailable_rounds_down(replicas, surge, unavailable, expected):
    deployment = deployment_manifest("web", replicas, strategy={
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}})
    assert deployment_util.resolve_fenceposts(deployment) == expected


def test_scaling_in_the_middle_of_a_rollout_is_proportional():
    deployment = deployment_manifest("web", 15)  # 25% surge of 15 -> 4: room for 19
    def replicaset(name, size, created):
        return {"metadata": {"name": name, "uid": name, "creationTimestamp": created,
                             "annotations": {deployment_util.MAX_REPLICAS: "13"}},
                "spec": {"replicas": size}}
    old, new = replicaset("old", 8, "2025-01-01T00:00:00Z"), replicaset("new", 5, "2025-01-01T00:01:00Z")
    sizes = {meta.name(rs): size for rs, size in rolling.proportional_scale(deployment, new, [old])}
    assert sizes == {"old": 12, "new": 7}  # 13 -> 19: each grows by its share, leftover to the biggest


def test_a_paused_deployment_does_not_roll_out_until_resumed(client, clock, manager):
    FakeKubelet(client, clock)
    client.create("deployments", deployment_manifest("web", 2))
    clock.run(5)
    client.patch("deployments", "web", {"spec": {"paused": True}})
    clock.run(1)
    set_image(client, "web", "nginx:1.28")
    clock.run(10)

    assert len(replicasets_of(client, "web")) == 1
    progressing = conditions.get(client.get("deployments", "web"), "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("Unknown", "DeploymentPaused")

    client.patch("deployments", "web", {"spec": {"paused": False}})
    clock.run(20)
    old_rs, new_rs = replicasets_of(client, "web")
    assert (old_rs["spec"]["replicas"], new_rs["spec"]["replicas"]) == (0, 2)
    assert conditions.get(client.get("deployments", "web"), "Progressing")["reason"] == "NewReplicaSetAvailable"


def test_a_rollout_that_makes_no_progress_times_out_after_its_deadline(client, clock, manager):
    manifest = deployment_manifest("web", 2)
    manifest["spec"]["progressDeadlineSeconds"] = 60
    client.create("deployments", manifest)   # no kubelet: the pods never become ready
    clock.run(30)
    assert conditions.get(client.get("deployments", "web"), "Progressing")["reason"] == "ReplicaSetUpdated"

    clock.run(40)
    progressing = conditions.get(client.get("deployments", "web"), "Progressing")
    [replicaset] = replicasets_of(client, "web")
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "False", "ProgressDeadlineExceeded", f'ReplicaSet "{meta.name(replicaset)}" has timed out progressing.')
    assert clock.settle() < 1  # the deadline check is background work: nothing is left pending
