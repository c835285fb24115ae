"""Pod IPs from the node's pod CIDR: the lowest free address, as walking the CIDR gives it
(runtime_base._allocate_ip keeps where to start instead of walking from .2 every time)."""
import random

import pytest

from kubelab.clock import VirtualClock
from kubelab.kubelet.runtime import ContainerRuntime


def lowest_free(network, in_use: set[str]) -> str | None:
    """The readable reference: every host address but the bridge's .1, in order."""
    return next((str(address) for address in network.hosts()
                 if address != network.network_address + 1 and str(address) not in in_use), None)


@pytest.mark.parametrize("seed", range(8))
def test_sandboxes_coming_and_going_get_the_lowest_free_address(seed):
    rng = random.Random(seed)
    runtime = ContainerRuntime(VirtualClock(), "node-1", "10.244.1.0/28", random.Random(0))
    running = []
    for step in range(150):
        if running and (rng.random() < 0.4 or len(running) == 13):   # a /28 holds 13 pods
            runtime.stop_pod_sandbox(running.pop(rng.randrange(len(running))).id)
            continue
        expected = lowest_free(runtime.network, runtime.ips_in_use)
        sandbox = runtime.run_pod_sandbox(f"pod-{step}", "default", f"uid-{step}")
        assert sandbox.ip == expected
        running.append(sandbox)


def test_a_full_pod_cidr_says_so_in_the_cni_plugins_words():
    runtime = ContainerRuntime(VirtualClock(), "node-1", "10.244.1.0/29", random.Random(0))
    assert [runtime.run_pod_sandbox(f"p{i}", "default", f"u{i}").ip for i in range(5)] == \
        ["10.244.1.2", "10.244.1.3", "10.244.1.4", "10.244.1.5", "10.244.1.6"]
    with pytest.raises(RuntimeError, match="no IP addresses available in range set: 10.244.1.0/29"):
        runtime.run_pod_sandbox("p5", "default", "u5")


def test_one_pods_sandboxes_are_found_without_looking_at_the_others():
    """list_pod_sandboxes(namespace, name) and sandbox_for_pod(uid) answer from their indexes
    what a scan of every sandbox (oldest first) answers, as sandboxes come and go."""
    rng = random.Random(5)
    clock = VirtualClock()
    runtime = ContainerRuntime(clock, "node-1", "10.244.1.0/24", random.Random(0))
    for step in range(120):
        clock.run(rng.choice([0.0, 1.0]))
        if runtime.sandboxes and rng.random() < 0.4:
            runtime.remove_pod_sandbox(rng.choice(sorted(runtime.sandboxes)))
        else:
            name = f"web-{rng.randrange(6)}"
            runtime.run_pod_sandbox(name, rng.choice(["default", "other"]), f"uid-{name}-{rng.randrange(3)}")
        everything = sorted(runtime.sandboxes.values(), key=lambda s: s.created_at)
        for namespace in ("default", "other"):
            for index in range(6):
                assert runtime.list_pod_sandboxes(namespace, f"web-{index}") == \
                    [s for s in everything if (s.namespace, s.name) == (namespace, f"web-{index}")]
        for uid in {s.uid for s in everything} | {"uid-none"}:
            assert runtime.sandbox_for_pod(uid) is next((s for s in runtime.sandboxes.values() if s.uid == uid), None)
