"""Stories about the informer's indexes: they always say what a full scan of the cache says."""
import random

import pytest

from kubelab import Cluster
from kubelab.client import ApiError
from kubelab.client.informer import Informer
from kubelab.controllers.replicaset import CONTROLLER_UID_INDEX, controller_uid_index
from kubelab.objects import meta

NAMESPACES = ("default", "kube-system")
OWNERS = ("uid-a", "uid-b", "uid-c")


def owned(uid):
    return [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": uid, "uid": uid,
             "controller": True, "blockOwnerDeletion": True}]


def scanned(informer, function):
    """The index a full scan of the cache builds: value -> keys."""
    index = {}
    for key, obj in informer.cache.items():
        for value in function(obj):
            index.setdefault(value, set()).add(key)
    return index


def agrees(informer):
    assert informer.indices["namespace"] == scanned(informer, lambda obj: [meta.namespace(obj)])
    assert informer.indices[CONTROLLER_UID_INDEX] == scanned(informer, controller_uid_index)
    everything = informer.list()
    for namespace in (*NAMESPACES, "nowhere"):
        assert informer.list(namespace) == [p for p in everything if meta.namespace(p) == namespace]
        assert informer.list(namespace, "app=a") == [p for p in everything if meta.namespace(p) == namespace
                                                      and meta.labels(p).get("app") == "a"]
    for uid in (*OWNERS, "uid-none"):
        assert informer.by_index(CONTROLLER_UID_INDEX, uid) == [
            p for p in everything if (meta.controller_of(p) or {}).get("uid") == uid]
    assert informer.by_index(CONTROLLER_UID_INDEX, "orphan/default", "uid-a") == [
        p for p in everything if (meta.controller_of(p) or {}).get("uid") == "uid-a"
        or (meta.controller_of(p) is None and meta.namespace(p) == "default")]


def test_indexes_agree_with_a_full_scan_through_random_adds_updates_deletes_and_relists(client, clock, factory):
    rng = random.Random(13)
    informer = factory.informer("pods")
    informer.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
    factory.start()
    names = [f"p{i}" for i in range(12)]
    for step in range(400):
        namespace, name = rng.choice(NAMESPACES), rng.choice(names)
        action = rng.random()
        try:
            if action < 0.4:
                metadata = {"name": name, "labels": {"app": rng.choice("ab")}}
                if rng.random() < 0.6:
                    metadata["ownerReferences"] = owned(rng.choice(OWNERS))
                client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                                       "spec": {"containers": [{"name": "c", "image": "nginx"}]}}, namespace)
            elif action < 0.75:   # change labels and owner: an orphan adopted, a pod released
                references = owned(rng.choice(OWNERS)) if rng.random() < 0.5 else None
                client.patch("pods", name, {"metadata": {"labels": {"app": rng.choice("ab")},
                                                         "ownerReferences": references}}, namespace)
            elif action < 0.95:
                client.delete("pods", name, namespace)
            else:                 # the watch ends: changes made meanwhile arrive through a relist
                informer.stop()
                for _ in range(3):
                    try:
                        client.delete("pods", rng.choice(names), rng.choice(NAMESPACES))
                    except ApiError:
                        pass
                informer.start()
        except ApiError as error:
            assert error.code in (404, 409)
        clock.run(0)
        agrees(informer)
    assert len(informer.cache) > 5 and informer.indices[CONTROLLER_UID_INDEX].get("orphan/default")


def test_an_index_added_late_is_built_over_what_the_cache_already_holds(client, clock, factory):
    informer = factory.informer("pods")
    factory.start()
    for i, uid in enumerate(("uid-a", "uid-a", None)):
        metadata = {"name": f"p{i}", **({"ownerReferences": owned(uid)} if uid else {})}
        client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                               "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    clock.run(0)
    informer.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
    assert [meta.name(p) for p in informer.by_index(CONTROLLER_UID_INDEX, "uid-a")] == ["p0", "p1"]
    assert [meta.name(p) for p in informer.by_index(CONTROLLER_UID_INDEX, "orphan/default")] == ["p2"]
    agrees(informer)


def test_an_informer_without_indexes_gives_the_same_answers_by_scanning_its_whole_cache(client, clock, factory):
    indexed = factory.informer("pods")
    indexed.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
    scanning = Informer(client, "pods", clock, indexed=False)
    scanning.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
    factory.start()
    scanning.start()
    for i in range(9):   # three per namespace-and-owner, three orphans in default
        namespace, uid = NAMESPACES[i % 2], (OWNERS[i % 3] if i < 6 else None)
        metadata = {"name": f"p{i}", "labels": {"app": "ab"[i % 2]}, **({"ownerReferences": owned(uid)} if uid else {})}
        client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                               "spec": {"containers": [{"name": "c", "image": "nginx"}]}}, namespace)
    clock.run(0)
    assert len(indexed.cache) == len(scanning.cache) == 9
    for read in (lambda i: i.list("default"), lambda i: i.list("kube-system", "app=b"),
                 lambda i: i.by_index(CONTROLLER_UID_INDEX, "uid-a"),
                 lambda i: i.by_index(CONTROLLER_UID_INDEX, "orphan/default", "uid-b")):
        before = (indexed.scanned, scanning.scanned)
        answer = read(indexed)
        assert read(scanning) == answer
        # the index looks only at what it returns (before any label filter); the scan at all nine
        assert scanning.scanned - before[1] == 9
        assert indexed.scanned - before[0] < 9


def test_a_cluster_without_informer_indexes_runs_the_same_deployment_scanning_more():
    def run(indexes):
        cluster = Cluster(nodes=2, seed=0, informer_indexes=indexes)
        cluster.apply([{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": app},
                        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": app}},
                                 "template": {"metadata": {"labels": {"app": app}},
                                              "spec": {"containers": [{"name": app, "image": "nginx:1.27"}]}}}}
                       for app in ("web", "api")])
        cluster.settle()
        pods = cluster.controller_manager.factory.informer("pods")
        assert pods.indexed is indexes
        return sorted(meta.name(p) for p in cluster.list("pods", "default")), cluster.store.revision, pods.scanned
    names, revision, scanned = run(True)
    without = run(False)
    assert without[:2] == (names, revision) and len(names) == 4
    assert without[2] > scanned   # each ReplicaSet sync looks at the other's pods too


def test_informer_indexes_off_is_refused_where_a_standby_would_build_indexed_informers():
    with pytest.raises(ValueError, match="one controller manager and one scheduler"):
        Cluster(nodes=1, informer_indexes=False, controller_managers=2)
