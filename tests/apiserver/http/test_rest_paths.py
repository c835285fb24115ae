"""Stories: a REST path and method become the API server's Request, as upstream's RequestInfo reads them."""
import pytest

from kubelab.api.errors import ApiError
from kubelab.apiserver.http.routes import patch_type, resolve, split


def request_for(method: str, target: str):
    segments, params = split(target)
    return resolve(method, segments, params).request


def test_a_namespaced_collection_get_is_a_list_with_its_query_parameters():
    request = request_for("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=500")
    assert (request.verb, request.resource, request.namespace, request.name) == ("list", "pods", "default", "")
    assert request.params == {"labelSelector": "app=web", "limit": 500}


def test_watch_true_makes_a_list_a_watch_in_any_spelling():
    assert request_for("GET", "/api/v1/pods?watch=true").verb == "watch"
    assert request_for("GET", "/api/v1/pods?watch=True&timeoutSeconds=5").params["timeoutSeconds"] == 5
    assert request_for("GET", "/api/v1/pods?watch=false").verb == "list"


def test_named_groups_cluster_scope_and_subresources():
    request = request_for("PUT", "/apis/apps/v1/namespaces/shop/deployments/web/status")
    assert (request.verb, request.resource, request.namespace, request.name, request.subresource) == \
        ("update", "deployments", "shop", "web", "status")
    node = request_for("PATCH", "/api/v1/nodes/node-1")
    assert (node.verb, node.resource, node.namespace, node.name) == ("patch", "nodes", "", "node-1")
    binding = request_for("POST", "/api/v1/namespaces/default/pods/web-1/binding")
    assert (binding.verb, binding.name, binding.subresource) == ("create", "web-1", "binding")


def test_a_namespace_is_an_object_at_its_own_path():
    assert request_for("GET", "/api/v1/namespaces/default").name == "default"
    finalize = request_for("PUT", "/api/v1/namespaces/team-a/status")
    assert (finalize.resource, finalize.name, finalize.subresource) == ("namespaces", "team-a", "status")


def test_delete_without_a_name_is_deletecollection_and_delete_options_are_typed():
    assert request_for("DELETE", "/api/v1/namespaces/default/pods").verb == "deletecollection"
    request = request_for("DELETE", "/api/v1/namespaces/default/pods/web?gracePeriodSeconds=0&dryRun=All")
    assert request.params == {"gracePeriodSeconds": 0, "dryRun": "All"}


@pytest.mark.parametrize("target", ["/api/v1/widgets", "/apis/apps/v1/pods", "/apis/apps/v2/deployments",
                                    "/api/v1/namespaces/default/nodes", "/api/v1/namespaces/default/pods/web/exec2"])
def test_paths_that_name_nothing_served_are_404(target):
    with pytest.raises(ApiError) as refused:
        request_for("GET", target)
    assert refused.value.code == 404
    assert refused.value.message == "the server could not find the requested resource"


def test_a_bad_number_is_400_and_an_unknown_patch_type_415():
    with pytest.raises(ApiError) as bad:
        split("/api/v1/pods?limit=lots")
    assert bad.value.code == 400
    assert patch_type("application/strategic-merge-patch+json; charset=utf-8") == \
        "application/strategic-merge-patch+json"
    with pytest.raises(ApiError) as unsupported:
        patch_type("application/json")
    assert unsupported.value.code == 415
