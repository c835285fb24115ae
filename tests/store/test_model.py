"""The store against a reference model small enough to be obviously right.

The model keeps the whole key space at every revision (a dict per revision) and the list of
changes each revision made. Hypothesis drives the store and the model with the same random
operations — put (with and without a lease), delete by key or prefix, compare-and-swap,
compaction, leases granted, kept alive, revoked and left to expire as virtual time passes,
watches from any revision — and after every step checks every retained revision, every
watch's events and every lease against the model. The file store runs the same machine
with one more operation: close and reopen, which must change nothing.
"""
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kubelab.clock import VirtualClock
from kubelab.store import (CompactedError, Compare, FutureRevisionError, KeyValue, MemoryStore, Op)
from kubelab.store.file import FileStore

KEYS = ["/a", "/a/x", "/a/y", "/b", "/b/z"]
PREFIXES = ["/a", "/a/", "/b", "/"]
VALUES = st.text(alphabet="xyz", max_size=3)


class StoreMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.clock = VirtualClock()
        self.store = self.open()
        self.revision, self.compacted = 1, 0
        self.states: dict[int, dict[str, KeyValue]] = {1: {}}  # the key space at each revision
        self.changes: dict[int, list[tuple]] = {}               # what each revision did
        self.leases: dict[int, dict] = {}                       # id -> {"ttl", "deadline", "keys"}
        self.watches: list[tuple] = []                          # (start, key, prefix, responses)

    def open(self):
        return MemoryStore(self.clock)

    def teardown(self):
        self.store.close()

    # -- the model -----------------------------------------------------------------------
    @property
    def current(self) -> dict[str, KeyValue]:
        return self.states[self.revision]

    def commit(self, state: dict[str, KeyValue], changes: list[tuple]) -> None:
        self.revision += 1
        self.states[self.revision], self.changes[self.revision] = state, changes

    def model_put(self, state: dict, key: str, value: str, lease: int, revision: int) -> None:
        previous = state.get(key)
        state[key] = KeyValue(key, value, previous.create_revision if previous else revision, revision,
                              previous.version + 1 if previous else 1, lease)
        for held in self.leases.values():
            held["keys"].discard(key)
        if lease:
            self.leases[lease]["keys"].add(key)

    def model_delete(self, state: dict, keys: list[str]) -> list[tuple]:
        for key in keys:
            del state[key]
            for held in self.leases.values():
                held["keys"].discard(key)
        return [("DELETE", key, "") for key in keys]

    def model_revoke(self, lease_id: int) -> None:
        doomed = sorted(self.leases.pop(lease_id)["keys"])
        if doomed:
            state = dict(self.current)
            self.commit(state, self.model_delete(state, doomed))

    # -- operations ----------------------------------------------------------------------
    @rule(key=st.sampled_from(KEYS), value=VALUES, leased=st.booleans())
    def put(self, key, value, leased):
        lease = min(self.leases) if leased and self.leases else 0
        previous = self.current.get(key)
        response = self.store.put(key, value, lease=lease, prev_kv=True)
        state = dict(self.current)
        self.model_put(state, key, value, lease, self.revision + 1)
        self.commit(state, [("PUT", key, value)])
        assert response.revision == self.revision and response.prev_kv == previous

    @rule(key=st.sampled_from(KEYS + PREFIXES), prefix=st.booleans())
    def delete(self, key, prefix):
        doomed = sorted(k for k in self.current if (k.startswith(key) if prefix else k == key))
        response = self.store.delete(key, prefix=prefix, prev_kv=True)
        assert response.prev_kvs == [self.current[k] for k in doomed]
        if doomed:
            state = dict(self.current)
            self.commit(state, self.model_delete(state, doomed))
        assert (response.revision, response.deleted) == (self.revision, len(doomed))

    @rule(key=st.sampled_from(KEYS), stale=st.booleans(), value=VALUES, other=st.sampled_from(KEYS))
    def compare_and_swap(self, key, stale, value, other):
        actual = self.current[key].mod_revision if key in self.current else 0
        expected = actual + 1 if stale else actual
        response = self.store.txn([Compare(key, "mod", "=", expected)], [Op.put(key, value)],
                                  [Op.delete(other)])
        assert response.succeeded == (not stale)
        state = dict(self.current)
        if not stale:
            self.model_put(state, key, value, 0, self.revision + 1)
            self.commit(state, [("PUT", key, value)])
        elif other in state:
            self.commit(state, self.model_delete(state, [other]))
        assert response.revision == self.revision

    @rule(data=st.data())
    def compact(self, data):
        revision = data.draw(st.integers(1, self.revision + 1))
        if revision <= self.compacted:
            with pytest.raises(CompactedError):
                self.store.compact(revision)
        elif revision > self.revision:
            with pytest.raises(FutureRevisionError):
                self.store.compact(revision)
        else:
            self.store.compact(revision)
            self.compacted = revision

    @rule(ttl=st.integers(5, 30))
    def grant(self, ttl):
        lease = self.store.grant(ttl)
        assert lease.id not in self.leases
        self.leases[lease.id] = {"ttl": ttl, "deadline": self.clock.now() + ttl, "keys": set()}

    @precondition(lambda self: self.leases)
    @rule(data=st.data())
    def keep_alive(self, data):
        lease_id = data.draw(st.sampled_from(sorted(self.leases)))
        assert self.store.keep_alive(lease_id) == self.leases[lease_id]["ttl"]
        self.leases[lease_id]["deadline"] = self.clock.now() + self.leases[lease_id]["ttl"]

    @precondition(lambda self: self.leases)
    @rule(data=st.data())
    def revoke(self, data):
        lease_id = data.draw(st.sampled_from(sorted(self.leases)))
        self.store.revoke(lease_id)
        self.model_revoke(lease_id)

    @rule(seconds=st.integers(1, 20))
    def time_passes(self, seconds):
        until = self.clock.now() + seconds
        self.clock.run(seconds)
        for deadline in sorted({held["deadline"] for held in self.leases.values()}):
            if deadline > until:
                break
            for lease_id in sorted(i for i, held in self.leases.items() if held["deadline"] <= deadline):
                self.model_revoke(lease_id)

    @rule(data=st.data(), key=st.sampled_from(KEYS + PREFIXES), prefix=st.booleans(), prev_kv=st.booleans())
    def watch(self, data, key, prefix, prev_kv):
        start = data.draw(st.integers(1, self.revision + 1))
        responses = []
        if start <= self.compacted:
            with pytest.raises(CompactedError):
                self.store.watch(key, responses.append, prefix=prefix, start_revision=start)
            return
        self.store.watch(key, responses.append, prefix=prefix, start_revision=start, prev_kv=prev_kv)
        self.watches.append((start, key, prefix, prev_kv, responses))

    # -- checks after every step ---------------------------------------------------------
    @invariant()
    def every_retained_revision_reads_as_the_model_says(self):
        assert (self.store.revision, self.store.compacted_revision) == (self.revision, self.compacted)
        for revision in range(max(self.compacted, 1), self.revision + 1):
            kvs = self.store.range("\0", "\0", revision=revision).kvs
            assert kvs == [self.states[revision][key] for key in sorted(self.states[revision])], revision
        if self.compacted > 1:
            with pytest.raises(CompactedError):
                self.store.range("/a", revision=self.compacted - 1)

    @invariant()
    def every_watch_heard_exactly_the_changes_in_its_range(self):
        for start, key, prefix, prev_kv, responses in self.watches:
            heard = [(e.type, e.kv.key, e.kv.value, e.kv.mod_revision,
                      e.prev_kv.value if e.prev_kv else None) for r in responses for e in r.events]
            expected = [(kind, k, value, revision,
                         self.states[revision - 1][k].value if prev_kv and k in self.states[revision - 1] else None)
                        for revision in range(start, self.revision + 1)
                        for kind, k, value in self.changes.get(revision, [])
                        if (k.startswith(key) if prefix else k == key)]
            assert heard == expected

    @invariant()
    def every_lease_holds_its_keys(self):
        assert self.store.leases() == sorted(self.leases)
        for lease_id, held in self.leases.items():
            assert self.store.time_to_live(lease_id, keys=True).keys == sorted(held["keys"])


class FileStoreMachine(StoreMachine):
    def open(self):
        if not hasattr(self, "directory"):
            self.directory = tempfile.mkdtemp(prefix="kubelab-model-")
        return FileStore(self.directory, self.clock, snapshot_every=7)

    def teardown(self):
        super().teardown()
        shutil.rmtree(self.directory, ignore_errors=True)

    @rule()
    def reopen(self):
        """Close and open the data directory again: nothing may change (watches end, leases
        get a full TTL again, as after an etcd restart)."""
        self.store.close()
        self.store = self.open()
        self.watches = []
        for held in self.leases.values():
            held["deadline"] = self.clock.now() + held["ttl"]


SETTINGS = dict(deadline=None, stateful_step_count=40, suppress_health_check=[HealthCheck.too_slow])
TestMemoryStoreAgainstTheModel = StoreMachine.TestCase
TestMemoryStoreAgainstTheModel.settings = settings(max_examples=75, **SETTINGS)
TestFileStoreAgainstTheModel = FileStoreMachine.TestCase
TestFileStoreAgainstTheModel.settings = settings(max_examples=30, **SETTINGS)
