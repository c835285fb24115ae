"""Stories of client-go's EventCorrelator in kubelab's EventRecorder, on virtual time."""
from kubelab.client import EventRecorder
from kubelab.client.events import NORMAL, WARNING
from kubelab.objects import meta

from .conftest import replicaset_manifest


def _events(client, reason=None, name=None):
    items = client.list("events", "default")["items"]
    return [e for e in items if (reason is None or e["reason"] == reason)
            and (name is None or e["involvedObject"]["name"] == name)]


def test_a_replicaset_of_30_writes_9_created_pod_events_then_one_combined_event(client, clock, manager):
    rs = client.create("replicasets", replicaset_manifest("big", 30))
    clock.run(30)
    assert len(client.list("pods", "default", label_selector="app=big")["items"]) == 30

    created = sorted(_events(client, "SuccessfulCreate", "big"), key=lambda e: e["metadata"]["name"])
    separate = [e for e in created if e["message"].startswith("Created pod: ")]
    combined = [e for e in created if e["message"].startswith("(combined from similar events): Created pod: ")]
    assert len(separate) == 9 and all(e["count"] == 1 for e in separate)
    assert len(combined) == 1 and len(created) == 10
    # 25 events got through the spam filter: 9 separate, the combined one created, then 15 patches
    assert combined[0]["count"] == 16
    assert combined[0]["involvedObject"]["uid"] == meta.uid(rs)
    assert combined[0]["source"] == {"component": "replicaset-controller"}
    assert manager.errors() == []


def test_an_identical_event_bumps_count_and_last_timestamp(client, clock):
    pod = client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    recorder = EventRecorder(client, clock, "kubelet", host="node-1")
    recorder.event(pod, WARNING, "BackOff", "Back-off restarting failed container c")
    first = _events(client, "BackOff")
    clock.run(10)
    recorder.event(pod, WARNING, "BackOff", "Back-off restarting failed container c")
    recorder.event(pod, WARNING, "BackOff", "Back-off restarting failed container c")
    (event,) = _events(client, "BackOff")
    assert event["metadata"]["name"] == first[0]["metadata"]["name"]
    assert event["count"] == 3 and event["firstTimestamp"] == first[0]["firstTimestamp"]
    assert event["lastTimestamp"] > event["firstTimestamp"]


def test_a_source_flooding_one_object_is_cut_after_25_and_gets_one_more_after_5_minutes(client, clock):
    pod = client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    recorder = EventRecorder(client, clock, "flood")
    # distinct reasons so neither the aggregator nor the logger folds them: 30 creates asked for
    for i in range(30):
        recorder.event(pod, NORMAL, f"Reason{i}", "same words")
    assert len(_events(client, name="p")) == 25
    clock.run(299)
    recorder.event(pod, NORMAL, "Late1", "same words")
    assert len(_events(client, name="p")) == 25  # the bucket has not refilled a whole token yet
    clock.run(2)
    recorder.event(pod, NORMAL, "Late2", "same words")
    recorder.event(pod, NORMAL, "Late3", "same words")
    assert [e["reason"] for e in _events(client, name="p")].count("Late2") == 1
    assert len(_events(client, name="p")) == 26
    # another source about the same object has its own bucket
    EventRecorder(client, clock, "other").event(pod, NORMAL, "Fine", "same words")
    assert len(_events(client, name="p")) == 27


def test_similar_events_far_apart_are_not_combined(client, clock):
    pod = client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    recorder = EventRecorder(client, clock, "kubelet", host="node-1")
    for i in range(12):
        recorder.event(pod, NORMAL, "Pulled", f"message {i}")
        clock.run(601)  # more than maxIntervalInSeconds between them: each group starts afresh
    messages = [e["message"] for e in _events(client, "Pulled")]
    assert len(messages) == 12 and not any(m.startswith("(combined") for m in messages)
