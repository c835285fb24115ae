"""Stories: a status write to a ReplicaSet, ReplicationController or Deployment must tell the truth
about its counts (upstream's Validate*Status), or it is refused with 422 naming the field."""
import pytest

from kubelab.client import ApiError


def workload(kind, api_version="apps/v1"):
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    selector = {"app": "web"} if kind == "ReplicationController" else {"matchLabels": {"app": "web"}}
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "web"},
            "spec": {"replicas": 3, "selector": selector, "template": template}}


def refused(client, plural, status):
    with pytest.raises(ApiError) as error:
        client.patch(plural, "web", {"status": status}, subresource="status")
    assert error.value.code == 422, error.value.status
    return [(c["field"], c["message"]) for c in error.value.status["details"]["causes"]]


@pytest.mark.parametrize("plural,kind,api_version", [("replicasets", "ReplicaSet", "apps/v1"),
                                                     ("replicationcontrollers", "ReplicationController", "v1")])
def test_a_replica_set_status_that_counts_more_than_it_has_is_refused(client, plural, kind, api_version):
    client.create(plural, workload(kind, api_version))
    assert refused(client, plural, {"replicas": -1})[0] == \
        ("status.replicas", "Invalid value: -1: must be greater than or equal to 0")
    assert ("status.readyReplicas", "Invalid value: 3: cannot be greater than status.replicas") in \
        refused(client, plural, {"replicas": 2, "readyReplicas": 3, "availableReplicas": 1})
    assert refused(client, plural, {"replicas": 3, "readyReplicas": 1, "availableReplicas": 2}) == [
        ("status.availableReplicas", "Invalid value: 2: cannot be greater than readyReplicas")]
    assert ("status.fullyLabeledReplicas", "Invalid value: 4: cannot be greater than status.replicas") in \
        refused(client, plural, {"replicas": 3, "fullyLabeledReplicas": 4})
    # nothing half-written: the stored status is still the last good one
    good = client.patch(plural, "web", {"status": {"replicas": 3, "readyReplicas": 2, "availableReplicas": 2}},
                        subresource="status")
    assert good["status"]["readyReplicas"] == 2
    assert client.get(plural, "web")["status"]["replicas"] == 3


def test_a_deployment_status_is_bounded_and_its_collision_count_never_goes_down(client):
    client.create("deployments", workload("Deployment"))
    assert refused(client, "deployments", {"unavailableReplicas": -2}) == [
        ("status.unavailableReplicas", "Invalid value: -2: must be greater than or equal to 0")]
    assert refused(client, "deployments", {"replicas": 1, "updatedReplicas": 2}) == [
        ("status.updatedReplicas", "Invalid value: 2: cannot be greater than status.replicas")]
    client.patch("deployments", "web", {"status": {"collisionCount": 2}}, subresource="status")
    assert refused(client, "deployments", {"collisionCount": 1}) == [
        ("status.collisionCount", "Invalid value: 1: cannot be decremented")]
    assert client.get("deployments", "web")["status"]["collisionCount"] == 2
