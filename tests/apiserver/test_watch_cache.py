"""Stories about the API server's watch cache: one store watch per resource, lists and watches
from memory, each change decoded once and heard only by the watches it may concern."""
import random

import pytest

from kubelab.apiserver import APIServer
from kubelab.apiserver import watch_cache
from kubelab.client import ApiError, Client, InProcessTransport
from kubelab.clock import VirtualClock
from kubelab.store import MemoryStore


def pod(name, app="web", node="", namespace="default"):
    spec = {"containers": [{"name": "c", "image": "nginx"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": {"app": app}}, "spec": spec}


def cluster_of(watch_cache_on: bool):
    clock, store = VirtualClock(), MemoryStore()
    server = APIServer(store, clock, random.Random(0), watch_cache=watch_cache_on)
    server.bootstrap()
    client = Client(InProcessTransport(server), "test")
    for namespace in ("default", "other"):
        if namespace != "default":
            client.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                          "metadata": {"name": "default", "namespace": namespace}})
    return clock, store, server, client


def story(client, clock):
    """The same writes and reads, for the cache on and off: what every reader saw."""
    seen = []
    client.watch("pods", lambda kind, obj: seen.append(("all", kind, obj["metadata"]["name"],
                                                        obj["metadata"]["resourceVersion"])))
    client.watch("pods", lambda kind, obj: seen.append(("node-2", kind, obj["metadata"]["name"])),
                 field_selector="spec.nodeName=node-2")
    client.watch("pods", lambda kind, obj: seen.append(("other/db", kind, obj["metadata"]["name"])),
                 "other", label_selector="app=db")
    client.create("pods", pod("a", node="node-1"))
    client.create("pods", pod("b", node="node-2"))
    client.create("pods", pod("c", app="db", namespace="other"))
    client.patch("pods", "c", {"metadata": {"labels": {"app": "web"}}}, "other")
    client.delete("pods", "b")
    clock.run(0)
    lists = [client.list("pods"), client.list("pods", "other"), client.list("pods", label_selector="app=web"),
             client.list("pods", field_selector="spec.nodeName=node-1"),
             client.list("pods", limit=1)]
    return seen, lists


def test_the_cache_changes_nothing_a_reader_sees():
    on, off = cluster_of(True), cluster_of(False)
    assert story(on[3], on[0]) == story(off[3], off[0])
    # pods, and what admission read as each pod was created (as upstream's listers): the
    # namespace (NamespaceLifecycle), its service account (ServiceAccount), PriorityClasses
    assert set(on[2].watch_caches) == {"pods", "namespaces", "serviceaccounts", "priorityclasses"}
    assert off[2].watch_caches == {}


def test_a_pod_change_reaches_only_its_nodes_watch_and_the_unindexed_ones():
    clock, store, server, client = cluster_of(True)
    heard = {}
    for index in range(100):   # a hundred kubelets
        node = f"node-{index}"
        client.watch("pods", lambda kind, obj, node=node: heard.setdefault(node, []).append(kind),
                     field_selector=f"spec.nodeName={node}")
    cache = server.watch_caches["pods"]
    written = client.create("pods", pod("a", node="node-7"))
    change = cache.events[-1]
    assert len(cache._targets(change)) == 1   # not a hundred
    client.patch("pods", "a", {"metadata": {"labels": {"x": "1"}}})
    clock.run(0)
    assert heard == {"node-7": ["ADDED", "MODIFIED"]}
    assert written["metadata"]["resourceVersion"] == change.obj["metadata"]["resourceVersion"]


def test_a_change_is_decoded_once_and_each_in_process_watcher_gets_its_own_copy():
    clock, store, server, client = cluster_of(True)
    got = []
    for _ in range(3):
        client.watch("pods", lambda kind, obj: got.append(obj), "default")
    client.create("pods", pod("a"))
    clock.run(0)
    first, second, third = got
    assert first == second == third and first is not second
    first["metadata"]["labels"]["app"] = "mutated by a careless receiver"
    cached = server.watch_caches["pods"].objects["/registry/pods/default/a"]
    assert cached["metadata"]["labels"]["app"] == "web" and second["metadata"]["labels"]["app"] == "web"
    assert client.get("pods", "a")["metadata"]["labels"]["app"] == "web"
    listed = client.list("pods", "default")["items"][0]
    listed["spec"]["nodeName"] = "mutated"
    assert "nodeName" not in cached["spec"]


def test_a_watch_older_than_the_ring_is_served_by_the_store_and_compaction_is_still_410():
    clock, store, server, client = cluster_of(True)
    start = client.list("pods", "default")["metadata"]["resourceVersion"]
    server.watch_caches["pods"].capacity = 2
    for index in range(5):
        client.create("pods", pod(f"p{index}"))
    seen = []
    client.watch("pods", lambda kind, obj: seen.append(obj["metadata"]["name"]), "default",
                 resource_version=start)
    clock.run(0)
    assert seen == ["p0", "p1", "p2", "p3", "p4"]   # every change, from the store's history
    recent = []
    client.watch("pods", lambda kind, obj: recent.append(obj["metadata"]["name"]), "default",
                 resource_version=str(store.revision - 1))
    clock.run(0)
    assert recent == ["p4"]
    store.compact(store.revision)
    with pytest.raises(ApiError) as error:
        client.watch("pods", lambda *_: None, "default", resource_version=start)
    assert error.value.code == 410


def test_when_the_store_watch_under_the_cache_breaks_every_watch_it_serves_ends_and_the_cache_is_rebuilt():
    clock, store, server, client = cluster_of(True)
    client.create("pods", pod("a"))
    seen = []
    client.watch("pods", lambda kind, obj: seen.append((kind, obj.get("reason"))), "default")
    cache = server.watch_caches["pods"]
    watcher = cache._store_watch
    watcher.callback(type("Response", (), {"canceled": True, "compact_revision": 0,
                                           "cancel_reason": "store restarted", "events": []})())
    clock.run(0)
    assert seen == [("ADDED", None), ("ERROR", "InternalError")]
    assert "pods" not in server.watch_caches
    assert [p["metadata"]["name"] for p in client.list("pods", "default")["items"]] == ["a"]
    assert server.watch_caches["pods"] is not cache


def test_events_are_not_cached_as_upstream_and_a_store_that_calls_back_later_gets_no_cache():
    clock, store, server, client = cluster_of(True)
    client.list("events")
    assert "events" not in server.watch_caches
    store.synchronous_watch = False
    assert watch_cache.cache_for(server, server._resource(type("R", (), {"resource": "configmaps",
                                                                           "subresource": "", "namespace": ""})())) is None


def node(name):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "spec": {}, "status": {}}


