"""Checks for lesson 01 (etcd, the cluster store).

ex 1.1 — an optimistic-concurrency update loop. The learner writes
`add_replicas(store, key, how_many)`: read a Deployment stored at `key`, add to its
spec.replicas, and write it back without losing another writer's change. The check races
them: right after the learner's first read, "another writer" (think: a second kubectl)
changes the same key. A plain put would silently overwrite that change (a lost update); a
transaction that compares the key's mod_revision is refused, and the loop must read again.
That is exactly how the API server turns a stale resourceVersion into 409 Conflict.
"""
from __future__ import annotations

import json

from ..store import MemoryStore
from .errors import ExerciseNotDone, ExerciseWrong

KEY = "/registry/deployments/default/web"


class _RacingStore:
    """A store whose first read of KEY is followed at once by another writer's update."""

    def __init__(self, inner: MemoryStore):
        self.inner = inner
        self.reads = 0
        self.txns = 0
        self.puts = 0

    def _race(self) -> None:
        self.reads += 1
        if self.reads == 1:
            other = json.loads(self.inner.get(KEY).value)
            other["spec"]["replicas"] += 10
            self.inner.put(KEY, json.dumps(other))

    def get(self, key):
        found = self.inner.get(key)
        if key == KEY:
            self._race()
        return found

    def range(self, key, *args, **kwargs):
        found = self.inner.range(key, *args, **kwargs)
        if key == KEY:
            self._race()
        return found

    def txn(self, *args, **kwargs):
        self.txns += 1
        return self.inner.txn(*args, **kwargs)

    def put(self, *args, **kwargs):
        self.puts += 1
        return self.inner.put(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def check_add_replicas(add_replicas) -> str:
    """Race the learner's add_replicas against another writer; explain any lost update."""
    inner = MemoryStore()
    inner.put(KEY, json.dumps({"apiVersion": "apps/v1", "kind": "Deployment",
                               "metadata": {"name": "web", "namespace": "default"},
                               "spec": {"replicas": 1}}))
    store = _RacingStore(inner)
    try:
        add_replicas(store, KEY, 1)
    except NotImplementedError as gap:
        raise ExerciseNotDone(f"ex 1.1 is not solved yet ({gap}): write add_replicas in the cell "
                              "above — read the key, add to spec.replicas, write it back with "
                              "store.txn comparing the key's mod_revision, and retry if refused.") from None
    replicas = json.loads(inner.get(KEY).value)["spec"]["replicas"]
    if replicas == 2:
        raise ExerciseWrong("lost update: another writer changed replicas from 1 to 11 after your "
                            "read, and your write put back 1 + 1 = 2, erasing their change. Write with "
                            "store.txn([Compare(key, 'mod', '=', kv.mod_revision)], [Op.put(...)]) "
                            "so a stale write is refused.")
    if replicas == 11 and store.txns and store.reads < 2:
        raise ExerciseWrong("your transaction was refused (someone wrote in between), and your "
                            "function gave up: read the key again and retry, in a loop.")
    if replicas != 12:
        raise ExerciseWrong(f"expected replicas 1 + 10 (the other writer) + 1 (you) = 12, found {replicas}.")
    if store.puts:
        raise ExerciseWrong("right answer, but a plain store.put was used: only a transaction "
                            "with a compare is safe against other writers.")
    return f"✓ ex 1.1: no lost update — replicas 12 after {store.reads} reads and {store.txns} transactions."
