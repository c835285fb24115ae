"""Contract stories, every backend: watches — ordered, no duplicates, no gaps, until cancelled.

Backends deliver differently (memory and file inside the write, etcd from a reader thread),
so every story calls `store.sync_watchers()` (through the recorder) before it looks.
"""


def test_a_prefix_watch_hears_every_change_under_the_prefix_in_order(store, recorder):
    seen = recorder(store)
    store.watch("/p/", seen, prefix=True)
    store.put("/p/a", "1")         # 2
    store.put("/q/ignored", "x")   # 3: outside the prefix
    store.put("/p/a", "2")         # 4
    store.delete("/p/a")           # 5
    assert seen.events() == [("PUT", "/p/a", "1", 2), ("PUT", "/p/a", "2", 4), ("DELETE", "/p/a", "", 5)]


def test_a_key_watch_hears_only_that_key(store, recorder):
    seen = recorder(store)
    store.watch("/p/a", seen)
    store.put("/p/ab", "no")
    store.put("/p/a", "yes")
    assert seen.events() == [("PUT", "/p/a", "yes", 3)]


def test_a_watch_from_a_past_revision_replays_then_follows_without_gaps(store, recorder):
    store.put("/p/a", "1")   # 2
    store.put("/p/b", "1")   # 3
    seen = recorder(store)
    store.watch("/p/", seen, prefix=True, start_revision=3)
    store.delete("/p/a")     # 4
    assert seen.events() == [("PUT", "/p/b", "1", 3), ("DELETE", "/p/a", "", 4)]


def test_a_watch_from_a_future_revision_starts_there(store, recorder):
    seen = recorder(store)
    store.watch("/k", seen, start_revision=4)
    for value in "abcd":
        store.put("/k", value)  # revisions 2..5
    assert [event[3] for event in seen.events()] == [4, 5]


def test_a_transaction_arrives_as_one_revision_in_op_order(store, recorder):
    seen = recorder(store)
    store.watch("/", seen, prefix=True)
    store.put("/x", "0")
    from kubelab.store import Op
    store.txn([], [Op.put("/b", "1"), Op.delete("/x"), Op.put("/a", "1")])
    assert seen.events()[1:] == [("PUT", "/b", "1", 3), ("DELETE", "/x", "", 3), ("PUT", "/a", "1", 3)]
    assert [r.events[0].kv.mod_revision for r in seen.responses if r.events][-1] == 3


def test_previous_values_come_only_when_asked_for(store):
    with_prev, without = [], []
    store.watch("/k", with_prev.append, prev_kv=True)
    store.watch("/k", without.append)
    store.put("/k", "1")
    store.put("/k", "2")
    store.delete("/k")
    store.sync_watchers()
    previous = [e.prev_kv.value if e.prev_kv else None for r in with_prev for e in r.events]
    assert previous == [None, "1", "2"]
    assert all(e.prev_kv is None for r in without for e in r.events)


def test_a_cancelled_watch_hears_nothing_more(store, recorder):
    seen = recorder(store)
    watcher = store.watch("/p/", seen, prefix=True)
    store.put("/p/a", "1")
    store.sync_watchers()
    watcher.cancel()
    store.put("/p/b", "1")
    assert seen.events() == [("PUT", "/p/a", "1", 2)]


def test_many_writes_arrive_once_each_in_revision_order(store, recorder):
    seen = recorder(store)
    store.watch("/", seen, prefix=True)
    for i in range(200):
        store.put(f"/k/{i % 7}", str(i))
    revisions = [event[3] for event in seen.events()]
    assert revisions == list(range(2, 202))  # no duplicate, no gap


def test_a_progress_notification_says_how_current_a_quiet_watcher_is(store):
    responses = []
    watcher = store.watch("/quiet/", responses.append, prefix=True, progress_notify=True)
    store.put("/elsewhere", "x")  # 2: not for this watcher
    store.sync_watchers()
    watcher.request_progress()
    store.sync_watchers()
    progress = [r for r in responses if r.is_progress_notify]
    assert progress and progress[-1].revision >= 2 and progress[-1].events == []
