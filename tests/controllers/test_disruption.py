"""Stories of the disruption controller and the eviction subresource that reads its budgets."""
import pytest

from kubelab.client import ApiError
from kubelab.objects import meta

from .conftest import deployment_manifest, make_ready


def budget(name="web", **spec):
    spec.setdefault("selector", {"matchLabels": {"app": "web"}})
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name}, "spec": spec}


def evict(client, name):
    return client.create("pods", {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name}},
                         subresource="eviction", name=name)


def three_ready_web_pods(client, clock):
    client.create("deployments", deployment_manifest("web", 3))
    clock.settle()
    pods = client.list("pods", "default")["items"]
    for index, pod in enumerate(pods):
        client.bind(pod, "node-1")
        make_ready(client, clock, pod, f"10.244.1.{index + 2}")
    clock.settle()
    return sorted(meta.name(pod) for pod in pods)


def test_a_budget_counts_healthy_pods_and_allows_what_is_spare(client, clock, manager):
    three_ready_web_pods(client, clock)
    client.create("poddisruptionbudgets", budget(minAvailable=2))
    clock.settle()
    status = client.get("poddisruptionbudgets", "web")["status"]
    assert (status["currentHealthy"], status["desiredHealthy"], status["expectedPods"],
            status["disruptionsAllowed"], status["observedGeneration"]) == (3, 2, 3, 1, 1)
    [condition] = status["conditions"]
    assert (condition["type"], condition["status"], condition["reason"]) == ("DisruptionAllowed", "True",
                                                                               "SufficientPods")


def test_max_unavailable_as_a_percent_counts_the_deployments_replicas(client, clock, manager):
    three_ready_web_pods(client, clock)
    client.create("poddisruptionbudgets", budget(maxUnavailable="34%"))   # 34% of 3, rounded up: 2
    clock.settle()
    status = client.get("poddisruptionbudgets", "web")["status"]
    assert (status["expectedPods"], status["desiredHealthy"], status["disruptionsAllowed"]) == (3, 1, 2)


