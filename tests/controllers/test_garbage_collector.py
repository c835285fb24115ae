"""Stories of the garbage collector: dependents follow their owners, three ways."""
from kubelab.objects import meta

from .conftest import replicaset_manifest


def owned_pods(client):
    return sorted(meta.name(pod) for pod in client.list("pods", "default", label_selector="app=web")["items"])


def start_replicaset(client, clock, replicas=2):
    client.create("replicasets", replicaset_manifest("web", replicas))
    clock.run(1)
    assert len(owned_pods(client)) == replicas


def test_background_deletion_removes_the_owner_at_once_and_the_pods_after(client, clock, manager):
    start_replicaset(client, clock)
    client.delete("replicasets", "web")
    assert client.list("replicasets", "default")["items"] == []
    clock.run(1)
    assert owned_pods(client) == []
    assert manager.errors() == []


def test_foreground_deletion_keeps_the_owner_until_its_pods_are_gone(client, clock, manager, apiserver):
    start_replicaset(client, clock)
    answer = client.delete("replicasets", "web", propagation_policy="Foreground")
    assert answer["metadata"]["finalizers"] == ["foregroundDeletion"] and answer["metadata"]["deletionTimestamp"]
    clock.run(1)
    assert owned_pods(client) == [] and client.list("replicasets", "default")["items"] == []
    deletes = [(entry.resource, entry.user) for entry in apiserver.trace if entry.verb == "delete"]
    assert deletes.index(("pods", "generic-garbage-collector")) < deletes.index(("replicasets", "generic-garbage-collector"))
    assert manager.errors() == []


def test_orphan_deletion_leaves_the_pods_without_an_owner(client, clock, manager):
    start_replicaset(client, clock)
    before = owned_pods(client)
    manager.controllers["replicaset"].queue.on_ready = None  # nobody re-adopts while we look
    client.delete("replicasets", "web", propagation_policy="Orphan")
    clock.run(1)
    assert client.list("replicasets", "default")["items"] == []
    pods = client.list("pods", "default", label_selector="app=web")["items"]
    assert sorted(meta.name(pod) for pod in pods) == before
    assert all("ownerReferences" not in pod["metadata"] for pod in pods)


def test_a_dependent_created_with_a_dangling_owner_is_collected(client, clock, manager):
    client.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
        "name": "orphaned", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "gone",
                                                 "uid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"}]}})
    clock.run(1)
    assert [meta.name(c) for c in client.list("configmaps", "default")["items"]] == ["kube-root-ca.crt"]
