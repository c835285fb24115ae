"""The storage stories run on the bare control plane with every controller started."""
import pytest

from kubelab.controllers import ControllerManager


@pytest.fixture
def manager(client, clock):
    controller_manager = ControllerManager(client, clock)
    controller_manager.start()
    clock.run(1)
    return controller_manager


def events_of(client, name):
    return [(e["type"], e["reason"], e["message"]) for e in client.list("events")["items"]
            if e["involvedObject"]["name"] == name]
