"""Contract stories, every backend: keys, revisions, ranges, deletes and transactions."""
import pytest

from kubelab.store import (Compare, DuplicateKey, EmptyKey, FutureRevisionError, LeaseNotFound,
                           Op, Store)


def test_every_backend_speaks_the_store_interface(store):
    assert isinstance(store, Store)


def test_every_change_moves_the_revision_by_exactly_one(store):
    assert store.revision == 1  # etcd's empty key space starts at revision 1
    assert store.put("/a", "1").revision == 2
    assert store.txn([], [Op.put("/b", "1"), Op.put("/c", "1")]).revision == 3  # one txn, one revision
    assert store.delete("/", prefix=True).revision == 4                         # three keys, one revision
    assert store.delete("/nothing").revision == 4                              # nothing deleted: no move
    assert store.txn([Compare("/a", "version", ">", 5)], [Op.put("/a", "2")]).revision == 4
    assert store.revision == 4


def test_a_key_remembers_when_it_was_created_and_how_often_written(store):
    store.put("/k", "v1")
    store.put("/other", "x")
    store.put("/k", "v2")
    kv = store.get("/k")
    assert (kv.value, kv.create_revision, kv.mod_revision, kv.version) == ("v2", 2, 4, 2)
    store.delete("/k")
    store.put("/k", "again")
    kv = store.get("/k")
    assert (kv.create_revision, kv.version) == (6, 1)  # a deleted key starts over


def test_put_returns_the_previous_value_only_when_asked(store):
    assert store.put("/k", "first", prev_kv=True).prev_kv is None
    assert store.put("/k", "second").prev_kv is None
    previous = store.put("/k", "third", prev_kv=True).prev_kv
    assert (previous.value, previous.version) == ("second", 2)


def test_range_by_key_prefix_and_key_range_in_key_order(store):
    for key in ["/registry/pods/b", "/registry/pods/a", "/registry/podsx", "/registry/services/a"]:
        store.put(key, key.upper())
    assert [kv.key for kv in store.range("/registry/pods/a").kvs] == ["/registry/pods/a"]
    assert [kv.key for kv in store.range("/registry/pods/", prefix=True).kvs] == \
        ["/registry/pods/a", "/registry/pods/b"]
    assert [kv.key for kv in store.range("/registry/pods/b", "/registry/services/a").kvs] == \
        ["/registry/pods/b", "/registry/podsx"]
    assert store.range("\0", "\0").count == 4  # etcd's "the whole key space"
    assert store.range("/missing").kvs == []


def test_limit_keys_only_and_count_only(store):
    for i in range(5):
        store.put(f"/k/{i}", f"value-{i}")
    page = store.range("/k/", prefix=True, limit=2)
    assert [kv.key for kv in page.kvs] == ["/k/0", "/k/1"] and page.count == 5 and page.more
    assert not store.range("/k/", prefix=True, limit=5).more
    keys = store.range("/k/", prefix=True, keys_only=True).kvs
    assert [kv.key for kv in keys] == [f"/k/{i}" for i in range(5)] and {kv.value for kv in keys} == {""}
    counted = store.range("/k/", prefix=True, count_only=True)
    assert counted.count == 5 and counted.kvs == []


def test_reading_at_a_past_revision_sees_the_world_as_it_was(store):
    store.put("/a", "1")   # 2
    store.put("/b", "1")   # 3
    store.put("/a", "2")   # 4
    store.delete("/b")     # 5
    at_three = store.range("/", prefix=True, revision=3)
    assert [(kv.key, kv.value) for kv in at_three.kvs] == [("/a", "1"), ("/b", "1")]
    assert at_three.revision == 5  # the header says how current the store is
    assert [(kv.key, kv.value) for kv in store.range("/", prefix=True).kvs] == [("/a", "2")]
    with pytest.raises(FutureRevisionError, match="etcdserver: mvcc: required revision is a future revision"):
        store.range("/a", revision=99)


def test_delete_a_range_returns_what_it_removed_when_asked(store):
    for key in ["/p/a", "/p/b", "/q/a"]:
        store.put(key, "v")
    deleted = store.delete("/p/", prefix=True, prev_kv=True)
    assert deleted.deleted == 2 and [kv.key for kv in deleted.prev_kvs] == ["/p/a", "/p/b"]
    assert store.delete("/q/a").prev_kvs == []
    assert store.range("\0", "\0").count == 0


def test_compare_and_swap_on_mod_revision_refuses_a_stale_writer(store):
    written = store.put("/counter", "1")
    swapped = store.txn([Compare("/counter", "mod", "=", written.revision)], [Op.put("/counter", "2")])
    assert swapped.succeeded
    stale = store.txn([Compare("/counter", "mod", "=", written.revision)], [Op.put("/counter", "3")],
                      [Op.range("/counter")])
    assert not stale.succeeded and stale.responses[0].kvs[0].value == "2"
    assert store.get("/counter").value == "2"


def test_compares_on_value_version_create_revision_and_lease(store):
    store.put("/k", "v")
    store.put("/k", "w")
    holds = lambda *compare: store.txn([Compare(*compare)], []).succeeded  # noqa: E731
    assert holds("/k", "value", "=", "w") and holds("/k", "value", "!=", "v")
    assert holds("/k", "version", "=", 2) and holds("/k", "version", ">", 1) and holds("/k", "version", "<", 3)
    assert holds("/k", "create", "=", 2) and holds("/k", "mod", "=", 3)
    assert holds("/k", "lease", "=", 0)
    # A missing key: version, create and mod are 0 (create-if-absent), and no value compare holds.
    assert holds("/absent", "create", "=", 0) and holds("/absent", "version", "=", 0)
    assert not holds("/absent", "value", "=", "") and not holds("/absent", "value", "!=", "x")


def test_a_transaction_runs_its_success_or_failure_ops_and_answers_each(store):
    store.put("/config", "old")
    response = store.txn([Compare("/config", "value", "=", "old")],
                         [Op.put("/config", "new", prev_kv=True), Op.delete("/stale"), Op.range("/config")],
                         [Op.put("/never", "x")])
    put, delete, read = response.responses
    assert response.succeeded and response.revision == 3
    assert put.prev_kv.value == "old" and delete.deleted == 0
    assert read.kvs[0].value == "new"  # a range inside a transaction sees its earlier writes
    assert store.get("/never") is None
    failed = store.txn([Compare("/config", "value", "=", "old")], [Op.put("/never", "x")],
                       [Op.put("/fallback", "y"), Op.delete("/config", prev_kv=True)])
    assert not failed.succeeded and failed.revision == 4
    assert store.get("/fallback").value == "y" and store.get("/config") is None
    assert failed.responses[1].prev_kvs[0].value == "new"


def test_a_transaction_may_not_write_one_key_twice(store):
    with pytest.raises(DuplicateKey, match="etcdserver: duplicate key given in txn request"):
        store.txn([], [Op.put("/k", "1"), Op.put("/k", "2")])
    with pytest.raises(DuplicateKey):
        store.txn([], [Op.put("/p/k", "1"), Op.delete("/p/", prefix=True)])
    assert store.revision == 1  # nothing half-written


def test_an_empty_key_or_an_unknown_lease_is_refused(store):
    with pytest.raises(EmptyKey, match="etcdserver: key is not provided"):
        store.put("", "v")
    with pytest.raises(LeaseNotFound, match="etcdserver: requested lease not found"):
        store.put("/k", "v", lease=12345)
    assert store.revision == 1
