"""Stories about the in-process client: what a caller owns it may change (a get, a write's
answer, a plain list or watch: as client-go's clientset); what an informer shares (`shared=True`)
is the watch cache's one frozen object, and changing it is refused with client-go's rule."""
import copy

import pytest

from kubelab.client import ApiError
from kubelab.objects.frozen import SharedObjectError, freeze, thaw


def pod(name):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def test_a_caller_changing_what_it_owns_changes_nothing_in_the_server_or_for_anyone_else(client, clock, apiserver):
    body = pod("a")
    created = client.create("pods", body)
    assert body == pod("a")                     # the request did not edit the caller's body
    body["metadata"]["labels"]["app"] = "changed after sending"
    created["metadata"]["labels"]["app"] = "changed the answer"
    got = client.get("pods", "a")
    got["spec"]["containers"][0]["image"] = "changed the get"
    listed = client.list("pods", "default")["items"][0]      # the caller's own, as clientset's List
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


def test_every_watcher_and_list_shares_the_caches_one_object_and_none_may_change_it(client, clock, apiserver):
    client.create("pods", pod("a"))
    events = []
    version = client.list("pods", "default")["metadata"]["resourceVersion"]
    client.watch("pods", lambda kind, obj: events.append(obj), "default", resource_version=version, shared=True)
    client.watch("pods", lambda kind, obj: events.append(obj), "default", resource_version=version, shared=True)
    client.create("pods", pod("b"))
    clock.run(0)
    assert [obj["metadata"]["name"] for obj in events] == ["b", "b"]
    cached = apiserver.watch_caches["pods"].objects["/registry/pods/default/b"]
    assert events[0] is events[1] is cached                 # one decoded object for everyone
    assert client.list("pods", "default", shared=True)["items"][1] is cached
    with pytest.raises(SharedObjectError, match=r"never modify objects from the store.*copy\.deepcopy"):
        events[0]["metadata"]["labels"]["app"] = "changed a shared object"
    for change in (lambda obj: obj["spec"]["containers"].append({}), lambda obj: obj.pop("status"),
                   lambda obj: obj["metadata"].update(name="x"), lambda obj: obj["spec"]["containers"][0].clear(),
                   lambda obj: obj["metadata"].setdefault("annotations", {})):
        with pytest.raises(SharedObjectError):
            change(events[0])
    assert cached["metadata"]["labels"] == {"app": "web"} and len(cached["spec"]["containers"]) == 1
    assert cached["spec"]["containers"][0]["image"] == "nginx" and "status" in cached
    mine = copy.deepcopy(events[0])                         # client-go's DeepCopy: plain and mine
    mine["metadata"]["labels"]["app"] = "mine"
    assert type(mine) is dict and type(mine["spec"]["containers"]) is list
    assert thaw(cached) == copy.deepcopy(cached) == cached and thaw(cached) is not cached


def test_a_get_or_a_write_answer_is_built_for_its_request_alone(client):
    first, second = client.get("namespaces", "default"), client.get("namespaces", "default")
    assert first == second and first is not second
    written = client.create("pods", pod("b"))
    assert written is not client.get("pods", "b")
    written["metadata"]["labels"]["mine"] = "yes"           # a plain dict: the caller's to change


def test_a_shared_list_read_from_the_store_is_frozen_too(client):
    client.create("pods", pod("a"))
    page = client.list("pods", "default", limit=1, shared=True)   # a page is read from the store
    with pytest.raises(SharedObjectError):
        page["items"][0]["metadata"]["name"] = "b"


def test_informers_of_two_components_hold_the_one_object_and_a_handler_that_edits_it_is_told_to_copy(
        client, clock, apiserver):
    from kubelab.client import SharedInformerFactory
    scheduler = SharedInformerFactory(client.for_component("kube-scheduler"), clock).informer("pods")
    kubelet = SharedInformerFactory(client.for_component("kubelet/node-1"), clock).informer("pods")
    refusals = []

    def careless_handler(pod):   # sets a label on what the informer handed it
        try:
            pod["metadata"].setdefault("labels", {})["seen"] = "yes"
        except SharedObjectError as refusal:
            refusals.append(str(refusal))
    kubelet.add_handlers(on_add=careless_handler)
    scheduler.start(), kubelet.start()
    client.create("pods", pod("a"))
    clock.run(0)
    cached = apiserver.watch_caches["pods"].objects["/registry/pods/default/a"]
    assert scheduler.get("default/a") is kubelet.get("default/a") is cached
    assert refusals and "copy.deepcopy" in refusals[0]
    assert cached["metadata"]["labels"] == {"app": "web"}


def test_a_shared_object_may_be_sent_as_it_is_the_server_decodes_its_own_copy(client, clock, apiserver):
    client.create("pods", pod("a"))
    shared = client.list("pods", "default", shared=True)["items"][0]
    labelled = client.patch("pods", "a", {"metadata": {"labels": {"tier": "web"}}})
    assert labelled["metadata"]["labels"] == {"app": "web", "tier": "web"}
    with pytest.raises(ApiError) as stale:                  # a stale resourceVersion: 409, not a crash
        client.update("pods", shared)
    assert stale.value.code == 409
    fresh = client.list("pods", "default", shared=True)["items"][0]
    assert client.update("pods", fresh)["metadata"]["labels"] == {"app": "web", "tier": "web"}
    binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "a"},
               "target": {"apiVersion": "v1", "kind": "Node", "name": "node-1"}}
    client.create("pods", freeze(binding), subresource="binding", name="a")
    assert client.get("pods", "a")["spec"]["nodeName"] == "node-1" and shared["metadata"]["labels"] == {"app": "web"}
