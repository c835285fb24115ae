"""Reserve, Permit (approve, wait, time out) and PreBind, with a plugin of the test's own."""
import random

from kubelab.scheduler import Scheduler
from kubelab.scheduler.framework import OK, WAIT, PermitPlugin, PreBindPlugin, ReservePlugin, Status
from kubelab.scheduler.plugins import registry


class Gang(ReservePlugin, PermitPlugin, PreBindPlugin):
    """Holds every pod at Permit for up to 5 s; records what it was asked."""
    name = "Gang"

    def __init__(self):
        self.calls = []

    def reserve(self, state, pod, node_name):
        self.calls.append(("reserve", pod["metadata"]["name"]))
        return OK

    def unreserve(self, state, pod, node_name):
        self.calls.append(("unreserve", pod["metadata"]["name"]))

    def permit(self, state, pod, node_name):
        return Status(WAIT), 5.0

    def pre_bind(self, state, pod, node_name):
        self.calls.append(("pre_bind", pod["metadata"]["name"]))
        return OK


def scheduler_with(world, clock, plugin):
    registry.register("Gang", lambda arguments, handle: plugin)
    try:
        framework = registry.new_framework(extra=[("Gang", 0)])
    finally:
        registry.REGISTRY.pop("Gang")
    scheduler = Scheduler(world.client.for_component("kube-scheduler"), clock, random.Random(0), framework)
    scheduler.start()
    return scheduler


def test_a_waiting_pod_binds_once_its_permit_plugin_allows_it(world, clock):
    world.node("node-1")
    gang = Gang()
    scheduler = scheduler_with(world, clock, gang)
    world.pod("worker-0")
    clock.run(1)
    assert world.node_of("worker-0") is None and list(scheduler.waiting_pods) == ["default/worker-0"]
    assert scheduler.cache.is_assumed("default/worker-0")  # its room is held while it waits
    scheduler.allow("default/worker-0", "Gang")
    clock.run(1)
    assert world.node_of("worker-0") == "node-1"
    assert gang.calls == [("reserve", "worker-0"), ("pre_bind", "worker-0")]


def test_a_pod_left_waiting_is_rejected_at_its_timeout_and_unreserved(world, clock):
    world.node("node-1")
    gang = Gang()
    scheduler = scheduler_with(world, clock, gang)
    world.pod("worker-0")
    clock.run(5.5)
    assert world.node_of("worker-0") is None and not scheduler.waiting_pods
    assert ("unreserve", "worker-0") in gang.calls
    failed = world.events("worker-0", "FailedScheduling")[0]
    assert failed["message"] == "rejected due to timeout after waiting 5s at plugin Gang"
    assert not scheduler.cache.is_assumed("default/worker-0")
