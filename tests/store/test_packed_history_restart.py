"""Stories (a hostile tester's): packed history survives a file store's restart, snapshots, and
keys that go with their lease, answering exactly as a store that never packs.

store/packed.py keeps replaced versions as deltas and cold current values deflated; the file
store journals writes and snapshots `export()`, and on restart loads the snapshot and replays the
log. Both stores below run the same seeded writes (with leases revoked and expiring, and
compactions), restart, and must then answer every history question alike.
"""
import random

import pytest

from kubelab.clock import VirtualClock
from kubelab.store import FileStore, MemoryStore
from kubelab.store.packed import PackedKeyValue

from .test_packed_history import KEYS, pod, seen, write


def played(store, seed: int, clock: VirtualClock) -> None:
    rng = random.Random(seed)
    lease = None
    for step in range(150):
        if step % 25 == 5:     # a key tied to a lease (an Event's TTL, a Lease object)
            lease = store.grant(10)
            store.put("/registry/events/default/e", pod(rng, KEYS[0]), lease=lease.id)
        if step % 25 == 15 and lease is not None:
            store.revoke(lease.id) if step % 50 == 15 else clock.run(11)
            lease = None
        write(store, rng, step)
        if step % 60 == 59:
            store.compact(store.revision - 12)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_file_store_that_packed_its_history_answers_after_a_restart_as_one_that_never_did(tmp_path, seed):
    answers = []
    for packing in (True, False):
        clock = VirtualClock()
        store = FileStore(tmp_path / f"{packing}", clock, snapshot_every=40)
        store.pack_after, store.pack_batch = (5, 3) if packing else (10 ** 9, 10 ** 9)
        played(store, seed, clock)
        if packing:
            assert any(type(e.prev_kv) is PackedKeyValue for e in store._log), "the story packed nothing"
        before = seen(store)
        store.close()
        reopened = FileStore(tmp_path / f"{packing}", clock, snapshot_every=40)
        reopened.pack_after, reopened.pack_batch = store.pack_after, store.pack_batch
        after = seen(reopened)
        assert after["gets"] == before["gets"] and after["reads"][reopened.revision] == before["reads"][store.revision]
        answers.append((before, after))
        reopened.close()
    (packed_before, packed_after), (whole_before, whole_after) = answers
    assert packed_before == whole_before
    assert packed_after == whole_after


def test_a_memory_store_with_leases_and_packing_answers_as_one_without():
    stores = []
    for pack_after in (5, 10 ** 9):
        clock = VirtualClock()
        store = MemoryStore(clock)
        store.pack_after, store.pack_batch = pack_after, 3
        played(store, 9, clock)
        stores.append(seen(store))
    assert stores[0] == stores[1]
