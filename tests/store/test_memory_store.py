"""Stories about the memory store's etcd semantics: revisions, ranges, transactions, watches.

The contract suite (test_contract.py) tells the same stories to every backend; these stay
here as the first chapter a reader meets, on the default backend."""
import pytest

from kubelab.store import CompactedError, Compare, MemoryStore, Op


def test_every_write_moves_the_one_global_revision():
    store = MemoryStore()
    first = store.put("/registry/pods/default/a", "1")
    second = store.put("/registry/pods/default/b", "2")
    assert (first.revision, second.revision) == (2, 3)
    assert store.revision == 3


def test_a_key_remembers_its_create_revision_mod_revision_and_version():
    store = MemoryStore()
    store.put("k", "v1")
    store.put("other", "x")
    store.put("k", "v2")
    kv = store.get("k")
    assert (kv.create_revision, kv.mod_revision, kv.version) == (2, 4, 2)


def test_range_by_prefix_returns_keys_in_order_and_only_under_the_prefix():
    store = MemoryStore()
    for key in ["/registry/pods/b", "/registry/pods/a", "/registry/podsx", "/registry/services/a"]:
        store.put(key, key)
    listed = store.range("/registry/pods/", prefix=True)
    assert [kv.key for kv in listed.kvs] == ["/registry/pods/a", "/registry/pods/b"]
    assert listed.count == 2


def test_range_with_limit_still_counts_everything():
    store = MemoryStore()
    for i in range(5):
        store.put(f"/k/{i}", "v")
    listed = store.range("/k/", prefix=True, limit=2)
    assert len(listed.kvs) == 2 and listed.count == 5 and listed.more


def test_reading_at_a_past_revision_sees_the_world_as_it_was():
    store = MemoryStore()
    store.put("/a", "1")           # rev 2
    store.put("/b", "1")           # rev 3
    store.put("/a", "2")           # rev 4
    store.delete("/b")             # rev 5
    at_three = store.range("/", prefix=True, revision=3).kvs
    assert [(kv.key, kv.value) for kv in at_three] == [("/a", "1"), ("/b", "1")]
    now = store.range("/", prefix=True).kvs
    assert [(kv.key, kv.value) for kv in now] == [("/a", "2")]


def test_compare_and_swap_refuses_a_writer_with_a_stale_mod_revision():
    store = MemoryStore()
    written = store.put("/counter", "1")
    swapped = store.txn([Compare("/counter", "mod", "=", written.revision)], [Op.put("/counter", "2")])
    assert swapped.succeeded
    stale = store.txn([Compare("/counter", "mod", "=", written.revision)], [Op.put("/counter", "3")],
                      [Op.range("/counter")])
    assert not stale.succeeded
    assert stale.responses[0].kvs[0].value == "2"  # the failure branch read what is there
    assert store.get("/counter").value == "2"


def test_create_only_if_absent_with_create_revision_zero():
    store = MemoryStore()
    assert store.txn([Compare("/x", "create", "=", 0)], [Op.put("/x", "a")]).succeeded
    assert not store.txn([Compare("/x", "create", "=", 0)], [Op.put("/x", "b")]).succeeded
    assert store.get("/x").value == "a"


def test_a_failed_transaction_does_not_move_the_revision():
    store = MemoryStore()
    store.put("/x", "a")
    before = store.revision
    store.txn([Compare("/x", "value", "=", "nope")], [Op.put("/x", "b")])
    assert store.revision == before


def test_watch_from_a_past_revision_replays_then_follows_in_order_without_gaps():
    store = MemoryStore()
    store.put("/p/a", "1")   # 2
    store.put("/p/b", "1")   # 3
    seen = []
    store.watch("/p/", lambda response: seen.extend((e.type, e.kv.key, e.kv.mod_revision)
                                                    for e in response.events),
                prefix=True, start_revision=3)
    store.put("/q/ignored", "x")  # 4: outside the prefix
    store.delete("/p/a")          # 5
    assert seen == [("PUT", "/p/b", 3), ("DELETE", "/p/a", 5)]


def test_a_cancelled_watch_hears_nothing_more():
    store = MemoryStore()
    seen = []
    watcher = store.watch("/p/", seen.append, prefix=True)
    watcher.cancel()
    store.put("/p/a", "1")
    assert seen == []


def test_after_compaction_old_revisions_are_gone_with_both_revisions_named():
    store = MemoryStore()
    for i in range(5):
        store.put("/a", str(i))
    store.compact(4)
    with pytest.raises(CompactedError) as error:
        store.range("/a", revision=3)
    assert "compacted" in str(error.value) and "3" in str(error.value) and "4" in str(error.value)
    with pytest.raises(CompactedError):
        store.watch("/a", lambda response: None, start_revision=2)


# -- the memory store's own stories (the contract suite covers what every backend shares) -------
from kubelab.clock import VirtualClock  # noqa: E402
from kubelab.store import NoSpace  # noqa: E402


def test_compaction_frees_the_space_old_versions_held():
    store = MemoryStore(quota_backend_bytes=10_000)
    for i in range(9):
        store.put("/big", str(i) * 1000)   # nine versions of one key: 9 kB held
    with pytest.raises(NoSpace):
        store.put("/big", "x" * 1000)
    store.compact(store.revision)          # only the newest version stays
    assert store.status().size < 1100
    store.put("/big", "x" * 1000)


def test_a_watch_must_start_after_the_compacted_revision():
    # etcd lets a watch start *at* the compacted revision, then cannot replay the deletions
    # made at it; kubelab refuses, so that a watch that starts never has a gap.
    store = MemoryStore()
    for i in range(3):
        store.put("/a", str(i))
    store.compact(3)
    with pytest.raises(CompactedError):
        store.watch("/a", lambda response: None, start_revision=3)
    store.watch("/a", lambda response: None, start_revision=4)


def test_a_quiet_progress_watcher_hears_the_revision_every_ten_minutes_of_virtual_time():
    clock = VirtualClock()
    store = MemoryStore(clock)
    heard = []
    store.watch("/quiet/", lambda response: heard.append((clock.now(), response.revision, response.events)),
                prefix=True, progress_notify=True)
    store.put("/elsewhere", "x")
    assert clock.settle() == 0  # progress ticks are daemon timers: nothing to wait for
    clock.run(1200)
    start = clock.now() - 1200
    assert heard == [(start + 600, 2, []), (start + 1200, 2, [])]


def test_a_callback_that_writes_does_not_make_other_watchers_hear_revisions_out_of_order():
    store = MemoryStore()
    order = []
    store.watch("/", lambda response: store.put("/echo", "x") if response.events[0].kv.key == "/first" else None,
                prefix=True)
    store.watch("/", lambda response: order.extend(e.kv.mod_revision for e in response.events), prefix=True)
    store.put("/first", "1")
    assert order == [2, 3]


def test_without_a_clock_no_time_passes_so_a_lease_ends_only_when_revoked():
    store = MemoryStore()
    lease = store.grant(1)
    store.put("/k", "v", lease=lease.id)
    assert store.time_to_live(lease.id).ttl == 1
    store.revoke(lease.id)
    assert store.get("/k") is None
