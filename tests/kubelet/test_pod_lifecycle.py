"""A pod's life on its node: ContainerCreating, Running with an IP, then stopped and removed."""
import random

import kubernetes_validate
import pytest

from kubelab.apiserver import APIServer
from kubelab.client import Client, InProcessTransport
from kubelab.clock import VirtualClock
from kubelab.kubelet import Kubelet
from kubelab.objects import conditions
from kubelab.store import MemoryStore


def pod_events(client, name):
    """(reason, message) of the events about pod `name`, in the order they happened."""
    events = [e for e in client.list("events")["items"] if e["involvedObject"]["name"] == name]
    events.sort(key=lambda e: (e["firstTimestamp"], e["metadata"]["name"]))
    return [(e["reason"], e["message"]) for e in events]


def test_a_bound_pod_goes_from_container_creating_to_running_with_an_ip_from_the_node(
        client, clock, kubelet, run_pod):
    run_pod("web")
    clock.run(0.5)  # the kubelet has seen the pod; the image is still being pulled
    pod = client.get("pods", "web")
    kubernetes_validate.validate(pod, "1.32", strict=True)
    assert pod["status"]["phase"] == "Pending"
    assert pod["status"]["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert pod["status"]["podIP"] == "10.244.1.2" and pod["status"]["hostIP"] == "10.0.0.11"
    ready = conditions.get(pod, "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False", "ContainersNotReady", "containers with unready status: [nginx]")
    assert [c["type"] for c in pod["status"]["conditions"]] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]

    clock.settle()
    pod = client.get("pods", "web")
    kubernetes_validate.validate(pod, "1.32", strict=True)
    assert pod["status"]["phase"] == "Running"
    assert conditions.is_true(pod, "Ready") and conditions.is_true(pod, "ContainersReady")
    status = pod["status"]["containerStatuses"][0]
    assert status["ready"] and status["started"] and status["restartCount"] == 0
    assert status["image"] == "docker.io/library/nginx:1.27"
    assert status["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert status["containerID"].startswith("containerd://") and len(status["containerID"]) == 13 + 64
    assert "running" in status["state"]


def test_the_pod_events_tell_the_story_in_upstream_words(client, clock, kubelet, run_pod):
    run_pod("web")
    clock.settle()
    events = pod_events(client, "web")
    assert [reason for reason, _ in events] == ["Pulling", "Pulled", "Created", "Started"]
    assert events[0][1] == 'Pulling image "nginx:1.27"'
    assert events[1][1].startswith('Successfully pulled image "nginx:1.27" in ')
    assert "s including waiting). Image size: " in events[1][1] and events[1][1].endswith(" bytes.")
    assert events[2:] == [("Created", "Created container nginx"), ("Started", "Started container nginx")]


def test_a_second_pod_finds_the_image_present_and_gets_the_next_ip(client, clock, kubelet, run_pod):
    run_pod("web")
    clock.settle()
    run_pod("web-2")
    clock.settle()
    assert client.get("pods", "web-2")["status"]["podIP"] == "10.244.1.3"
    assert pod_events(client, "web-2")[0] == ("Pulled", 'Container image "nginx:1.27" already present on machine')
    clock.run(10)  # the next node status report lists the pulled image
    images = client.get("nodes", "node-1")["status"]["images"]
    assert any("docker.io/library/nginx:1.27" in image["names"] for image in images)


def test_a_pod_deleted_gracefully_is_stopped_then_removed_and_its_ip_freed(client, clock, kubelet, run_pod):
    run_pod("web")
    clock.settle()
    client.delete("pods", "web")
    clock.run(0.05)
    pod = client.get("pods", "web")  # still there: the kubelet is stopping it
    assert pod["metadata"]["deletionTimestamp"]
    assert pod_events(client, "web")[-1] == ("Killing", "Stopping container nginx")
    clock.settle()
    assert client.list("pods")["items"] == []
    assert kubelet.runtime.sandboxes == {} and kubelet.runtime.ips_in_use == set()
    run_pod("next")
    clock.settle()
    assert client.get("pods", "next")["status"]["podIP"] == "10.244.1.2"  # the freed address again


def test_before_removal_the_kubelet_reports_the_containers_terminated(client, clock, kubelet, run_pod):
    run_pod("web")
    clock.settle()
    seen = []
    client.watch("pods", lambda event_type, pod: seen.append((event_type, pod)), namespace="default",
                 resource_version=client.get("pods", "web")["metadata"]["resourceVersion"])
    client.delete("pods", "web")
    clock.settle()
    assert [event_type for event_type, _ in seen] == ["MODIFIED", "MODIFIED", "DELETED"]  # graceful, status, gone
    last = seen[1][1]
    kubernetes_validate.validate(last, "1.32", strict=True)
    assert last["status"]["phase"] == "Succeeded"
    terminated = last["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (0, "Completed")
    assert conditions.get(last, "Ready")["reason"] == "PodCompleted"
    assert not conditions.is_true(last, "PodReadyToStartContainers")


def test_the_runtime_answers_on_the_pod_ip_only_while_the_container_runs(client, clock, kubelet, run_pod):
    run_pod("web", ports=(80,))
    clock.run(0.5)
    assert kubelet.runtime.serve("10.244.1.2", 80) is None  # still pulling: connection refused
    clock.settle()
    assert kubelet.runtime.serve("10.244.1.2", 80)["pod"] == "web"
    assert kubelet.runtime.serve("10.244.1.2", 80)["node"] == "node-1"
    assert kubelet.runtime.serve("10.244.1.2", 8080) is None  # nothing listens there
    assert kubelet.runtime.serve("10.244.1.9", 80) is None
    client.delete("pods", "web")
    clock.settle()
    assert kubelet.runtime.serve("10.244.1.2", 80) is None


def test_a_restarted_kubelet_leaves_running_pods_alone(client, clock, kubelet, run_pod, apiserver):
    run_pod("web")
    clock.settle()
    before = client.get("pods", "web")
    kubelet.stop()
    again = Kubelet(client.for_component("kubelet/node-1"), clock, "node-1", rng=random.Random(2),
                    runtime=kubelet.runtime)
    writes = len(apiserver.trace)
    again.start()
    clock.settle()
    assert client.get("pods", "web") == before
    assert not [e for e in apiserver.trace[writes:] if e.resource == "pods"]
    assert [reason for reason, _ in pod_events(client, "web")] == ["Pulling", "Pulled", "Created", "Started"]


def test_a_pod_force_deleted_from_the_api_loses_its_sandbox(client, clock, kubelet, run_pod):
    run_pod("web")
    clock.settle()
    client.delete("pods", "web", grace_period_seconds=0)
    clock.settle()
    assert kubelet.runtime.sandboxes == {} and kubelet.runtime.ips_in_use == set()


def test_a_pod_deleted_while_its_image_is_pulling_never_starts(client, clock, kubelet, run_pod):
    run_pod("web")
    clock.run(0.5)
    client.delete("pods", "web")
    clock.settle()
    assert client.list("pods")["items"] == []
    assert "Started" not in [reason for reason, _ in pod_events(client, "web")]
    assert kubelet.runtime.sandboxes == {}


def test_an_image_that_must_not_be_pulled_leaves_the_pod_waiting(client, clock, kubelet, run_pod):
    spec = {"containers": [{"name": "app", "image": "example.com/app:v1", "imagePullPolicy": "Never"}]}
    created = client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"}, "spec": spec})
    client.bind(created, "node-1")
    clock.settle()
    status = client.get("pods", "app")["status"]
    assert status["phase"] == "Pending"
    assert status["containerStatuses"][0]["state"]["waiting"] == {
        "reason": "ErrImageNeverPull",
        "message": 'Container image "example.com/app:v1" is not present with pull policy of Never'}


def test_pods_bound_to_another_node_are_not_this_kubelets_business(client, clock, kubelet, run_pod):
    run_pod("elsewhere", node="node-2")
    clock.settle()
    assert client.get("pods", "elsewhere")["status"]["phase"] == "Pending"
    assert "containerStatuses" not in client.get("pods", "elsewhere")["status"]
    assert kubelet.runtime.sandboxes == {}


def _story(seed):
    """A fresh control plane and kubelet; one pod run to completion; what the world shows."""
    clock = VirtualClock()
    apiserver = APIServer(MemoryStore(), clock, random.Random(0))
    apiserver.bootstrap()
    client = Client(InProcessTransport(apiserver), "test")
    client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",  # as the service-
                                      "metadata": {"name": "default"}})         # account controller would
    client.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",   # as the root-ca-cert-publisher would
                                 "metadata": {"name": "kube-root-ca.crt"}, "data": {"ca.crt": "CA"}})
    Kubelet(client.for_component("kubelet/node-1"), clock, "node-1", rng=random.Random(seed)).start()
    pod = client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                                 "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}})
    client.bind(pod, "node-1")
    clock.settle()
    return client.get("pods", "web")["status"], pod_events(client, "web"), client.get("nodes", "node-1")["status"]


