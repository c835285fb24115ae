"""Stories about the watch-list protocol: a watch that streams the current state, then a bookmark
marking its end (`k8s.io/initial-events-end`), then the changes — what kubectl 1.35+ asks for."""
import pytest

from kubelab.client import ApiError
from kubelab.client.client import Request


def pod(name, app="web"):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def watch(client, clock, **params):
    seen = []
    handle = client.transport.watch(Request("watch", "pods", "default", params=params, user="admin",
                                            credentials=client.token, user_agent="test"),
                                    lambda kind, obj: seen.append((kind, obj)))
    clock.run(0)
    return seen, handle


def names(seen):
    return [(kind, obj["metadata"].get("name") or obj["metadata"].get("annotations")) for kind, obj in seen]


WATCH_LIST = {"sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan", "allowWatchBookmarks": "true"}


def test_a_watch_list_sends_the_current_pods_then_the_bookmark_that_ends_them_then_changes(client, clock):
    client.create("pods", pod("a"))
    client.create("pods", pod("b"))
    listed = client.list("pods", "default")["metadata"]["resourceVersion"]
    seen, _ = watch(client, clock, **WATCH_LIST)
    assert names(seen) == [("ADDED", "a"), ("ADDED", "b"),
                           ("BOOKMARK", {"k8s.io/initial-events-end": "true"})]
    bookmark = seen[-1][1]
    assert bookmark == {"kind": "Pod", "apiVersion": "v1", "metadata": {
        "resourceVersion": listed, "annotations": {"k8s.io/initial-events-end": "true"}}}
    client.patch("pods", "a", {"metadata": {"labels": {"x": "1"}}})
    clock.run(0)
    assert names(seen)[-1] == ("MODIFIED", "a")
    assert int(seen[-1][1]["metadata"]["resourceVersion"]) > int(listed)


def test_an_empty_namespace_still_gets_the_bookmark_that_ends_the_initial_events(client, clock):
    seen, _ = watch(client, clock, **WATCH_LIST)
    assert names(seen) == [("BOOKMARK", {"k8s.io/initial-events-end": "true"})]


def test_the_bookmark_is_sent_only_to_a_client_that_allows_bookmarks(client, clock):
    client.create("pods", pod("a"))
    seen, _ = watch(client, clock, sendInitialEvents="true", resourceVersionMatch="NotOlderThan")
    assert names(seen) == [("ADDED", "a")]


def test_a_watch_from_no_resource_version_is_a_watch_list_by_default(client, clock):
    # upstream's SetListOptionsDefaults: sendInitialEvents=true, resourceVersionMatch=NotOlderThan
    client.create("pods", pod("a"))
    seen, _ = watch(client, clock, allowWatchBookmarks="true")
    assert names(seen) == [("ADDED", "a"), ("BOOKMARK", {"k8s.io/initial-events-end": "true"})]


def test_send_initial_events_false_starts_at_the_most_recent_change(client, clock):
    client.create("pods", pod("a"))
    seen, _ = watch(client, clock, sendInitialEvents="false", resourceVersionMatch="NotOlderThan",
                    allowWatchBookmarks="true")
    assert seen == []
    client.create("pods", pod("b"))
    clock.run(0)
    assert names(seen) == [("ADDED", "b")]


def test_a_watch_list_keeps_to_its_label_selector(client, clock):
    client.create("pods", pod("a"))
    client.create("pods", pod("d", app="db"))
    seen, _ = watch(client, clock, labelSelector="app=db", **WATCH_LIST)
    assert names(seen) == [("ADDED", "d"), ("BOOKMARK", {"k8s.io/initial-events-end": "true"})]


@pytest.mark.parametrize("params, message", [
    ({"sendInitialEvents": "true"},
     'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires '
     'setting resourceVersionMatch to NotOlderThan'),
    ({"resourceVersion": "5", "resourceVersionMatch": "NotOlderThan"},
     'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden '
     'for watch unless sendInitialEvents is provided'),
    ({"sendInitialEvents": "true", "resourceVersionMatch": "Exact"},
     'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting '
     'resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: '
     '"NotOlderThan"]'),
])
def test_watch_options_that_do_not_fit_together_are_refused_as_upstream_words_it(client, clock, params, message):
    with pytest.raises(ApiError) as error:
        watch(client, clock, **params)
    assert error.value.code == 422 and error.value.status["message"] == message
    assert error.value.status["details"]["kind"] == "ListOptions"


def test_a_list_may_not_ask_for_initial_events(client):
    with pytest.raises(ApiError) as error:
        client.transport.request(Request("list", "pods", "default", params={"sendInitialEvents": "true"},
                                        user="admin", credentials=client.token, user_agent="test"))
    assert error.value.code == 422
    assert error.value.status["message"] == ('ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: '
                                             'Forbidden: sendInitialEvents is forbidden for list')


def test_a_watch_list_not_older_than_a_future_revision_is_a_timeout(client, store, clock):
    with pytest.raises(ApiError) as error:
        watch(client, clock, resourceVersion=str(store.revision + 100), **WATCH_LIST)
    assert error.value.code == 504 and "Too large resource version" in error.value.status["message"]
