"""A malformed object never stops the controller manager (issue 10, Bad input and faults).

The API server refuses malformed specs, but a store written behind its back (an old version's
data, a restore, a bug) can still hold one. Each story writes such an object straight into
the store, so the informers deliver it as they would any other: its controller records a
Warning event and goes on, and the other objects are reconciled as usual.
"""
import json

import pytest

from kubelab.api.resources import RESOURCES
from kubelab.objects.timefmt import rfc3339

from .conftest import active_pods, replicaset_manifest


def put_raw(store, clock, plural, obj):
    """Write `obj` into the store as the API server would have stored it, unchecked."""
    resource = RESOURCES[plural]
    obj["metadata"].update({"namespace": "default", "uid": f"uid-{obj['metadata']['name']}",
                            "creationTimestamp": rfc3339(clock.now()), "generation": 1})
    store.put(resource.key("default", obj["metadata"]["name"]), json.dumps(obj))


def warnings(client, name):
    return [event["message"] for event in client.list("events", "default")["items"]
            if event["involvedObject"]["name"] == name and event["reason"] == "FailedSync"]


TEMPLATE = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
MALFORMED = {
    "replicasets": {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "broken-rs"},
                    "spec": {"replicas": "three", "selector": {"matchLabels": {"app": "x"}}, "template": TEMPLATE}},
    "deployments": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "broken-deploy"},
                    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "y"}}, "template": None}},
    "jobs": {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "broken-job"},
             "spec": {"parallelism": 1, "template": {"spec": {"containers": []}}}},
    "cronjobs": {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "broken-cronjob"},
                 "spec": {"jobTemplate": None}},
}


@pytest.mark.parametrize("plural", sorted(MALFORMED))
def test_a_malformed_object_gets_a_warning_event_and_the_manager_goes_on(client, clock, store, manager, plural):
    obj = json.loads(json.dumps(MALFORMED[plural]))
    put_raw(store, clock, plural, obj)
    clock.run(2)
    assert warnings(client, obj["metadata"]["name"]), f"no FailedSync event for the malformed {plural}"
    client.create("replicasets", replicaset_manifest("healthy", 2))
    clock.run(2)
    assert len(active_pods(client, "app=healthy")) == 2   # the rest of the cluster is reconciled


def test_every_controller_survives_every_malformed_kind_at_once(client, clock, store, manager):
    for plural, obj in MALFORMED.items():
        put_raw(store, clock, plural, json.loads(json.dumps(obj)))
    clock.run(30)
    client.create("replicasets", replicaset_manifest("healthy", 3))
    clock.run(2)
    assert len(active_pods(client, "app=healthy")) == 3
    assert all(warnings(client, obj["metadata"]["name"]) for obj in MALFORMED.values())
