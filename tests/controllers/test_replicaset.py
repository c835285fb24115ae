"""Stories of the ReplicaSet controller, on virtual time."""
from kubelab.client import Client, InProcessTransport
from kubelab.controllers import ControllerManager
from kubelab.controllers.active_pods import pods_to_delete
from kubelab.objects import meta

from .conftest import active_pods, events, make_ready, replicaset_manifest


def test_replicaset_creates_its_pods_with_owner_references_and_events(client, clock, manager):
    replicaset = client.create("replicasets", replicaset_manifest("web", 3))
    clock.run(1)

    pods = active_pods(client, "app=web")
    assert len(pods) == 3
    for pod in pods:
        assert pod["metadata"]["generateName"] == "web-"
        assert pod["metadata"]["name"].startswith("web-") and len(pod["metadata"]["name"]) == len("web-") + 5
        assert pod["metadata"]["labels"] == {"app": "web"}
        assert pod["metadata"]["ownerReferences"] == [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": meta.uid(replicaset),
            "controller": True, "blockOwnerDeletion": True}]
    assert sorted(events(client, "SuccessfulCreate")) == sorted(f"Created pod: {meta.name(p)}" for p in pods)
    status = client.get("replicasets", "web")["status"]
    assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "observedGeneration": 1}
    assert manager.errors() == []


def test_replicaset_replaces_a_deleted_pod(client, clock, manager):
    client.create("replicasets", replicaset_manifest("web", 2))
    clock.run(1)
    victim = active_pods(client, "app=web")[0]

    client.delete("pods", meta.name(victim))
    clock.run(1)

    names = {meta.name(pod) for pod in active_pods(client, "app=web")}
    assert len(names) == 2 and meta.name(victim) not in names
    assert len(events(client, "SuccessfulCreate")) == 3


def test_replicaset_scales_down_removing_the_least_valuable_pods_first(client, clock, manager):
    client.create("replicasets", replicaset_manifest("web", 3))
    clock.run(1)
    ready, running, pending = active_pods(client, "app=web")
    for pod, node in ((ready, "node-1"), (running, "node-2")):
        client.bind(pod, node)
    make_ready(client, clock, ready, "10.244.1.2")
    make_ready(client, clock, running, "10.244.2.2", ready=False)
    clock.run(1)

    client.patch("replicasets", "web", {"spec": {"replicas": 1}})
    clock.run(1)

    # unscheduled and Pending goes first, then Running but not ready; the ready pod stays
    assert events(client, "SuccessfulDelete") == [f"Deleted pod: {meta.name(pending)}",
                                                  f"Deleted pod: {meta.name(running)}"]
    assert [meta.name(pod) for pod in active_pods(client, "app=web")] == [meta.name(ready)]
    assert client.get("replicasets", "web")["status"]["replicas"] == 1


def test_deletion_ranking_prefers_pending_and_not_ready_pods(clock):
    def pod(name, node="", phase="Pending", ready=False, created="2025-01-01T00:00:00Z"):
        conditions = [{"type": "Ready", "status": "True" if ready else "False",
                       "lastTransitionTime": created}]
        return {"metadata": {"name": name, "uid": name, "creationTimestamp": created},
                "spec": {"nodeName": node}, "status": {"phase": phase, "conditions": conditions}}
    pods = [pod("ready", "n1", "Running", True), pod("unscheduled"), pod("pending", "n4"),
            pod("running", "n2", "Running"), pod("young-ready", "n3", "Running", True, "2025-01-01T00:00:59Z")]
    order = [meta.name(p) for p in pods_to_delete(pods, pods, 4, clock.now() + 60)]
    assert order == ["unscheduled", "pending", "running", "young-ready"]


def test_replicaset_does_not_over_create_when_watch_events_arrive_late(client, clock, apiserver):
    """The pods watch is 5 s behind; the ReplicaSet's own status write comes back at once and
    syncs it again. Without expectations, that second sync would create three more pods."""
    class SlowPodWatches(InProcessTransport):
        def watch(self, request, on_event):
            if request.resource != "pods":
                return super().watch(request, on_event)
            return super().watch(request, lambda *event: clock.call_later(5.0, on_event, *event))

    slow_client = Client(SlowPodWatches(apiserver), "test")
    manager = ControllerManager(slow_client, clock, ["replicaset"])
    manager.start()
    client.create("replicasets", replicaset_manifest("web", 3))

    clock.run(2)
    controller = manager.controllers["replicaset"]
    assert len(active_pods(client, "app=web")) == 3
    assert not controller.expectations.satisfied("default/web")   # still waiting to see them
    assert len([e for e in apiserver.trace if e.resource == "replicasets" and e.subresource == "status"]) >= 1

    clock.run(10)
    assert len(active_pods(client, "app=web")) == 3
    assert controller.expectations.satisfied("default/web")
    assert client.get("replicasets", "web")["status"]["replicas"] == 3
    assert manager.errors() == []


def test_replicaset_adopts_an_orphan_and_releases_a_relabelled_pod(client, clock, manager):
    orphan = client.create("pods", {"apiVersion": "v1", "kind": "Pod",
                                    "metadata": {"name": "stray", "labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
    replicaset = client.create("replicasets", replicaset_manifest("web", 2))
    clock.run(1)

    adopted = client.get("pods", "stray")
    assert meta.controller_of(adopted)["uid"] == meta.uid(replicaset)
    assert len(active_pods(client, "app=web")) == 2  # the orphan counts: only one new pod
    assert len(events(client, "SuccessfulCreate")) == 1

    client.patch("pods", meta.name(orphan), {"metadata": {"labels": {"app": "debug"}}})
    clock.run(1)
    assert meta.controller_of(client.get("pods", "stray")) is None   # released
    assert len(active_pods(client, "app=web")) == 2                  # and replaced


def test_replicaset_status_counts_ready_and_available_pods(client, clock, manager):
    client.create("replicasets", replicaset_manifest("web", 2))
    clock.run(1)
    first, _ = active_pods(client, "app=web")

    make_ready(client, clock, first, "10.244.1.2")
    clock.run(1)

    assert client.get("replicasets", "web")["status"] == {
        "replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 1, "availableReplicas": 1,
        "observedGeneration": 1}
