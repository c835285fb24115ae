"""Stories about the admission plugins' listers: Priority and DefaultStorageClass read the API
server's watch cache (upstream: informer listers), not a store range on every create."""
import random

import pytest

from kubelab.apiserver import APIServer
from kubelab.client import Client, InProcessTransport
from kubelab.clock import VirtualClock
from kubelab.store import MemoryStore

PRIORITY_PREFIX = "/registry/priorityclasses/"
STORAGE_PREFIX = "/registry/storageclasses/"


class RangeCountingStore(MemoryStore):
    """A MemoryStore that remembers the key of every range read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ranged: list[str] = []

    def range(self, key, range_end=None, **options):
        self.ranged.append(key)
        return super().range(key, range_end, **options)

    def ranges_of(self, prefix: str) -> int:
        return sum(key.startswith(prefix) for key in self.ranged)


def cluster_of(watch_cache_on: bool):
    clock, store = VirtualClock(), RangeCountingStore()
    server = APIServer(store, clock, random.Random(0), watch_cache=watch_cache_on)
    server.bootstrap()
    client = Client(InProcessTransport(server), "test")
    client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                      "metadata": {"name": "default", "namespace": "default"}})
    return store, server, client


def pod(name):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def priority_class(name, value, default=False):
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
            "value": value, "globalDefault": default}


def claim(name):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}


def storage_class(name):
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "provisioner": "kubelab.io/hostpath",
            "metadata": {"name": name, "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}}


def test_pod_creates_with_the_watch_cache_range_the_store_for_priorityclasses_once_to_fill_it():
    store, server, client = cluster_of(True)
    for index in range(20):
        client.create("pods", pod(f"p{index}"))
    assert store.ranges_of(PRIORITY_PREFIX) == 1   # the cache's first list, then memory
    store.ranged.clear()
    for index in range(20, 40):
        client.create("pods", pod(f"p{index}"))
    assert store.ranges_of(PRIORITY_PREFIX) == 0
    assert client.get("pods", "p39")["spec"]["priority"] == 0


def test_without_the_watch_cache_every_pod_create_reads_the_store():
    store, server, client = cluster_of(False)
    for index in range(20):
        client.create("pods", pod(f"p{index}"))
    assert store.ranges_of(PRIORITY_PREFIX) == 20


@pytest.mark.parametrize("cache_on", [True, False])
def test_a_default_priorityclass_created_just_before_a_pod_is_seen_by_its_admission(cache_on):
    store, server, client = cluster_of(cache_on)
    client.create("pods", pod("before"))   # fills the cache (when on)
    client.create("priorityclasses", priority_class("everyday", 1000, default=True))
    created = client.create("pods", pod("after"))   # no clock step between: the cache is fed in the write
    assert created["spec"]["priority"] == 1000
    assert client.get("pods", "before")["spec"]["priority"] == 0


@pytest.mark.parametrize("cache_on", [True, False])
def test_a_second_global_default_is_still_refused_and_the_cached_class_is_untouched(cache_on):
    store, server, client = cluster_of(cache_on)
    client.create("priorityclasses", priority_class("everyday", 1000, default=True))
    with pytest.raises(Exception, match="PriorityClass everyday is already marked as default"):
        client.create("priorityclasses", priority_class("other", 5, default=True))
    client.create("pods", pod("p"))
    if cache_on:
        cached = server.watch_caches["priorityclasses"].objects[PRIORITY_PREFIX + "everyday"]
        assert cached["value"] == 1000 and "spec" not in cached   # admission did not write into it


def test_default_storage_class_reads_the_cache_too():
    store, server, client = cluster_of(True)
    client.create("storageclasses", storage_class("standard"))
    assert client.create("persistentvolumeclaims", claim("a"))["spec"]["storageClassName"] == "standard"
    store.ranged.clear()
    server.clock.run(1)
    client.create("storageclasses", storage_class("fast"))   # a second later: the newest default wins
    assert client.create("persistentvolumeclaims", claim("b"))["spec"]["storageClassName"] == "fast"
    assert store.ranges_of(STORAGE_PREFIX) == 0


def test_a_store_that_calls_back_later_is_read_directly():
    store, server, client = cluster_of(True)
    store.synchronous_watch = False   # as the etcd store: no cache, the plugins range the store
    for index in range(3):
        client.create("pods", pod(f"p{index}"))
    assert store.ranges_of(PRIORITY_PREFIX) == 3 and "priorityclasses" not in server.watch_caches
