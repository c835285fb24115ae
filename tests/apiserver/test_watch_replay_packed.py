"""Story (a hostile tester's): a watch resumed from far back, past the watch cache's ring and into
the store's packed history, replays every change exactly, for a shared and a plain watcher.

The watch cache keeps the last 100 changes per resource; older ones come from the store's log,
whose replaced versions are raw-deflate deltas (store/packed.py). The values replayed, their
resourceVersions and their order must be what was written; a compacted revision is 410 Gone.
"""
import random

import pytest

from kubelab.apiserver import APIServer
from kubelab.client import ApiError, Client, InProcessTransport
from kubelab.clock import VirtualClock
from kubelab.objects.frozen import is_frozen
from kubelab.store import MemoryStore


@pytest.fixture
def world():
    clock, store = VirtualClock(), MemoryStore()
    store.pack_after, store.pack_batch = 20, 10   # pack early: most of the story is packed
    server = APIServer(store, clock, random.Random(0))
    server.bootstrap()
    return clock, store, server, Client(InProcessTransport(server), "test")


def test_a_watch_from_before_the_ring_replays_every_packed_version_as_written(world):
    clock, store, server, client = world
    made = client.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                        "metadata": {"name": "counter", "namespace": "default"}, "data": {"n": "0"}})
    written = []
    for n in range(1, 250):
        current = client.get("configmaps", "counter", "default")
        updated = client.update("configmaps", {**current, "data": {"n": str(n), "pad": "x" * (n % 7)}})
        written.append((updated["metadata"]["resourceVersion"], updated["data"]))
    client.list("configmaps")   # the watch cache is built (from the current state): its ring starts here
    for n in range(250, 380):   # more than the ring holds
        current = client.get("configmaps", "counter", "default")
        updated = client.update("configmaps", {**current, "data": {"n": str(n)}})
        written.append((updated["metadata"]["resourceVersion"], updated["data"]))
    from kubelab.store.packed import PackedKeyValue
    assert any(type(event.prev_kv) is PackedKeyValue for event in store._log), "nothing was packed"
    for shared in (False, True):
        heard = []
        watch = client.watch("configmaps", lambda kind, obj: heard.append((kind, obj)), "default",
                             resource_version=made["metadata"]["resourceVersion"], shared=shared)
        clock.settle()
        watch.stop()
        assert [(obj["metadata"]["resourceVersion"], dict(obj["data"])) for _, obj in heard] == written
        assert {kind for kind, _ in heard} == {"MODIFIED"}
        assert all(is_frozen(obj) == shared for _, obj in heard)
    store.compact(int(written[100][0]))
    with pytest.raises(ApiError) as gone:
        client.watch("configmaps", lambda kind, obj: None, "default", resource_version=written[50][0])
    assert gone.value.code == 410 and gone.value.message == f"too old resource version: {written[50][0]} ({written[100][0]})"
