"""Stories of the file store: recovery, torn writes, corrupted files, snapshots, group commit."""
import json
import logging
import threading

import pytest

from kubelab.clock import VirtualClock
from kubelab.store import CorruptedError, StoreError, wal
from kubelab.store.file import FileStore


def test_a_reopened_store_has_every_key_revision_lease_and_compaction(tmp_path):
    with FileStore(tmp_path, VirtualClock()) as store:
        lease = store.grant(30)
        store.put("/registry/pods/default/web", "v1")
        store.put("/registry/pods/default/web", "v2")
        store.put("/registry/events/default/e", "x", lease=lease.id)
        store.delete("/registry/pods/default/web")
        store.put("/registry/pods/default/web", "v3")
        store.compact(3)
    clock = VirtualClock()
    with FileStore(tmp_path, clock) as store:
        assert (store.revision, store.compacted_revision) == (6, 3)
        web = store.get("/registry/pods/default/web")
        assert (web.value, web.create_revision, web.version) == ("v3", 6, 1)
        assert store.range("/registry/pods/default/web", revision=4).kvs[0].value == "v2"
        assert store.time_to_live(lease.id, keys=True).keys == ["/registry/events/default/e"]
        clock.run(31)  # a lease gets a full TTL again after a restart, as in etcd; then it expires
        assert store.get("/registry/events/default/e") is None


def test_snapshots_empty_the_log_and_recovery_replays_only_what_came_after(tmp_path):
    with FileStore(tmp_path, snapshot_every=10) as store:
        for i in range(25):
            store.put(f"/k/{i % 4}", str(i))
        assert len(wal.read(tmp_path / "wal")) == 5  # records 21..25; 1..20 are in the snapshot
        header = json.loads((tmp_path / "snapshot").read_text().splitlines()[0])
        assert (header["revision"], header["wal_index"]) == (21, 20)
    with FileStore(tmp_path) as store:
        assert store.revision == 26
        assert [kv.value for kv in store.range("/k/", prefix=True).kvs] == ["24", "21", "22", "23"]
        assert store.range("/k/0", revision=5).kvs[0].value == "0"  # history survives snapshots


def test_a_torn_write_at_the_tail_is_cut_with_a_warning_and_the_rest_kept(tmp_path, caplog):
    with FileStore(tmp_path) as store:
        store.put("/a", "1")
        store.put("/b", "2")
    intact = (tmp_path / "wal").stat().st_size
    frame = wal.encode({"rev": 4, "changes": [["PUT", "/c", "3", 0]], "i": 3})
    with open(tmp_path / "wal", "ab") as log:
        log.write(frame[:-5])  # the crash came mid-append
    with caplog.at_level(logging.WARNING, logger="kubelab.store.wal"):
        store = FileStore(tmp_path)
    assert "torn write at byte" in caplog.text and str(tmp_path / "wal") in caplog.text
    assert (tmp_path / "wal").stat().st_size == intact
    assert store.revision == 3 and store.get("/c") is None
    store.put("/c", "again")  # the log goes on from the cut
    store.close()
    with FileStore(tmp_path) as store:
        assert store.get("/c").value == "again"


def test_a_last_record_with_a_bad_checksum_is_torn_too(tmp_path, caplog):
    with FileStore(tmp_path) as store:
        store.put("/a", "1")
        store.put("/b", "2")
    data = bytearray((tmp_path / "wal").read_bytes())
    data[-2] ^= 0xFF  # the last record's payload, as a half-finished sector would leave it
    (tmp_path / "wal").write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING), FileStore(tmp_path) as store:
        assert store.revision == 2 and store.get("/b") is None
    assert "torn write" in caplog.text


def test_a_damaged_record_in_the_middle_of_the_log_is_corruption_not_a_torn_write(tmp_path):
    with FileStore(tmp_path) as store:
        for i in range(3):
            store.put(f"/k/{i}", "v")
    data = bytearray((tmp_path / "wal").read_bytes())
    data[12] ^= 0xFF  # inside the first record
    (tmp_path / "wal").write_bytes(bytes(data))
    with pytest.raises(CorruptedError, match="corrupted, not torn") as error:
        FileStore(tmp_path)
    assert str(tmp_path / "wal") in str(error.value)


def test_a_corrupted_snapshot_refuses_to_load_and_names_the_file(tmp_path):
    with FileStore(tmp_path, snapshot_every=2) as store:
        for i in range(4):
            store.put(f"/k/{i}", "value")
    snapshot_file = tmp_path / "snapshot"
    data = bytearray(snapshot_file.read_bytes())
    data[len(data) // 2] ^= 0x01
    snapshot_file.write_bytes(bytes(data))
    with pytest.raises(CorruptedError) as error:
        FileStore(tmp_path)
    assert str(error.value).startswith(f"{snapshot_file}: snapshot integrity check failed")


def test_one_data_dir_is_open_in_one_place_at_a_time(tmp_path):
    with FileStore(tmp_path):
        with pytest.raises(StoreError, match="is in use by another process"):
            FileStore(tmp_path)
    FileStore(tmp_path).close()  # closed: free again


def test_writers_on_many_threads_share_fsyncs_and_watchers_still_hear_every_revision_in_order(tmp_path):
    store = FileStore(tmp_path)
    heard = []
    store.watch("/", lambda response: heard.extend(e.kv.mod_revision for e in response.events), prefix=True)
    syncs = []
    real_sync = store._wal.sync
    store._wal.sync = lambda: (syncs.append(1), real_sync())

    def writer(name: str) -> None:
        for i in range(50):
            store.put(f"/{name}/{i}", "v")

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.revision == 401
    assert heard == list(range(2, 402))  # every revision once, in order
    assert len(syncs) < 400               # group commit: fewer fsyncs than writes
    store.close()
    with FileStore(tmp_path) as reopened:
        assert reopened.range("/", prefix=True, count_only=True).count == 400