def test_an_eviction_spends_the_budget_and_the_next_is_refused_with_429(client, clock, manager):
    names = three_ready_web_pods(client, clock)
    client.create("poddisruptionbudgets", budget(minAvailable=2))
    clock.settle()
    assert evict(client, names[0])["code"] == 201
    evicted = client.get("pods", names[0])
    assert evicted["metadata"]["deletionTimestamp"]
    target = [c for c in evicted["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    assert target and target[0]["reason"] == "EvictionByEvictionAPI"
    status = client.get("poddisruptionbudgets", "web")["status"]
    assert status["disruptionsAllowed"] == 0 and names[0] in status["disruptedPods"]
    clock.settle()   # the controller recounts: the evicted pod is no longer healthy
    with pytest.raises(ApiError) as refused:
        evict(client, names[1])
    assert refused.value.code == 429 and refused.value.reason == "TooManyRequests"
    assert refused.value.message == "Cannot evict pod as it would violate the pod's disruption budget."
    assert refused.value.status["details"]["causes"] == [
        {"reason": "DisruptionBudget", "message": "The disruption budget web needs 2 healthy pods and has 2 currently"}]
    assert not client.get("pods", names[1])["metadata"].get("deletionTimestamp")


def test_the_budget_recovers_once_a_replacement_is_ready(client, clock, manager):
    names = three_ready_web_pods(client, clock)
    client.create("poddisruptionbudgets", budget(minAvailable=2))
    clock.settle()
    evict(client, names[0])
    clock.settle()
    replacement = [pod for pod in client.list("pods", "default")["items"]
                   if meta.name(pod) not in names]
    assert len(replacement) == 1
    client.bind(replacement[0], "node-2")
    make_ready(client, clock, replacement[0], "10.244.2.2")
    clock.settle()
    assert client.get("poddisruptionbudgets", "web")["status"]["disruptionsAllowed"] == 1
    assert evict(client, names[1])["code"] == 201


def test_a_stale_budget_status_refuses_until_the_controller_catches_up(client, clock, manager):
    names = three_ready_web_pods(client, clock)
    client.create("poddisruptionbudgets", budget(minAvailable=2))
    clock.settle()
    manager.stop()
    client.patch("poddisruptionbudgets", "web", {"spec": {"minAvailable": 1}})
    with pytest.raises(ApiError) as refused:
        evict(client, names[0])
    assert refused.value.status["details"]["causes"][0]["message"] == \
        "The disruption budget web is still being processed by the server."


def test_unmanaged_pods_are_evicted_freely_when_no_budget_guards_them(client, clock, manager):
    pod = client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "lone", "labels": {"app": "x"}},
                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    client.bind(pod, "node-1")
    make_ready(client, clock, pod, "10.244.1.9")
    assert evict(client, "lone")["code"] == 201


def test_two_budgets_on_one_pod_are_refused_with_500(client, clock, manager):
    names = three_ready_web_pods(client, clock)
    client.create("poddisruptionbudgets", budget(minAvailable=1))
    client.create("poddisruptionbudgets", budget("web-2", maxUnavailable=1))
    clock.settle()
    with pytest.raises(ApiError) as refused:
        evict(client, names[0])
    assert refused.value.code == 500 and refused.value.message == (
        "Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction "
        "subresource does not support.")


def test_a_not_ready_pod_goes_when_the_budget_is_healthy_enough(client, clock, manager):
    names = three_ready_web_pods(client, clock)
    client.create("poddisruptionbudgets", budget(minAvailable=2))
    clock.settle()
    make_ready(client, clock, client.get("pods", names[2]), "10.244.1.4", ready=False)
    clock.settle()
    assert client.get("poddisruptionbudgets", "web")["status"]["disruptionsAllowed"] == 0
    assert evict(client, names[2])["code"] == 201     # healthy 2 >= desired 2: the sick one may go
    with pytest.raises(ApiError):
        evict(client, names[0])


def test_a_budget_without_pods_says_so_in_an_event(client, clock, manager):
    client.create("poddisruptionbudgets", budget(minAvailable=1))
    clock.settle()
    events = client.list("events", "default")["items"]
    assert any(e["reason"] == "NoPods" and e["message"] == "No matching pods found" for e in events)
    assert client.get("poddisruptionbudgets", "web")["status"]["disruptionsAllowed"] == 0


def test_a_disruption_target_that_never_led_to_a_delete_is_set_false_after_2_minutes():
    from kubelab import Cluster
    cluster = Cluster(nodes=1, seed=0)
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                   "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    cluster.settle()
    pod = cluster.get("pods", "web")
    pod["status"]["conditions"].append({"type": "DisruptionTarget", "status": "True",   # as if a delete failed
                                        "reason": "EvictionByEvictionAPI", "message": "Eviction API: evicting",
                                        "lastTransitionTime": pod["status"]["conditions"][0]["lastTransitionTime"]})
    cluster.client.update_status("pods", pod)

    def target():
        return [c["status"] for c in cluster.get("pods", "web")["status"]["conditions"]
                if c["type"] == "DisruptionTarget"]
    cluster.run(60)
    assert target() == ["True"]
    cluster.run(65)
    assert target() == ["False"]


def test_a_budget_whose_pods_have_no_scale_fails_safe(client, clock, manager):
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "agent-x", "labels": {"app": "web"},
                        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent",
                                             "uid": "u-1", "controller": True}]},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    client.bind(client.create("pods", pod), "node-1")
    make_ready(client, clock, client.get("pods", "agent-x"), "10.244.1.7")
    client.create("poddisruptionbudgets", budget(maxUnavailable=1))
    clock.settle()
    status = client.get("poddisruptionbudgets", "web")["status"]
    [condition] = status["conditions"]
    assert status["disruptionsAllowed"] == 0
    assert (condition["status"], condition["reason"], condition["message"]) == (
        "False", "SyncFailed", 'found no controllers for pod "agent-x"')
    assert any(e["reason"] == "CalculateExpectedPodCountFailed" and e["message"] ==
               'Failed to calculate the number of expected pods: found no controllers for pod "agent-x"'
               for e in client.list("events", "default")["items"])
