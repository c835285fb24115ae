"""Stories about the store's watcher index: a write reaches only the watchers that want it."""
from kubelab.store import MemoryStore


def test_a_write_is_offered_only_to_the_watchers_whose_range_holds_its_key():
    store = MemoryStore()
    heard: dict[str, list[str]] = {}

    def listen(name):
        return lambda response: heard.setdefault(name, []).extend(e.kv.key for e in response.events)
    for index in range(200):   # a kubelet-sized crowd watching their own keys
        store.watch(f"/registry/leases/node-{index}", listen(f"lease-{index}"))
    store.watch("/registry/pods/", listen("all pods"), prefix=True)
    store.watch("/registry/pods/default/", listen("default pods"), prefix=True)
    store.watch("/registry/pods/default/web", listen("web*"), prefix=True)   # not at a "/"
    store.watch("/registry/a", listen("a..p"), range_end="/registry/p")       # any other range
    offered = store.watchers.watching(
        [type("E", (), {"kv": type("KV", (), {"key": "/registry/pods/default/web-1"})})()])
    assert sorted(w.key for w in offered) == ["/registry/a", "/registry/pods/", "/registry/pods/default/",
                                              "/registry/pods/default/web"]
    store.put("/registry/pods/default/web-1", "{}")
    store.put("/registry/pods/other/db", "{}")
    store.put("/registry/leases/node-7", "{}")
    assert heard == {"all pods": ["/registry/pods/default/web-1", "/registry/pods/other/db"],
                     "default pods": ["/registry/pods/default/web-1"],
                     "web*": ["/registry/pods/default/web-1"],
                     "a..p": ["/registry/leases/node-7"],   # pods sort after p
                     "lease-7": ["/registry/leases/node-7"]}


def test_watchers_of_one_write_hear_it_in_the_order_they_were_made():
    store = MemoryStore()
    order = []
    store.watch("/registry/pods/default/", lambda r: order.append("namespace"), prefix=True)
    store.watch("/registry/pods/default/a", lambda r: order.append("key"))
    store.watch("/registry/", lambda r: order.append("everything"), prefix=True)
    store.watch("/registry/pods/", lambda r: order.append("pods"), prefix=True)
    store.put("/registry/pods/default/a", "{}")
    assert order == ["namespace", "key", "everything", "pods"]


def test_a_cancelled_watcher_leaves_the_index():
    store = MemoryStore()
    heard = []
    watcher = store.watch("/registry/pods/", heard.append, prefix=True)
    store.put("/registry/pods/default/a", "1")
    watcher.cancel()
    store.put("/registry/pods/default/a", "2")
    assert len(heard) == 1
    assert store.watchers._by_prefix == {} and store.watchers._watchers == {}