def test_the_same_seed_gives_the_same_story_and_another_seed_another():
    assert _story(7) == _story(7)
    first, other = _story(7), _story(8)
    assert first[0]["containerStatuses"][0]["containerID"] != other[0]["containerStatuses"][0]["containerID"]
    assert first[0]["containerStatuses"][0]["imageID"] == other[0]["containerStatuses"][0]["imageID"]


def test_a_token_the_api_server_refuses_is_a_failed_mount_event_with_its_reason():
    from kubelab import Cluster
    cluster = Cluster(nodes=1, seed=0)
    cluster.client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                              "metadata": {"name": "robot"}}, "default")
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"}, "spec": {
        "serviceAccountName": "robot", "containers": [{"name": "app", "image": "busybox:1.37",
                                                       "command": ["sleep", "3600"]}]}})
    cluster.client.delete("serviceaccounts", "robot", "default")   # gone before the kubelet mounts
    cluster.run(15)
    events = [e for e in cluster.list("events", "default") if e["reason"] == "FailedMount"]
    assert events and events[0]["type"] == "Warning"
    assert events[0]["message"].startswith('MountVolume.SetUp failed for volume "kube-api-access-')
    assert events[0]["message"].endswith(' : failed to fetch token: serviceaccounts "robot" not found')
    assert cluster.get("pods", "app")["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == \
        "ContainerCreating"


def test_without_kube_root_ca_the_service_account_volume_fails_to_mount_until_it_is_published(
        client, clock, kubelet, run_pod):
    """Upstream's kubelet cannot project ca.crt from a ConfigMap that isn't there: FailedMount,
    retried, the pod ContainerCreating; once the publisher makes it, the pod starts."""
    client.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                      "metadata": {"name": "default", "namespace": "team"}})
    pod = client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "team"},
                                 "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}})
    client.bind(pod, "node-1")
    clock.run(25)
    volume = next(v["name"] for v in pod["spec"]["volumes"] if v["name"].startswith("kube-api-access-"))
    failed = [e for e in client.list("events", "team")["items"] if e["reason"] == "FailedMount"]
    assert failed and failed[0]["message"] == \
        f'MountVolume.SetUp failed for volume "{volume}" : configmap "kube-root-ca.crt" not found'
    assert failed[0]["count"] >= 2   # retried
    waiting = client.get("pods", "web", "team")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["reason"] == "ContainerCreating"
    client.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": "kube-root-ca.crt", "namespace": "team"},
                                 "data": {"ca.crt": "CA"}})
    clock.run(15)
    assert "running" in client.get("pods", "web", "team")["status"]["containerStatuses"][0]["state"]
    sandbox = kubelet.runtime.sandbox_for_pod(pod["metadata"]["uid"])
    mounted = kubelet.volumes[pod["metadata"]["uid"]][volume]
    assert sandbox is not None and sorted(mounted) == ["ca.crt", "namespace", "token"] and mounted["ca.crt"] == "CA"
