"""Contract stories, every backend: backups, and the registry as it was at any revision."""
import json

import pytest

from kubelab.store import CompactedError, snapshot, time_travel
from kubelab.store.file import FileStore


def pod(name: str, image: str) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
                       "spec": {"containers": [{"name": "main", "image": image}]}})


def test_a_snapshot_restores_into_a_new_data_dir_with_its_history(store, tmp_path):
    store.put("/registry/pods/default/web", pod("web", "nginx:1.25"))   # 2
    store.put("/registry/pods/default/db", pod("db", "postgres:16"))    # 3
    store.put("/registry/pods/default/web", pod("web", "nginx:1.27"))   # 4
    store.compact(3)
    status = snapshot.save(store, tmp_path / "backup.snap")
    assert (status.revision, status.total_keys, len(status.hash)) == (4, 2, 8)
    assert status.total_size == (tmp_path / "backup.snap").stat().st_size
    assert snapshot.status(tmp_path / "backup.snap") == status
    snapshot.restore(tmp_path / "backup.snap", tmp_path / "restored")
    with FileStore(tmp_path / "restored") as restored:
        assert (restored.revision, restored.compacted_revision) == (4, 3)
        assert [kv.key for kv in restored.range("/registry/", prefix=True).kvs] == \
            ["/registry/pods/default/db", "/registry/pods/default/web"]
        at_three = time_travel.registry_at(restored, 3)["/registry/pods/default/web"]
        assert at_three["spec"]["containers"][0]["image"] == "nginx:1.25"
        assert restored.put("/after", "x").revision == 5


def test_the_registry_as_it_was_at_each_retained_revision(store):
    store.put("/registry/pods/default/web", pod("web", "nginx:1.25"))   # 2
    store.put("/registry/services/specs/default/web", "{}")            # 3
    store.put("/registry/pods/default/web", pod("web", "nginx:1.27"))   # 4
    store.delete("/registry/services/specs/default/web")               # 5
    assert list(time_travel.retained_revisions(store)) == [1, 2, 3, 4, 5]
    assert time_travel.registry_at(store, 1) == {}
    at_three = time_travel.registry_at(store, 3)
    assert sorted(at_three) == ["/registry/pods/default/web", "/registry/services/specs/default/web"]
    web = at_three["/registry/pods/default/web"]
    assert web["metadata"]["resourceVersion"] == "2" and web["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert list(time_travel.registry_at(store, 5)) == ["/registry/pods/default/web"]
    happened = [(e.type, e.kv.key, e.kv.mod_revision) for e in time_travel.changes(store, 3)]
    assert happened == [("PUT", "/registry/pods/default/web", 4),
                        ("DELETE", "/registry/services/specs/default/web", 5)]
    versions = time_travel.history(store, "/registry/pods/default/web")
    assert [(kv.mod_revision, kv.version) for kv in versions] == [(2, 1), (4, 2)]
    store.compact(4)
    with pytest.raises(CompactedError):
        time_travel.registry_at(store, 3)
