"""The kubelet writes a pod's status only when it differs from the stored one *as the API
server keeps it*: nulls are dropped on the way in, so `"lastProbeTime": null` is no change."""
import random

from kubelab.kubelet.pod_status import equal_as_stored


def as_stored(value):
    """The readable reference: the value with every null field dropped, as decoding does."""
    if isinstance(value, dict):
        return {key: as_stored(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [as_stored(item) for item in value]
    return value


def random_value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth > 3 or roll < 0.3:
        return rng.choice([None, 0, 1, True, "Ready", "True"])
    if roll < 0.65:
        return {rng.choice(["type", "status", "lastProbeTime"]): random_value(rng, depth + 1)
                for _ in range(rng.randrange(4))}
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(3))]


def test_comparing_in_the_stored_shape_is_comparing_with_nulls_dropped():
    rng = random.Random(13)
    for _ in range(5000):
        computed = random_value(rng)
        stored = as_stored(computed) if rng.random() < 0.5 else as_stored(random_value(rng))
        assert equal_as_stored(computed, stored) == (as_stored(computed) == stored)


def test_a_condition_with_a_null_probe_time_equals_the_stored_one_without_it():
    computed = {"conditions": [{"type": "Ready", "status": "True", "lastProbeTime": None,
                                "lastTransitionTime": "2025-01-01T00:00:01Z"}], "phase": "Running"}
    stored = {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2025-01-01T00:00:01Z"}],
              "phase": "Running"}
    assert equal_as_stored(computed, stored)
    assert not equal_as_stored({**computed, "phase": "Pending"}, stored)
