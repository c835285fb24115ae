"""The store's sorted keys (sorted_keys.py) answer every range as one sorted list would.

Random adds and removes of keys shaped like the API server's (events before pods, many
namespaces), with small blocks so they split and empty often; after each step a few ranges
— prefixes, open ends, empty ones, keys outside — are compared with a plain sorted list.
"""
import bisect
import random

import pytest

from kubelab.store import sorted_keys
from kubelab.store.sorted_keys import SortedKeys


def test_sorted_keys_list_every_range_as_a_sorted_list_does(monkeypatch):
    monkeypatch.setattr(sorted_keys, "LOAD", 4)
    rng = random.Random(7)
    reference: list[str] = []
    keys = SortedKeys()
    def some_key() -> str:
        return f"/registry/{rng.choice(['events', 'pods', 'leases'])}/ns-{rng.randrange(5)}/k{rng.randrange(60)}"
    for step in range(3000):
        key = some_key()
        if key in reference and rng.random() < 0.45:
            reference.remove(key)
            keys.remove(key)
        elif key not in reference:
            bisect.insort(reference, key)
            keys.add(key)
        assert len(keys) == len(reference)
        for start, end in [("/registry/pods/", "/registry/pods0"), (key, None), ("", None), (key, key),
                           (f"/registry/events/ns-{rng.randrange(5)}/", f"/registry/events/ns-{rng.randrange(5)}0"),
                           ("/zzz", None), (some_key(), some_key())]:
            low = bisect.bisect_left(reference, start)
            high = len(reference) if end is None else max(low, bisect.bisect_left(reference, end))
            assert keys.between(start, end) == reference[low:high], (step, start, end)
    assert SortedKeys(reversed(reference)).between("") == reference


def test_removing_a_key_not_held_raises_key_error():
    keys = SortedKeys(["/a", "/c"])
    with pytest.raises(KeyError):
        keys.remove("/b")
    with pytest.raises(KeyError):
        keys.remove("/0")
    assert keys.between("") == ["/a", "/c"]
