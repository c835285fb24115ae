"""Slow start (slow_start.py): creates in batches of 1, 2, 4, …, stopping after a batch that failed."""
import pytest

from kubelab.api import errors
from kubelab.client import ApiError
from kubelab.controllers.slow_start import slow_start_batch

from .conftest import active_pods, events, replicaset_manifest


def test_batches_double_and_a_failing_batch_is_finished_then_nothing_more():
    calls = []

    def call(i):
        calls.append(i)
        if i in (4, 5):
            raise ApiError(errors.status(403, "Forbidden", f"no {i}"))
    successes, error = slow_start_batch(20, call)
    # batches [0] [1 2] [3 4 5 6]: the third fails at 4, 5 and 6 still run, 7.. never do
    assert calls == [0, 1, 2, 3, 4, 5, 6]
    assert successes == 5 and error.message == "no 4"


def test_no_failure_calls_every_one_in_order():
    calls = []
    assert slow_start_batch(11, calls.append) == (11, None)
    assert calls == list(range(11))
    assert slow_start_batch(0, calls.append) == (0, None)


def test_a_bug_is_not_taken_for_a_refusal():
    def call(i):
        raise KeyError("bug")
    with pytest.raises(KeyError):
        slow_start_batch(3, call)


def test_replicaset_refused_its_fifth_create_finishes_that_batch_and_stops(client, clock, apiserver, manager):
    """The fifth create is refused (say an admission webhook hiccups): it falls in the third
    batch [3 4 5 6], whose other creates still run; the sync stops there with 6 pods and
    tries 7-19 no more. The next sync starts slowly again and finishes the job."""
    handle, attempts = apiserver.handle, []
    controller = manager.controllers["replicaset"]

    def refuse_the_fifth(request):
        if request.verb == "create" and request.resource == "pods" and not request.subresource:
            attempts.append(controller.syncs)
            if len(attempts) == 5:
                raise ApiError(errors.status(403, "Forbidden", "pods is forbidden: try again later"))
        return handle(request)
    apiserver.handle = refuse_the_fifth
    client.create("replicasets", replicaset_manifest("web", 20))
    clock.run(5)

    first_sync = attempts[0]
    assert attempts.count(first_sync) == 7          # 1 + 2 + 4, the fourth batch never sent
    assert events(client, "FailedCreate") == ["Error creating: pods is forbidden: try again later"]
    assert len(attempts) == 21 and len(active_pods(client, "app=web")) == 20
    assert client.get("replicasets", "web")["status"]["replicas"] == 20


def test_a_batch_of_pod_events_costs_one_sync_not_one_per_pod(client, clock, manager):
    """The 20 pods' ADDED events reach the informer in one delivery; the work queue holds the
    ReplicaSet's key once (its `dirty` set), so they cost one sync between them, not 20."""
    controller = manager.controllers["replicaset"]
    client.create("replicasets", replicaset_manifest("web", 20))
    clock.run(1)
    assert len(active_pods(client, "app=web")) == 20
    # the add, the 20 pods' ADDED events, the status write's own event: a handful of syncs
    assert controller.syncs <= 3, controller.syncs
