"""Stories: the watch cache freezes the object the API server writes, not its bytes parsed back,
and the binding reads the pod from the cache — with nothing observable changed.

The invariant (watch_cache.py, objects/frozen.py): the cached object of a version is exactly
`frozen.loads(stored bytes)`: the same JSON text, the same Python types all the way down."""
import json
import math
import random
from enum import IntEnum

import pytest

from kubelab.apiserver import APIServer, Request
from kubelab.client import ApiError, Client, InProcessTransport
from kubelab.clock import VirtualClock
from kubelab.objects import frozen
from kubelab.store import MemoryStore


def shape(value):
    """The value's JSON text with every node's exact type: equal shapes are equal objects."""
    kind = type(value)
    if kind in (dict, frozen.FrozenDict):
        return (kind.__name__, [(type(key).__name__, key, shape(item)) for key, item in value.items()])
    if kind in (list, frozen.FrozenList):
        return (kind.__name__, [shape(item) for item in value])
    return (kind.__name__, repr(value))


def by_bytes(obj, revision, like=None):
    stored = dict(obj, metadata={k: v for k, v in obj["metadata"].items() if k != "resourceVersion"})
    return frozen.loads(json.dumps(stored, separators=(",", ":")), revision, like)


ODD = [0.1, 1e300, -0.0, 5e-324, 1.0, 2 ** 70, -7, True, False, None, "", "é中\u2028\ud800", "x" * 200,
       {}, [], {"": ""}, [[]], [{}], {"a": {}}, {"k": [1, 1.0, True]}]


def random_value(rng, depth=0):
    roll = rng.random()
    if depth > 4 or roll < 0.4:
        return rng.choice(ODD[:13])
    if roll < 0.7:
        return {rng.choice(["a", "b", "é", "", "metadata", "k" * 70]) + str(rng.randrange(3)): random_value(rng, depth + 1)
                for _ in range(rng.randrange(4))}
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]


def random_object(rng):
    obj = {"apiVersion": "v1", "kind": "Thing",
           "metadata": {"name": "t", "resourceVersion": "3", "labels": random_value(rng, 2)}}
    for key in rng.sample(["spec", "status", "data", "odd", "items"], 3):
        obj[key] = random_value(rng, 1)
    return obj


@pytest.mark.parametrize("seed", range(300))
def test_from_written_equals_parsing_the_bytes_on_random_and_odd_values(seed):
    rng = random.Random(seed)
    before = random_object(rng)
    like = by_bytes(before, "3")
    after = dict(before, metadata=dict(before["metadata"], annotations={"x": rng.choice(ODD)}))
    if rng.random() < 0.5:
        after[rng.choice(list(after)[3:])] = random_value(rng, 1)
    if rng.random() < 0.5:   # parts of the version before, shared as a read-modify-write does
        after["spec"] = like.get("spec", {})
    for like_ in (None, like):
        made = frozen.from_written(after, "9", like_)
        assert shape(made) == shape(by_bytes(after, "9", like_))
        assert json.dumps(made) == json.dumps(by_bytes(after, "9", like_))
        assert made["metadata"]["resourceVersion"] == "9" and list(made["metadata"])[-1] == "resourceVersion"
        assert "resourceVersion" in after["metadata"] and after["metadata"]["resourceVersion"] == "3"


class Small(IntEnum):
    ONE = 1


class Name(str):
    pass


@pytest.mark.parametrize("odd", [(1, 2), {1: "a"}, {"a": (1,)}, Name("n"), Small.ONE, math.nan, math.inf,
                                 {"deep": {"er": {"still": [(1,)]}}}, {"deep": {"er": {1: 2}}}, object()])
def test_what_would_read_back_differently_is_refused_and_nothing_is_shared(odd):
    obj = {"metadata": {"name": "x"}, "spec": {"value": odd}}
    with pytest.raises(frozen.NotJSON):
        frozen.from_written(obj, "2")


def cluster_server(watch_cache=True):
    clock = VirtualClock()
    server = APIServer(MemoryStore(), clock, random.Random(0), watch_cache=watch_cache)
    server.bootstrap()
    for namespace in ("default", "kube-node-lease", "kube-public", "kube-system"):
        server.handle(Request("create", "serviceaccounts", namespace, body={
            "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}))
    return server, Client(InProcessTransport(server), "test")


def test_every_cached_object_of_a_running_cluster_is_its_bytes_parsed():
    from kubelab.cluster import Cluster
    cluster = Cluster(nodes=2)
    cluster.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
                   "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                            "template": {"metadata": {"labels": {"app": "web"}},
                                         "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}})
    cluster.settle()
    server = cluster.apiserver
    checked = set()
    for plural, cache in server.watch_caches.items():
        for key, obj in cache.objects.items():
            kv = server.store.get(key)
            assert shape(obj) == shape(frozen.loads(kv.value, str(kv.mod_revision))), key
            checked.add(plural)
    assert {"pods", "nodes", "replicasets", "deployments", "leases", "services"} <= checked


def test_a_binding_stores_the_same_bytes_with_the_cache_on_or_off():
    stored = []
    for watch_cache in (True, False):
        server, client = cluster_server(watch_cache)
        client.list("pods", "default")   # an informer's list: the pods' watch cache is made
        created = client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                                         "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}})
        client.bind(created, "node-1")
        kv = server.store.get("/registry/pods/default/web")
        stored.append(kv.value)
        if watch_cache:
            cached = server.watch_caches["pods"].objects[kv.key]
            assert shape(cached) == shape(frozen.loads(kv.value, str(kv.mod_revision)))
    assert stored[0] == stored[1]
    assert json.loads(stored[0])["spec"]["nodeName"] == "node-1"


def test_a_write_between_the_bindings_read_and_its_write_is_409():
    server, client = cluster_server()
    client.list("pods", "default")
    client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                           "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}})
    read = server.read_current

    def read_then_someone_writes(resource, namespace, name):
        answer = read(resource, namespace, name)
        client.patch("pods", name, {"metadata": {"labels": {"late": "yes"}}}, namespace)
        return answer
    server.read_current = read_then_someone_writes
    with pytest.raises(ApiError) as error:
        client.bind(client.get("pods", "web"), "node-1")
    assert error.value.code == 409
    server.read_current = read
    client.bind(client.get("pods", "web"), "node-1")
    assert client.get("pods", "web")["spec"]["nodeName"] == "node-1"
    with pytest.raises(ApiError) as error:   # bound once only, read from the cache too
        client.bind(client.get("pods", "web"), "node-2")
    assert error.value.code == 409 and 'already assigned to node "node-1"' in error.value.message
