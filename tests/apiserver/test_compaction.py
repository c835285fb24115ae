"""The API server compacts its store every 5 minutes, as kube-apiserver does (issue 12, point 7)."""
from __future__ import annotations

import pytest

from kubelab.apiserver import APIServer
from kubelab.apiserver.compactor import COMPACT_REV_KEY, Compactor
from kubelab.api.request import TraceEntry, TraceLog
from kubelab.client import ApiError, Client, InProcessTransport
from kubelab.clock import VirtualClock
from kubelab.store import MemoryStore


def configmap(name: str, value: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"v": value}}


def cluster_of_one(interval: float = 300.0):
    clock = VirtualClock()
    store = MemoryStore(clock)
    apiserver = APIServer(store, clock, compaction_interval=interval)
    apiserver.bootstrap()
    return clock, store, apiserver, Client(InProcessTransport(apiserver), "test")


def test_history_younger_than_one_interval_stays_and_older_history_goes():
    clock, store, apiserver, client = cluster_of_one()
    client.create("configmaps", configmap("a", "0"))
    early = store.revision
    for minute in range(1, 16):            # a write a minute for a quarter of an hour
        clock.run(60)
        client.update("configmaps", configmap("a", str(minute)))
    assert store.compacted_revision > early
    # What was written in the last five minutes is still there to watch from.
    recent = store.revision - 5
    assert recent >= store.compacted_revision
    client.watch("configmaps", lambda *event: None, "default", resource_version=str(recent)).stop()
    # Older than the compaction, a watch is 410 Gone, and the informer must list again.
    with pytest.raises(ApiError) as gone:
        client.watch("configmaps", lambda *event: None, "default", resource_version=str(early))
    assert gone.value.code == 410


def test_the_compactor_follows_upstreams_protocol_on_compact_rev_key():
    clock, store, apiserver, client = cluster_of_one()
    clock.run(300)                         # the first tick only records where the store is
    assert store.compacted_revision == 0 and store.get(COMPACT_REV_KEY).version == 1
    seen = store.revision
    clock.run(300)                         # the second compacts to what the first saw
    assert store.compacted_revision == seen and store.get(COMPACT_REV_KEY).value == str(seen)
    assert store.get(COMPACT_REV_KEY).version == 2 and apiserver.compactor.compactions == 1


def test_of_two_api_servers_on_one_store_only_one_compacts_each_round():
    clock = VirtualClock()
    store = MemoryStore(clock)
    first = Compactor(store, clock, interval=0)
    second = Compactor(store, clock, interval=0)
    for _ in range(4):
        store.put("/registry/configmaps/default/a", str(store.revision))
        first.compact_once()
        second.compact_once()               # loses the compare: it only learns the round
    assert first.compactions == 3 and second.compactions == 0
    assert store.get(COMPACT_REV_KEY).version == 4


def test_a_compaction_interval_of_zero_keeps_every_revision():
    clock, store, apiserver, client = cluster_of_one(interval=0)
    client.create("configmaps", configmap("a", "0"))
    clock.run(3600)
    assert store.compacted_revision == 0 and store.get(COMPACT_REV_KEY) is None


def test_the_trace_keeps_its_last_entries_and_counts_from_the_first():
    trace = TraceLog(keep=3)
    for number in range(5):
        trace.append(TraceEntry(float(number), "u", "create", "pods", "default", f"p{number}"))
    assert len(trace) == 5 and [entry.name for entry in trace] == ["p2", "p3", "p4"]
    mark = 3
    assert [entry.name for entry in trace[mark:]] == ["p3", "p4"]   # "what happened since"
    assert trace[-1].name == "p4" and trace[0:2] == []
    with pytest.raises(IndexError):
        trace[0]
