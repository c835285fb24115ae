"""The simulated containerd: sandboxes and IPs, images, containers, and who answers on an IP."""
import random

import pytest

from kubelab.kubelet import ContainerRuntime
from kubelab.kubelet.kubelet import go_duration
from kubelab.kubelet.runtime import EXITED, RUNNING, normalize_image


@pytest.fixture
def runtime(clock):
    return ContainerRuntime(clock, "node-1", "10.244.1.0/24", random.Random(0))


@pytest.mark.parametrize("image, stored", [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.27", "docker.io/library/nginx:1.27"),
    ("bitnami/redis:7.4", "docker.io/bitnami/redis:7.4"),
    ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
    ("localhost:5000/app", "localhost:5000/app:latest"),
    ("nginx@sha256:abc", "docker.io/library/nginx@sha256:abc"),
])
def test_image_names_are_normalised_as_containerd_does(image, stored):
    assert normalize_image(image) == stored


@pytest.mark.parametrize("seconds, text", [(0, "0s"), (0.4129, "412ms"), (2.1, "2.1s"), (3.0, "3s"),
                                           (65.25, "1m5.25s"), (3600, "1h0m0s")])
def test_durations_print_as_go_prints_them(seconds, text):
    assert go_duration(seconds) == text


def test_sandboxes_get_the_first_free_addresses_after_the_bridge(runtime):
    first = runtime.run_pod_sandbox("a", "default", "uid-a")
    second = runtime.run_pod_sandbox("b", "default", "uid-b")
    assert (first.ip, second.ip) == ("10.244.1.2", "10.244.1.3")
    runtime.remove_pod_sandbox(first.id)
    assert runtime.run_pod_sandbox("c", "default", "uid-c").ip == "10.244.1.2"


def test_pulls_happen_one_at_a_time_and_the_second_waits(runtime, clock):
    results = []
    runtime.pull_image("nginx:1.27", results.append)
    runtime.pull_image("redis:7.4", results.append)
    clock.settle()
    first, second = results
    assert first.total_seconds == pytest.approx(first.pull_seconds)
    assert second.total_seconds == pytest.approx(first.pull_seconds + second.pull_seconds)
    assert 1 < first.pull_seconds < 10
    assert runtime.image_status("nginx:1.27") is not None and runtime.image_status("redis:7.4") is not None


def test_an_image_has_the_same_digest_on_every_node(clock):
    pulled = []
    for node, seed in (("node-1", 1), ("node-2", 2)):
        ContainerRuntime(clock, node, "10.244.1.0/24", random.Random(seed)).pull_image("nginx:1.27", pulled.append)
    clock.settle()
    assert pulled[0].image.image_id == pulled[1].image.image_id
    assert pulled[0].pull_seconds != pulled[1].pull_seconds  # but each node's network is its own


def _running_container(runtime, clock, ports=()):
    sandbox = runtime.run_pod_sandbox("web", "default", "uid-web")
    runtime.pull_image("nginx:1.27", lambda result: None)
    clock.settle()
    container_id = runtime.create_container(sandbox.id, "nginx", "nginx:1.27", list(ports))
    runtime.start_container(container_id, lambda error: None)
    clock.settle()
    return sandbox, runtime.container_status(container_id)


def test_a_container_that_outlives_its_timeout_is_killed(runtime, clock):
    _, container = _running_container(runtime, clock)
    assert container.state == RUNNING
    container.shutdown_seconds = 5.0  # a process slow to exit on SIGTERM
    runtime.stop_container(container.id, 2, lambda: None)
    clock.run(1.9)
    assert container.state == RUNNING
    clock.run(0.2)
    assert (container.state, container.exit_code) == (EXITED, 137)


def test_nginx_answers_on_the_port_it_listens_on_whatever_ports_the_pod_declares(runtime, clock):
    sandbox, _ = _running_container(runtime, clock, ports=())
    assert runtime.serve(sandbox.ip, 80) == {"pod": "web", "namespace": "default", "node": "node-1",
                                            "container": "nginx"}
    assert runtime.serve(sandbox.ip, 8080) is None   # declaring a port doesn't open it; nginx listens on 80
    runtime.stop_pod_sandbox(sandbox.id)
    assert runtime.serve("10.244.1.2", 80) is None


def test_container_events_reach_subscribers(runtime, clock):
    seen = []
    runtime.subscribe(lambda sandbox, container: seen.append((sandbox.name, container.state)))
    _running_container(runtime, clock)
    assert seen == [("web", "created"), ("web", "running")]