def test_a_kubelets_list_and_watch_of_its_own_node_read_one_key_and_hear_one_node():
    clock, store, server, client = cluster_of(True)
    for index in range(50):
        client.create("nodes", node(f"node-{index}"))
    heard = {}
    for index in range(50):   # fifty kubelets, each with its node lister (fieldSelector metadata.name)
        name = f"node-{index}"
        client.watch("nodes", lambda kind, obj, name=name: heard.setdefault(name, []).append(
            (kind, obj["metadata"]["name"])), field_selector=f"metadata.name={name}")
    clock.run(0)
    assert heard == {f"node-{index}": [("ADDED", f"node-{index}")] for index in range(50)}   # each its own
    heard.clear()
    cache = server.watch_caches["nodes"]
    scanned = []
    assert cache.list(None, lambda obj: scanned.append(obj) or True, "node-7") == [cache.objects["/registry/minions/node-7"]]
    assert len(scanned) == 1   # one key read, not fifty
    assert [n["metadata"]["name"] for n in client.list("nodes", field_selector="metadata.name=node-7")["items"]] \
        == ["node-7"]
    assert client.list("nodes", field_selector="metadata.name=node-99")["items"] == []
    client.patch("nodes", "node-7", {"metadata": {"labels": {"x": "1"}}})
    assert len(cache._targets(cache.events[-1])) == 1   # upstream's NodeNameTriggerFunc: not fifty
    clock.run(0)
    assert heard == {"node-7": [("MODIFIED", "node-7")]}
