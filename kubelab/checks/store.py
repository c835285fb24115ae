"""Checks for lesson 01 (etcd, the cluster store).

ex 1.1 — an optimistic-concurrency update loop. The learner writes
`add_replicas(store, key, how_many)`: read a Deployment stored at `key`, add to its
spec.replicas, and write it back without losing another writer's change. The check races
them on several cases (one racing writer, none, three in a row, adding 0): right after the
learner's read, "another writer" (think: a second kubectl) changes the same key. A plain put would silently overwrite that change (a lost update); a
transaction that compares the key's mod_revision is refused, and the loop must read again.
That is exactly how the API server turns a stale resourceVersion into 409 Conflict.
"""
from __future__ import annotations

import json

from ..store import MemoryStore
from .errors import ExerciseWrong
from .runner import attempt

KEY = "/registry/deployments/default/web"
TODO = ("write add_replicas in the cell above — read the key, add to spec.replicas, write it back with "
        "store.txn comparing the key's mod_revision, and retry if refused.")


class _RacingStore:
    """A store whose first `races` reads of KEY are each followed at once by another writer's
    update (+10 replicas): what a second kubectl does between your read and your write."""

    def __init__(self, inner: MemoryStore, races: int):
        self.inner, self.races = inner, races
        self.reads = 0
        self.txns = 0
        self.puts = 0

    def _race(self) -> None:
        self.reads += 1
        if self.reads <= self.races:
            other = json.loads(self.inner.get(KEY).value)
            other["spec"]["replicas"] += 10
            self.inner.put(KEY, json.dumps(other))

    def get(self, key, *args, **kwargs):
        found = self.inner.get(key, *args, **kwargs)
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


# (what the case is called, replicas at the start, how_many to add, other writers racing)
CASES = [
    ("a Deployment with 1 replica and one racing writer", 1, 1, 1),
    ("a Deployment with 0 replicas, adding 3, nobody racing", 0, 3, 0),
    ("a Deployment with 100 replicas, adding 5, three racing writers in a row", 100, 5, 3),
    ("a Deployment with 2 replicas, adding 0", 2, 0, 1),
]


def _run_case(add_replicas, case: str, start: int, how_many: int, races: int) -> str:
    inner = MemoryStore()
    inner.put(KEY, json.dumps({"apiVersion": "apps/v1", "kind": "Deployment",
                               "metadata": {"name": "web", "namespace": "default"},
                               "spec": {"replicas": start}}))
    store = _RacingStore(inner, races)
    attempt(add_replicas, store, KEY, how_many, exercise="ex 1.1", case=case, todo=TODO)
    replicas = json.loads(inner.get(KEY).value)["spec"]["replicas"]
    theirs = 10 * min(races, store.reads)
    want = start + theirs + how_many
    if theirs and not store.txns and replicas < want:
        raise ExerciseWrong(f"lost update on {case}: another writer added {theirs} after your read, and your "
                            f"write put back {replicas}, erasing their change. Write with "
                            "store.txn([Compare(key, 'mod', '=', kv.mod_revision)], [Op.put(...)]) "
                            "so a stale write is refused.")
    if theirs and store.txns and replicas == start + theirs and how_many:
        raise ExerciseWrong(f"on {case}, your transaction was refused (someone wrote in between), and "
                            "your function gave up: read the key again and retry, in a loop.")
    if replicas != want:
        raise ExerciseWrong(f"on {case}: expected replicas {start} + {theirs} (other writers) + {how_many} "
                            f"(you) = {want}, found {replicas}.")
    if store.puts:
        raise ExerciseWrong(f"right number on {case}, but a plain store.put was used: only a transaction "
                            "with a compare is safe against other writers.")
    return f"{store.reads} reads, {store.txns} transactions"


def check_add_replicas(add_replicas) -> str:
    """Race the learner's add_replicas against other writers on several cases; explain any lost update."""
    results = [_run_case(add_replicas, *case) for case in CASES]
    return (f"✓ ex 1.1: no lost update in {len(CASES)} cases (one racing writer: {results[0]}; "
            f"three in a row: {results[2]}).")
