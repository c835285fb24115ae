"""Everything the controllers write is a valid Kubernetes v1.32 object (upstream's schemas, strict)."""
import kubernetes_validate
import pytest

from .conftest import FakeKubelet, deployment_manifest, make_ready


@pytest.fixture
def written(client, clock, manager):
    """A Deployment rolled out and a Service over its pods: every kind the controllers write."""
    FakeKubelet(client, clock)
    client.create("deployments", deployment_manifest("web", 2))
    client.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    clock.run(5)
    pod = client.list("pods", "default")["items"][0]
    make_ready(client, clock, pod, pod["status"]["podIP"], ready=False)  # one notReadyAddress
    clock.run(1)
    assert manager.errors() == []
    return [client.get("deployments", "web"), *client.list("replicasets", "default")["items"],
            *client.list("pods", "default")["items"], client.get("endpoints", "web"),
            *client.list("events", "default")["items"]]


def test_every_object_the_controllers_write_validates_against_the_v1_32_schemas(written):
    kinds = {obj["kind"] for obj in written}
    assert kinds == {"Deployment", "ReplicaSet", "Pod", "Endpoints", "Event"}
    for obj in written:
        kubernetes_validate.validate(obj, "1.32", strict=True)


def test_the_endpoints_really_hold_both_kinds_of_address(written):
    [endpoints] = [obj for obj in written if obj["kind"] == "Endpoints"]
    assert endpoints["subsets"][0].get("addresses") and endpoints["subsets"][0].get("notReadyAddresses")
