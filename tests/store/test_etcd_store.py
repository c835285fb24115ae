"""Stories about the etcd backend itself: the gateway's encoding, etcd's errors in our classes,
and watches delivered by reader threads. (What every backend must do is the contract suite's.)

These run against a real etcd-server (tests/store/conftest.py starts one per story). Waiting
here is on real threads and a real process, so it is bounded by timeouts, never by sleeps.
"""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from kubelab.store import (CompactedError, Compare, DuplicateKey, EmptyKey, FutureRevisionError,
                           LeaseExists, LeaseNotFound, NoSpace, Op, RequestTooLarge, StoreError)
from kubelab.store.etcd import EtcdStore, compare_request, op_request
from kubelab.store.etcd_gateway import Unreachable, decode, encode, key_value
from kubelab.store.etcd_process import free_ports


class Recorder:
    """A watch callback that remembers what it heard, and in which thread."""

    def __init__(self):
        self.responses, self.threads = [], set()

    def __call__(self, response):
        self.threads.add(threading.get_ident())
        self.responses.append(response)

    def events(self):
        return [(event.type, event.kv.key, event.kv.mod_revision)
                for response in self.responses for event in response.events]


# -- the gateway's JSON -----------------------------------------------------------------------
def test_keys_and_values_travel_as_base64_and_int64s_as_strings():
    assert encode("foo") == "Zm9v" and decode("Zm9v") == "foo"
    put = op_request(Op.put("/registry/pods/default/web", '{"kind":"Pod"}', lease=7))
    assert put == {"key": encode("/registry/pods/default/web"), "value": encode('{"kind":"Pod"}'),
                   "lease": "7"}
    assert compare_request(Compare("/a", "mod", "=", 42)) == {
        "key": "L2E=", "target": "MOD", "result": "EQUAL", "mod_revision": "42"}


def test_fields_etcd_leaves_out_are_zero():
    # A deleted key's tombstone, as etcd sends it in a watch event: only key and mod_revision.
    kv = key_value({"key": "L2E=", "mod_revision": "9"})
    assert (kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version) == ("/a", "", 0, 9, 0)


def test_a_range_over_the_whole_key_space_starts_at_the_zero_byte():
    # etcd refuses an empty key; etcdctl's `get "" --prefix` sends key "\0", range_end "\0".
    assert op_request(Op.range("", prefix=True)) == {"key": "AA==", "range_end": "AA=="}


def test_text_that_is_not_ascii_round_trips_through_a_real_etcd(etcd_store):
    etcd_store.put("/registry/configmaps/default/grüße", "日本語 ✓")
    assert etcd_store.get("/registry/configmaps/default/grüße").value == "日本語 ✓"
    everything = etcd_store.range("", prefix=True)
    assert [kv.key for kv in everything.kvs] == ["/registry/configmaps/default/grüße"]


def test_a_put_answers_with_etcds_revision_and_the_value_it_replaced(etcd_store):
    assert etcd_store.revision == 1            # a fresh etcd, like MemoryStore()
    first = etcd_store.put("/a", "1")
    second = etcd_store.put("/a", "2", prev_kv=True)
    assert (first.revision, second.revision) == (2, 3)
    assert (second.prev_kv.value, second.prev_kv.mod_revision, second.prev_kv.version) == ("1", 2, 1)


# -- etcd's errors, in our classes and etcd's words ---------------------------------------------
def test_reading_below_the_compaction_names_both_revisions(etcd_store):
    for value in "abcde":
        etcd_store.put("/a", value)            # revisions 2..6
    etcd_store.compact(4)
    with pytest.raises(CompactedError) as error:
        etcd_store.range("/a", revision=3)
    assert str(error.value) == ("etcdserver: mvcc: required revision has been compacted "
                                "(requested 3, compacted 4)")
    assert etcd_store.range("/a", revision=4).kvs[0].value == "c"   # the world at 4 stays


def test_the_compacted_revision_is_found_even_when_another_client_compacted(etcd_server, etcd_store):
    for value in "abcdefgh":
        etcd_store.put("/a", value)            # revisions 2..9
    EtcdStore(etcd_server.endpoint).compact(7)
    assert etcd_store.compacted_revision == 7  # etcd does not say; bisection finds it
    assert etcd_store.status().compacted_revision == 7


def test_a_watch_below_the_compaction_fails_at_once(etcd_store):
    for value in "abc":
        etcd_store.put("/a", value)
    etcd_store.compact(3)
    with pytest.raises(CompactedError) as error:
        etcd_store.watch("/a", Recorder(), start_revision=2)
    assert (error.value.requested, error.value.compacted) == (2, 3)


