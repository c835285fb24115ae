"""Stories about watch: ordered events, resumption from a resourceVersion, selectors."""
import pytest

from kubelab.client import ApiError


def pod(name, app="web"):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def test_a_watch_hears_about_writes_only_after_the_writer_is_done(client, clock):
    seen = []
    client.watch("pods", lambda kind, obj: seen.append((kind, obj["metadata"]["name"])), "default",
                 resource_version=client.list("pods", "default")["metadata"]["resourceVersion"])
    client.create("pods", pod("a"))
    assert seen == []  # delivered through the clock, never inside the write
    clock.run(0)
    assert seen == [("ADDED", "a")]


def test_a_watch_from_a_resource_version_gets_every_later_change_once_in_order(client, clock):
    start = client.list("pods", "default")["metadata"]["resourceVersion"]
    client.create("pods", pod("a"))
    client.create("pods", pod("b"))
    client.patch("pods", "a", {"metadata": {"labels": {"x": "1"}}})
    client.delete("pods", "b")
    seen = []
    client.watch("pods", lambda kind, obj: seen.append((kind, obj["metadata"]["name"],
                                                        int(obj["metadata"]["resourceVersion"]))),
                 "default", resource_version=start)
    clock.run(0)
    assert [(k, n) for k, n, _ in seen] == [("ADDED", "a"), ("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b")]
    versions = [v for _, _, v in seen]
    assert versions == sorted(versions) and len(set(versions)) == 4


def test_a_watch_without_resource_version_starts_with_the_current_objects(client, clock):
    client.create("pods", pod("a"))
    seen = []
    client.watch("pods", lambda kind, obj: seen.append((kind, obj["metadata"]["name"])), "default")
    clock.run(0)
    assert seen == [("ADDED", "a")]


def test_an_object_leaving_a_label_selector_is_seen_as_deleted(client, clock):
    client.create("pods", pod("a"))
    seen = []
    client.watch("pods", lambda kind, obj: seen.append(kind), "default", label_selector="app=web")
    client.patch("pods", "a", {"metadata": {"labels": {"app": "db"}}})
    client.patch("pods", "a", {"metadata": {"labels": {"app": "web"}}})
    clock.run(0)
    assert seen == ["ADDED", "DELETED", "ADDED"]


def test_a_watch_from_a_compacted_revision_is_410_gone(client, store):
    client.create("pods", pod("a"))
    client.create("pods", pod("b"))
    store.compact(store.revision)
    with pytest.raises(ApiError) as error:
        client.watch("pods", lambda *a: None, "default", resource_version="3")
    assert error.value.code == 410 and error.value.reason == "Expired"


def test_a_stopped_watch_hears_nothing_more(client, clock):
    seen = []
    handle = client.watch("pods", lambda kind, obj: seen.append(kind), "default")
    handle.stop()
    client.create("pods", pod("a"))
    clock.run(0)
    assert seen == []
