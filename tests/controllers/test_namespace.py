"""Stories of the namespace controller: delete a namespace and it empties, then goes."""
import pytest

from kubelab.client import ApiError
from kubelab.objects import meta

from .conftest import replicaset_manifest


def test_a_deleted_namespace_is_terminating_until_its_contents_are_gone(client, clock, manager):
    client.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    clock.run(1)  # the serviceaccount controller makes "default" in it
    assert client.get("serviceaccounts", "default", "shop")
    client.create("replicasets", replicaset_manifest("web", 2), "shop")
    client.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}}, "shop")
    clock.run(1)
    pod = client.list("pods", "shop")["items"][0]
    client.bind(pod, "node-1")               # a pod on a node goes gracefully: it holds the namespace

    terminating = client.delete("namespaces", "shop")
    assert terminating["status"]["phase"] == "Terminating"
    assert terminating["spec"]["finalizers"] == ["kubernetes"]
    clock.run(1)
    assert client.get("namespaces", "shop")["status"]["phase"] == "Terminating"
    assert [meta.name(p) for p in client.list("pods", "shop")["items"]] == [meta.name(pod)]
    client.delete("pods", meta.name(pod), "shop", grace_period_seconds=0)   # what its kubelet would do
    clock.run(10)
    with pytest.raises(ApiError) as error:
        client.get("namespaces", "shop")
    assert error.value.code == 404
    assert client.list("configmaps", "shop")["items"] == [] and client.list("serviceaccounts", "shop")["items"] == []
    assert manager.errors() == []