def test_a_watch_from_the_compacted_revision_itself_still_replays_it(etcd_store):
    for value in "abc":
        etcd_store.put("/a", value)            # revisions 2, 3, 4
    etcd_store.compact(3)
    heard = Recorder()
    etcd_store.watch("/a", heard, start_revision=3)
    etcd_store.sync_watchers()
    assert heard.events() == [("PUT", "/a", 3), ("PUT", "/a", 4)]


def test_a_read_from_the_future_is_refused(etcd_store):
    with pytest.raises(FutureRevisionError, match="required revision is a future revision"):
        etcd_store.range("/a", revision=100)


def test_a_request_over_one_and_a_half_mebibytes_is_too_large(etcd_store):
    with pytest.raises(RequestTooLarge, match="^etcdserver: request is too large$"):
        etcd_store.put("/big", "x" * (1600 * 1024))
    # Past 2 MiB (the limit plus 512 KiB for gRPC's framing) gRPC refuses it before etcd does.
    with pytest.raises(RequestTooLarge, match="^grpc: received message larger than max"):
        etcd_store.put("/big", "x" * (3 * 1024 * 1024))
    assert etcd_store.get("/big") is None and etcd_store.revision == 1


def test_a_full_database_refuses_writes_until_an_operator_steps_in(start_etcd):
    etcd = start_etcd(quota_backend_bytes=4 * 1024 * 1024)   # 4 MiB instead of 2 GiB
    store = EtcdStore(etcd.endpoint)
    with pytest.raises(NoSpace, match="^etcdserver: mvcc: database space exceeded$"):
        for number in range(20):
            store.put(f"/fill/{number}", "x" * (1024 * 1024))
    with pytest.raises(NoSpace):                 # etcd's NOSPACE alarm stays raised: even
        store.put("/tiny", "x")                  # a tiny write fails now
    assert store.get("/fill/0").value.startswith("x")   # reads still work
    store.close()


def test_lease_errors_name_the_lease(etcd_store):
    lease = etcd_store.grant(60)
    with pytest.raises(LeaseExists, match="lease already exists"):
        etcd_store.grant(60, lease_id=lease.id)
    etcd_store.revoke(lease.id)
    for action in (etcd_store.revoke, etcd_store.keep_alive, etcd_store.time_to_live):
        with pytest.raises(LeaseNotFound, match="requested lease not found") as error:
            action(lease.id)
        assert error.value.lease_id == lease.id


def test_an_empty_key_and_a_key_written_twice_in_one_txn_are_refused(etcd_store):
    with pytest.raises(EmptyKey, match="key is not provided"):
        etcd_store.put("", "x")
    with pytest.raises(DuplicateKey, match="duplicate key given in txn request"):
        etcd_store.txn([], [Op.put("/a", "1"), Op.put("/a", "2")])


def test_an_etcd_that_is_not_there_says_where_it_looked():
    port, = free_ports(1)
    with pytest.raises(Unreachable, match=f"127.0.0.1:{port}") as error:
        EtcdStore(f"http://127.0.0.1:{port}").get("/a")
    assert isinstance(error.value, StoreError)


# -- watches: a reader thread per watch -------------------------------------------------------
def test_a_watch_delivers_from_its_own_thread_in_revision_order_without_gaps(etcd_store):
    heard = Recorder()
    etcd_store.watch("/p/", heard, prefix=True)
    for number in range(50):
        etcd_store.put(f"/p/{number % 7}", str(number))      # revisions 2..51
        etcd_store.put("/elsewhere", str(number))            # revisions outside the prefix
    etcd_store.txn([], [Op.delete("/p/", prefix=True)])      # 7 deletes, one revision
    etcd_store.sync_watchers()
    revisions = [revision for _, _, revision in heard.events()]
    assert revisions[:50] == list(range(2, 102, 2))
    assert heard.events()[50:] == [("DELETE", f"/p/{n}", 102) for n in range(7)]
    assert threading.get_ident() not in heard.threads


def test_a_watch_can_start_in_the_past_and_carry_previous_values(etcd_store):
    etcd_store.put("/a", "1")                  # 2
    etcd_store.put("/a", "2")                  # 3
    heard = Recorder()
    etcd_store.watch("/a", heard, start_revision=2, prev_kv=True)
    etcd_store.delete("/a")                    # 4
    etcd_store.sync_watchers()
    events = [event for response in heard.responses for event in response.events]
    assert [(e.type, e.kv.value, e.prev_kv and e.prev_kv.value) for e in events] == [
        ("PUT", "1", None), ("PUT", "2", "1"), ("DELETE", "", "2")]


def test_sync_waits_for_an_idle_watch_to_hear_that_nothing_happened(etcd_store):
    heard = Recorder()
    etcd_store.watch("/quiet/", heard, prefix=True, progress_notify=True)
    etcd_store.put("/loud", "x")
    etcd_store.sync_watchers()                 # returns on etcd's progress notification
    assert heard.events() == []
    assert heard.responses and heard.responses[-1].is_progress_notify
    assert heard.responses[-1].revision >= 2


