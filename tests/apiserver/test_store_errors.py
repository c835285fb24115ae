"""How the API server shows the store's history and the store's limits to its clients."""
import pytest

from kubelab.api.errors import ApiError
from kubelab.api.request import Request


def pod(name: str, image: str = "nginx") -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "main", "image": image}]}}


@pytest.fixture
def server(apiserver):
    return apiserver  # tests/conftest.py's: bootstrapped, with the default ServiceAccounts


def list_pods(server, **params) -> dict:
    return server.handle(Request("list", "pods", "default", params=params))


def test_a_list_at_an_exact_resource_version_shows_the_pods_as_they_were(server):
    server.handle(Request("create", "pods", "default", body=pod("a")))
    then = list_pods(server)["metadata"]["resourceVersion"]
    server.handle(Request("create", "pods", "default", body=pod("b")))
    server.handle(Request("delete", "pods", "default", "a"))
    assert [p["metadata"]["name"] for p in list_pods(server)["items"]] == ["b"]
    past = list_pods(server, resourceVersion=then, resourceVersionMatch="Exact")
    assert [p["metadata"]["name"] for p in past["items"]] == ["a"]


def test_a_list_below_the_compacted_revision_is_410_gone(server):
    server.handle(Request("create", "pods", "default", body=pod("a")))
    old = list_pods(server)["metadata"]["resourceVersion"]
    server.handle(Request("create", "pods", "default", body=pod("b")))
    server.store.compact(server.store.revision)
    with pytest.raises(ApiError) as error:
        list_pods(server, resourceVersion=old, resourceVersionMatch="Exact")
    assert (error.value.code, error.value.reason) == (410, "Expired")
    assert error.value.message == "The resourceVersion for the provided list is too old."


def test_an_object_too_big_for_the_store_is_a_500_in_etcds_words(server):
    huge = pod("huge")
    # (not an annotation: annotations over 256 KiB are refused first, 422, as upstream)
    huge["spec"]["containers"][0]["env"] = [{"name": "BLOB", "value": "x" * (2 * 1024 * 1024)}]
    with pytest.raises(ApiError) as error:
        server.handle(Request("create", "pods", "default", body=huge))
    assert (error.value.code, error.value.message) == (500, "etcdserver: request is too large")
    assert server.store.get("/registry/pods/default/huge") is None
