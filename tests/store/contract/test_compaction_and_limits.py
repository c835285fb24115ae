"""Contract stories, every backend: compaction, and etcd's request-size and space limits."""
import pytest

from kubelab.store import CompactedError, FutureRevisionError, NoSpace, Op, RequestTooLarge

MiB = 1024 * 1024


def test_after_compaction_older_reads_fail_naming_both_revisions(store):
    for i in range(5):
        store.put("/a", str(i))  # revisions 2..6
    store.compact(4)
    assert store.compacted_revision == 4
    with pytest.raises(CompactedError) as error:
        store.range("/a", revision=3)
    assert str(error.value) == ("etcdserver: mvcc: required revision has been compacted "
                                "(requested 3, compacted 4)")
    assert (error.value.requested, error.value.compacted) == (3, 4)
    assert store.range("/a", revision=4).kvs[0].value == "2"  # the compacted revision itself stays
    assert store.range("/a", revision=5).kvs[0].value == "3"


def test_a_watch_from_before_the_compacted_revision_fails_and_one_after_it_works(store, recorder):
    for i in range(5):
        store.put("/a", str(i))  # revisions 2..6
    store.compact(4)
    with pytest.raises(CompactedError) as error:
        store.watch("/a", lambda response: None, start_revision=2)
    assert "(requested 2, compacted 4)" in str(error.value)
    seen = recorder(store)
    store.watch("/a", seen, start_revision=5)
    assert [event[3] for event in seen.events()] == [5, 6]


def test_compaction_only_moves_forward_and_not_past_now(store):
    store.put("/a", "1")
    store.put("/a", "2")
    store.compact(3)
    with pytest.raises(CompactedError):
        store.compact(2)
    with pytest.raises(FutureRevisionError):
        store.compact(10)


def test_a_request_over_one_and_a_half_mebibytes_is_too_large(store):
    with pytest.raises(RequestTooLarge) as error:
        store.put("/big", "x" * (MiB + MiB // 2 + 100 * 1024))
    assert str(error.value) == "etcdserver: request is too large"
    store.put("/fits", "x" * MiB)  # a mebibyte is fine
    with pytest.raises(RequestTooLarge):  # a transaction is one request: its ops add up
        store.txn([], [Op.put("/one", "x" * MiB), Op.put("/two", "x" * MiB)])
    assert store.get("/big") is None and store.get("/one") is None


def test_the_request_limit_is_configurable(open_store):
    store = open_store(max_request_bytes=4096)
    store.put("/small", "x" * 1000)
    with pytest.raises(RequestTooLarge):
        store.put("/not-so-small", "x" * 8192)


def test_a_full_store_refuses_writes_with_database_space_exceeded_but_still_reads_and_deletes(open_store):
    store = open_store(quota_backend_bytes=2 * MiB)
    with pytest.raises(NoSpace) as error:
        for i in range(200):
            store.put(f"/fill/{i}", "x" * (64 * 1024))
    assert str(error.value) == "etcdserver: mvcc: database space exceeded"
    assert store.range("/fill/", prefix=True, count_only=True).count > 0
    assert store.delete("/fill/", prefix=True).deleted > 0