def test_a_cancelled_watch_hears_nothing_more_and_its_thread_ends(etcd_store):
    heard = Recorder()
    watcher = etcd_store.watch("/p/", heard, prefix=True)
    etcd_store.put("/p/a", "1")
    etcd_store.sync_watchers()
    watcher.cancel()
    etcd_store.put("/p/b", "2")
    etcd_store.sync_watchers()
    watcher._thread.join(timeout=5)
    assert not watcher._thread.is_alive()
    assert heard.events() == [("PUT", "/p/a", 2)]


def test_a_watch_may_cancel_itself_from_inside_its_callback(etcd_store):
    heard = Recorder()

    def first_only(response):
        heard(response)
        watcher.cancel()

    watcher = etcd_store.watch("/p/", first_only, prefix=True)
    etcd_store.put("/p/a", "1")
    etcd_store.put("/p/b", "2")
    etcd_store.sync_watchers()
    assert heard.events() == [("PUT", "/p/a", 2)]


def test_a_callback_that_raises_is_reported_by_sync_watchers(etcd_store):
    def broken(response):
        raise ValueError("the informer's handler fell over")

    etcd_store.watch("/p/", broken, prefix=True)
    etcd_store.put("/p/a", "1")
    with pytest.raises(ValueError, match="fell over"):
        etcd_store.sync_watchers()
    etcd_store.sync_watchers()                 # reported once; the broken watch is gone


def test_request_progress_answers_once_the_watch_has_heard_everything(etcd_store):
    heard = Recorder()
    watcher = etcd_store.watch("/p/", heard, prefix=True)
    etcd_store.put("/p/a", "1")
    etcd_store.sync_watchers()
    watcher.request_progress()
    assert heard.responses[-1].is_progress_notify and heard.responses[-1].revision == 2


def test_close_cancels_every_watch(etcd_store):
    watchers = [etcd_store.watch(f"/p/{n}", Recorder()) for n in range(3)]
    etcd_store.close()
    for watcher in watchers:
        watcher._thread.join(timeout=5)
        assert watcher.cancelled and not watcher._thread.is_alive()


# -- the etcd process -------------------------------------------------------------------------
def test_etcd_stops_by_itself_when_its_owner_is_killed(etcd_binary, tmp_path):
    owner = ("import os, signal, sys; from kubelab.store.etcd_process import EtcdProcess; "
             f"etcd = EtcdProcess(binary={etcd_binary!r}, data_dir={str(tmp_path / 'd')!r}).start(); "
             "print(etcd.endpoint, flush=True); os.kill(os.getpid(), signal.SIGKILL)")
    done = subprocess.run([sys.executable, "-c", owner], capture_output=True, text=True, timeout=60)
    endpoint = done.stdout.strip()
    assert endpoint.startswith("http://127.0.0.1:")
    etcd_log = (tmp_path / "etcd.log").read_text()
    assert wait_until_gone(endpoint), etcd_log


def wait_until_gone(endpoint: str, seconds: float = 20.0) -> bool:
    """True once nothing answers at `endpoint` (the watchdog has stopped etcd)."""
    gone = threading.Event()
    for _ in range(int(seconds / 0.1)):
        try:
            urllib.request.urlopen(endpoint + "/v3/maintenance/status", b"{}", timeout=1).read()
        except OSError:
            return True
        gone.wait(0.1)
    return False


def test_a_real_etcd_expires_an_unkept_lease_on_the_wall_clock(etcd_store):
    # The contract story for expiry runs on virtual time, which a real etcd cannot follow;
    # here the shortest lease (1 s with etcd_process.py's election timeout) really runs out.
    gone = threading.Event()
    lease = etcd_store.grant(1)
    etcd_store.put("/registry/leases/kube-node-lease/node-1", "renewed", lease=lease.id)
    etcd_store.watch("/registry/leases/", lambda response: gone.set(), prefix=True)
    assert gone.wait(timeout=15), "etcd never expired the lease"
    assert etcd_store.get("/registry/leases/kube-node-lease/node-1") is None
    assert lease.id not in etcd_store.leases()


# -- a store that dies under a watch (issue 12) ----------------------------------------------
def test_a_store_watch_on_a_real_etcd_ends_and_says_so_when_etcd_dies(etcd_server):
    store = EtcdStore(etcd_server.endpoint)
    heard = []
    store.watch("/registry/", heard.append, prefix=True)
    store.put("/registry/pods/default/a", "1")
    store.sync_watchers()
    etcd_server._stop_process()
    deadline = time.monotonic() + 15   # the reader thread notices the stream's end
    while not (heard and heard[-1].canceled) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert heard[-1].canceled and heard[-1].compact_revision == 0
    assert heard[-1].cancel_reason
