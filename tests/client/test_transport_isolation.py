"""Stories about the in-process client's copies: what a caller changes is its own, as over HTTP."""


def pod(name):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def test_a_caller_changing_what_it_got_changes_nothing_in_the_server_or_for_anyone_else(client, clock, apiserver):
    body = pod("a")
    created = client.create("pods", body)
    body["metadata"]["labels"]["app"] = "changed after sending"
    created["metadata"]["labels"]["app"] = "changed the answer"
    got = client.get("pods", "a")
    got["spec"]["containers"][0]["image"] = "changed the get"
    listed = client.list("pods", "default")["items"][0]
    listed["metadata"]["labels"]["app"] = "changed the list"
    events = []
    client.watch("pods", lambda kind, obj: events.append(obj), "default")
    client.watch("pods", lambda kind, obj: events.append(obj), "default")
    clock.run(0)
    events[0]["metadata"]["labels"]["app"] = "changed one watcher's event"
    assert events[1]["metadata"]["labels"] == {"app": "web"}
    fresh = client.get("pods", "a")
    assert fresh["metadata"]["labels"] == {"app": "web"} and fresh["spec"]["containers"][0]["image"] == "nginx"
    assert client.list("pods", "default")["items"][0]["metadata"]["labels"] == {"app": "web"}
    cached = apiserver.watch_caches["pods"].objects["/registry/pods/default/a"]
    assert cached["metadata"]["labels"] == {"app": "web"}


def test_a_get_or_a_write_answer_is_built_for_its_request_alone(client):
    first, second = client.get("namespaces", "default"), client.get("namespaces", "default")
    assert first == second and first is not second
    written = client.create("pods", pod("b"))
    assert written is not client.get("pods", "b")
