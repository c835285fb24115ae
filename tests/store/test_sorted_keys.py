"""The store's chunked sorted keys answer every scan as one plain sorted list would."""
import bisect
import random

import pytest

from kubelab.store import MemoryStore, sorted_keys
from kubelab.store.sorted_keys import SortedKeys


def reference_scan(keys: list[str], start: str, end: str | None) -> list[str]:
    stop = len(keys) if end is None else bisect.bisect_left(keys, end)
    return keys[bisect.bisect_left(keys, start):stop]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sorted_keys_match_a_plain_sorted_list_through_inserts_removals_and_splits(monkeypatch, seed):
    monkeypatch.setattr(sorted_keys, "LOAD", 4)   # small chunks: many splits and empty chunks
    rng = random.Random(seed)
    universe = [f"/registry/{rng.choice(['pods', 'events', 'nodes'])}/ns-{rng.randrange(4)}/{i}" for i in range(300)]
    keys, plain = SortedKeys(universe[:20]), sorted(universe[:20])
    for step in range(2000):
        key = rng.choice(universe)
        if key in plain:
            keys.remove(key)
            plain.remove(key)
        else:
            keys.add(key)
            bisect.insort(plain, key)
        start = rng.choice(universe + ["", "/registry/", "/registry/pods/", "~"])
        end = rng.choice([None, start + "\xff", start + "0", "/registry/o", "~"])
        assert keys.scan(start, end) == reference_scan(plain, start, end), (step, start, end)
        assert list(keys) == plain and len(keys) == len(plain)
    assert len(keys._chunks) > 3


def test_a_store_ranges_by_prefix_across_chunks(monkeypatch):
    monkeypatch.setattr(sorted_keys, "LOAD", 3)
    store = MemoryStore()
    for index in range(40):
        store.put(f"/registry/pods/default/pod-{index:02}", "v")
        store.put(f"/registry/events/default/pod-{index:02}.1", "e")
    for index in range(0, 40, 3):
        store.delete(f"/registry/pods/default/pod-{index:02}")
    pods = [kv.key for kv in store.range("/registry/pods/", prefix=True).kvs]
    assert pods == [f"/registry/pods/default/pod-{i:02}" for i in range(40) if i % 3]
    assert store.range("/registry/", prefix=True).count == 40 + len(pods)
