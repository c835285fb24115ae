"""Every mutating request without a valid token is refused with 401 and changes nothing."""
import pytest

from kubelab.apiserver import Request
from kubelab.apiserver.http.served import served

SERVED = served()  # every stored resource, and the reviews (create-only, answered not stored)
from kubelab.client import ApiError

MUTATING = ("create", "update", "patch", "delete", "deletecollection")


def bad_tokens(plane):
    reader = plane.service_account("default", "reader")
    head, _, signature = reader.token.split(".")
    return {"no token": "", "made up": "let-me-in", "truncated": reader.token[:-3],
            "claims swapped": f"{head}.{plane.credentials.tokens.issue('default', 'x', '').split('.')[1]}.{signature}"}


def requests_for(resource):
    """Every write a client could send for this resource: the verbs, then each subresource."""
    namespace = "default" if resource.namespaced else ""
    body = {"apiVersion": resource.api_version, "kind": resource.kind,
            "metadata": {"name": "target", **({"namespace": namespace} if namespace else {})}}
    for verb in MUTATING:
        name = "" if verb in ("create", "deletecollection") else "target"
        yield Request(verb, resource.plural, namespace, name, body=None if verb.startswith("delete") else body)
    for subresource in resource.subresources:
        for verb in ("create", "update", "patch"):
            yield Request(verb, resource.plural, namespace, "target", subresource, body=body)


@pytest.mark.parametrize("resource", sorted(SERVED), ids=str)
def test_every_write_without_a_valid_token_is_refused_and_changes_nothing(plane, resource):
    before = plane.snapshot()
    for why, token in bad_tokens(plane).items():
        before = plane.snapshot()
        for request in requests_for(SERVED[resource]):
            request.credentials = token
            with pytest.raises(ApiError) as refused:
                plane.transport.request(request)
            assert refused.value.code == 401, (why, request)
            assert refused.value.status["message"] == "Unauthorized"
        assert plane.snapshot() == before, why


def test_reads_and_watches_without_a_token_are_refused_too(plane):
    for verb in ("get", "list"):
        with pytest.raises(ApiError) as refused:
            plane.transport.request(Request(verb, "secrets", "default", "x" if verb == "get" else ""))
        assert refused.value.code == 401
    with pytest.raises(ApiError) as refused:
        plane.transport.watch(Request("watch", "pods", "default"), lambda *event: None)
    assert refused.value.code == 401


def test_a_client_cannot_claim_to_be_the_api_server(plane):
    """`user_info` marks the server's own requests; the transport clears it, as a network would."""
    from kubelab.apiserver.authentication.user import APISERVER_USER
    request = Request("delete", "namespaces", "", "kube-system", user_info=APISERVER_USER)
    with pytest.raises(ApiError) as refused:
        plane.transport.request(request)
    assert refused.value.code == 401
    assert plane.admin.get("namespaces", "kube-system")
