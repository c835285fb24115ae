"""Stories about the informer's indexes: they always say what a full scan of the cache says."""
import random

from kubelab.client import ApiError
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
