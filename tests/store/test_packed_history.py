"""Stories about packed history (store/packed.py): old versions kept as deltas change no answer.

Each story runs the same seeded writes on two memory stores — one that packs after a handful
of changes, one that never packs — and asks both the questions history answers: reads at
every past revision, watches replayed from the compacted revision (with prev_kv), the
snapshot export, compaction and its 410, and the store's size."""
import json
import random

import pytest

from kubelab.store import CompactedError, Compare, KeyValue, MemoryStore, Op
from kubelab.store.packed import DeflatedKeyValue, PackedKeyValue

KEYS = [f"/registry/pods/default/web-{i}" for i in range(6)]


def packing_store() -> MemoryStore:
    store = MemoryStore()
    store.pack_after, store.pack_batch = 5, 3
    return store


def whole_store() -> MemoryStore:
    store = MemoryStore()
    store.pack_after = 10 ** 9
    return store


def pod(rng: random.Random, key: str) -> str:
    """A pod-like JSON value, a few fields changing between versions (some not ASCII)."""
    return json.dumps({"metadata": {"name": key.rsplit("/", 1)[1], "labels": {"app": "web"},
                                    "annotations": {"note": "a real pod is a few KB " * 12}},
                       "spec": {"nodeName": rng.choice(["node-1", "node-2", ""])},
                       "status": {"phase": rng.choice(["Pending", "Running"]), "restarts": rng.randrange(5),
                                  "message": rng.choice(["", "ok", "café ☕"])}}, ensure_ascii=False)


def write(store: MemoryStore, rng: random.Random, step: int) -> None:
    key = rng.choice(KEYS)
    kind = rng.choices(["put", "delete", "txn", "empty"], weights=[7, 1, 1, 1])[0]
    if kind == "put":
        store.put(key, pod(rng, key))
    elif kind == "empty":
        store.put(key, "")
    elif kind == "delete":
        store.delete(key)
    else:
        other = rng.choice([k for k in KEYS if k != key])
        store.txn([], [Op.put(key, pod(rng, key)), Op.put(other, pod(rng, other))])


def seen(store: MemoryStore) -> dict:
    """Everything history answers, as plain values."""
    first = max(store.compacted_revision, 1)
    reads = {revision: [(kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version)
                        for kv in store.range("/", prefix=True, revision=revision).kvs]
             for revision in range(first, store.revision + 1)}
    replayed = []
    store.watch("/", replayed.append, prefix=True, start_revision=store.compacted_revision + 1,
                prev_kv=True).cancel()
    events = [(e.type, e.kv.key, e.kv.value, e.kv.mod_revision,
               e.prev_kv and (e.prev_kv.value, e.prev_kv.mod_revision, e.prev_kv.version))
              for response in replayed for e in response.events]
    gets = [store.get(key) for key in KEYS]
    assert all(kv is None or type(kv) is KeyValue for kv in gets)   # whole, whatever is held
    return {"reads": reads, "events": events, "export": store.export(), "size": store.status().size,
            "gets": [kv and (kv.value, kv.mod_revision, kv.version) for kv in gets]}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_packed_history_answers_exactly_as_a_whole_one(seed):
    packing, whole = packing_store(), whole_store()
    for store in (packing, whole):
        rng = random.Random(seed)
        for step in range(120):
            write(store, rng, step)
            if step % 40 == 39:
                store.compact(store.revision - 10)
    assert any(type(e.prev_kv) is PackedKeyValue for e in packing._log), "the story packed nothing"
    assert any(type(kv) is DeflatedKeyValue for kv in packing._current.values()), "nothing went cold"
    assert seen(packing) == seen(whole)


def test_a_packed_version_is_a_small_delta_against_the_one_that_replaced_it():
    store, rng = packing_store(), random.Random(7)
    for _ in range(30):
        store.put(KEYS[0], pod(rng, KEYS[0]) + " " * 2000)   # 2 KB values, a few fields apart
    packed = [e.prev_kv for e in store._log if type(e.prev_kv) is PackedKeyValue]
    assert packed and all(len(kv.blob) < 200 for kv in packed)


def test_compaction_still_answers_410_gone_below_the_compacted_revision_once_packed():
    store, rng = packing_store(), random.Random(4)
    for step in range(40):
        write(store, rng, step)
    store.compact(30)
    with pytest.raises(CompactedError):
        store.range("/", prefix=True, revision=29)
    with pytest.raises(CompactedError):
        store.watch("/", lambda response: None, prefix=True, start_revision=30)
    assert store.range("/", prefix=True, revision=30).kvs == whole_at(40, 30)


def whole_at(steps: int, revision: int) -> list:
    store, rng = whole_store(), random.Random(4)
    for step in range(steps):
        write(store, rng, step)
    return store.range("/", prefix=True, revision=revision).kvs


def test_a_cold_current_value_is_held_deflated_and_handed_out_whole():
    store, rng = packing_store(), random.Random(5)
    store.put(KEYS[0], pod(rng, KEYS[0]))
    store.put("/registry/leases/kube-node-lease/node-1", "small")
    for _ in range(12):
        store.put(KEYS[1], pod(rng, KEYS[1]))
    assert type(store._current[KEYS[0]]) is DeflatedKeyValue
    assert type(store._current["/registry/leases/kube-node-lease/node-1"]) is KeyValue   # not worth it
    kv = store.get(KEYS[0])
    assert type(kv) is KeyValue and json.loads(kv.value)["metadata"]["name"] == "web-0"
    swapped = store.txn([Compare(KEYS[0], "value", "=", kv.value)], [Op.put(KEYS[0], "next")])
    assert swapped.succeeded and store.get(KEYS[0]).value == "next"
    replayed = []
    store.watch(KEYS[0], replayed.append, start_revision=kv.mod_revision, prev_kv=True)
    assert [(e.kv.value, e.prev_kv and e.prev_kv.value) for r in replayed for e in r.events] == [
        (kv.value, None), ("next", kv.value)]
