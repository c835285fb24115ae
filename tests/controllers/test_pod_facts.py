"""A ReplicaSet's status counted from remembered PodFacts is the status counted from the pods
themselves (pod_facts.py against replicaset.calculate_status, the readable reference)."""
import random

from hypothesis import given, settings, strategies as st

from kubelab.controllers.pod_facts import PodFactsCache
from kubelab.controllers.replicaset import calculate_status, status_from_facts
from kubelab.objects.timefmt import rfc3339

START = 1_735_689_600.0
OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
         "metadata": {"name": "web", "namespace": "default", "uid": "rs-1", "generation": 2},
         "spec": {"replicas": 4, "minReadySeconds": 10, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web", "tier": "front"}}}}}


def random_pod(rng: random.Random, index: int) -> dict:
    labels = {"app": rng.choice(["web", "web", "db"])}
    if rng.random() < 0.7:
        labels["tier"] = rng.choice(["front", "front", "back"])
    metadata = {"name": f"web-{index}", "namespace": rng.choice(["default"] * 5 + ["other"]),
                "uid": f"pod-{index}", "labels": labels, "resourceVersion": str(index)}
    if rng.random() < 0.8:
        metadata["ownerReferences"] = [{"kind": "ReplicaSet", "name": "web", "controller": True,
                                        "uid": rng.choice(["rs-1", "rs-1", "rs-2"])}]
    if rng.random() < 0.1:
        metadata["deletionTimestamp"] = rfc3339(START)
    status = {"phase": rng.choice(["Pending", "Running", "Running", "Succeeded", "Failed"])}
    if rng.random() < 0.6:
        status["conditions"] = [{"type": "Ready", "status": rng.choice(["True", "True", "False"]),
                                 "lastTransitionTime": rfc3339(START + rng.randrange(0, 40))}]
    return {"metadata": metadata, "spec": {}, "status": status}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 12), st.integers(0, 60))
def test_status_from_facts_is_calculate_status(seed, count, seconds):
    rng = random.Random(seed)
    pods = [random_pod(rng, index) for index in range(count)]
    cache = PodFactsCache()
    facts = cache.for_owner(OWNER, OWNER["spec"]["selector"])
    active = [pod for pod in pods if facts(pod).active]
    ours = [pod for pod in active if facts(pod).controller_uid == "rs-1" and facts(pod).matches]
    now = START + seconds
    assert status_from_facts(OWNER, [facts(pod) for pod in ours], None, now) == \
        calculate_status(OWNER, ours, None, now)


def test_a_new_version_of_a_pod_is_read_again_and_a_new_selector_starts_afresh():
    cache = PodFactsCache()
    pod = {"metadata": {"name": "web-1", "namespace": "default", "uid": "p1", "labels": {"app": "web"}},
           "status": {"phase": "Running"}}
    facts = cache.for_owner(OWNER, OWNER["spec"]["selector"])
    assert facts(pod).ready is False
    ready = {**pod, "status": {"phase": "Running", "conditions": [
        {"type": "Ready", "status": "True", "lastTransitionTime": rfc3339(START)}]}}
    assert facts(ready).ready is True and facts(ready).ready_since == START
    other = cache.for_owner(OWNER, {"matchLabels": {"app": "db"}})
    assert other is not facts and other(ready).matches is False


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 10), st.integers(0, 60))
def test_counts_kept_across_syncs_are_the_counts_of_the_pods_then(seed, count, seconds):
    """A story of syncs: between two, some pods change (a new object), some go, some come;
    the counts OwnerPodFacts keeps by refreshing are those counted from scratch each time."""
    from kubelab.controllers.replicaset import ClaimedPods, status_from_counts
    rng = random.Random(seed)
    pods = {index: random_pod(rng, index) for index in range(count)}
    facts = PodFactsCache().for_owner(OWNER, OWNER["spec"]["selector"])
    next_index = count
    for sync in range(8):
        candidates = [pods[index] for index in sorted(pods, key=lambda i: f"default/web-{i}")]
        facts.refresh(candidates)
        now = START + seconds + sync
        active = [pod for pod in candidates if facts(pod).active]
        ours = [pod for pod in active if facts(pod).controller_uid == "rs-1" and facts(pod).matches]
        assert status_from_counts(OWNER, ClaimedPods(facts, []), None, now) == calculate_status(OWNER, ours, None, now)
        assert [pod["metadata"]["uid"] for pod in facts.claimed([])] == \
            [pod["metadata"]["uid"] for pod in sorted(ours, key=lambda pod: (pod["metadata"]["namespace"],
                                                                             pod["metadata"]["name"]))]
        assert {pod["metadata"]["uid"] for pod in facts.unclaimed()} == \
            {pod["metadata"]["uid"] for pod in active if pod not in ours}
        for index in list(pods):
            roll = rng.random()
            if roll < 0.2:
                changed = random_pod(rng, index)   # a new version of the same pod
                pods[index] = changed
            elif roll < 0.3:
                del pods[index]
        if rng.random() < 0.5:
            pods[next_index] = random_pod(rng, next_index)
            next_index += 1
