"""Stories of the controller manager: one process, shared informers, each controller its own name."""
import pytest

from kubelab.controllers import CONTROLLERS, ControllerManager
from kubelab.controllers.manager import enabled_controllers
from kubelab.controllers.registry import DISABLED_BY_DEFAULT

from .conftest import deployment_manifest


def test_the_manager_runs_every_registered_controller_on_one_set_of_informers(client, clock, manager):
    assert list(manager.controllers) == [name for name in CONTROLLERS if name not in DISABLED_BY_DEFAULT] == [
        "deployment", "replicaset", "endpoints", "serviceaccount", "serviceaccount-token", "root-ca-cert-publisher",
        "namespace", "garbagecollector", "nodelifecycle", "taint-eviction-controller", "podgc",
        "persistentvolume-binder", "hostpath-provisioner", "pvc-protection", "pv-protection",
        "endpointslice", "disruption", "replicationcontroller", "daemonset", "statefulset", "job", "cronjob", "ttl-after-finished",
        "clusterrole-aggregation"]
    pods_informers = {id(c.factory.informer("pods")) for c in manager.controllers.values()}
    assert len(pods_informers) == 1  # the pods are listed and watched once, for all of them


def test_each_controller_writes_under_its_own_name(client, clock, apiserver, manager):
    client.create("deployments", deployment_manifest("nginx", 2))
    clock.run(1)

    writers = {(entry.user, entry.resource) for entry in apiserver.trace if entry.resource != "events"}
    assert ("deployment-controller", "replicasets") in writers
    assert ("replicaset-controller", "pods") in writers
    assert not any(user == "deployment-controller" and resource == "pods" for user, resource in writers)
    assert manager.errors() == []


def test_the_manager_runs_only_the_controllers_asked_for(client, clock):
    only = ControllerManager(client, clock, ["replicaset"])
    only.start()
    client.create("deployments", deployment_manifest("nginx", 2))
    clock.run(1)
    assert list(only.controllers) == ["replicaset"]
    assert client.list("replicasets")["items"] == []  # nobody turns the Deployment into a ReplicaSet

    with pytest.raises(ValueError, match="unknown controllers"):
        ControllerManager(client, clock, ["replicaset", "no-such-controller"])


def test_failed_syncs_are_gathered_by_controller(client, clock, manager):
    manager.controllers["replicaset"].errors.append(("default/web", "409 Conflict"))
    assert manager.errors() == [("replicaset", "default/web", "409 Conflict")]


def test_controllers_are_chosen_with_upstreams_flag_syntax():
    everything = [name for name in CONTROLLERS if name not in DISABLED_BY_DEFAULT]
    assert enabled_controllers(["*"]) == everything
    assert enabled_controllers(["*", "-garbagecollector"]) == [n for n in everything if n != "garbagecollector"]
    assert enabled_controllers(["*", "nodeipam"]) == [n for n in CONTROLLERS if n in everything or n == "nodeipam"]
    assert enabled_controllers(["endpoints", "replicaset"]) == ["replicaset", "endpoints"]
    with pytest.raises(ValueError, match=r"unknown controllers \['cronjobs'\]"):
        enabled_controllers(["*", "-cronjobs"])
