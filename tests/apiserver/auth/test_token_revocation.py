"""Stories: a service-account token stops authenticating the very next request once its account,
or the pod it is bound to, is deleted — and an account made again under the same name is
another account (upstream's validator, pkg/serviceaccount/claims.go, on every request)."""
import pytest

from kubelab.client import ApiError


def unauthorized(call) -> None:
    with pytest.raises(ApiError) as refused:
        call()
    assert refused.value.code == 401 and refused.value.message == "Unauthorized"


def test_a_deleted_service_account_s_token_is_refused_at_the_next_request_even_once_it_is_made_again(plane):
    builder = plane.service_account("default", "builder")
    for _ in range(3):   # (verified once, remembered: the account is still looked up every time)
        assert builder.can_i("list", "pods") is False   # authenticated (a review anyone may ask)
    plane.admin.delete("serviceaccounts", "builder", "default")
    unauthorized(lambda: builder.list("configmaps", "default"))
    assert plane.apiserver.chain.records[-1].steps[0].detail.endswith('serviceaccounts "builder" not found')
    again = plane.service_account("default", "builder")           # another account, another uid
    unauthorized(lambda: builder.list("configmaps", "default"))
    assert "does not match claim" in plane.apiserver.chain.records[-1].steps[0].detail
    with pytest.raises(ApiError) as forbidden:   # the new account's own token authenticates (and has no rights)
        again.list("configmaps", "default")
    assert forbidden.value.code == 403


def test_a_token_bound_to_a_pod_dies_with_the_pod(plane):
    plane.admin.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                           "metadata": {"name": "app", "namespace": "default"}})
    pod = plane.admin.create("pods", {"apiVersion": "v1", "kind": "Pod",
                                      "metadata": {"name": "web", "namespace": "default"},
                                      "spec": {"serviceAccountName": "app",
                                               "containers": [{"name": "web", "image": "nginx"}]}})
    token = plane.admin.request_token("app", "default", bound_object_ref={
        "kind": "Pod", "apiVersion": "v1", "name": "web", "uid": pod["metadata"]["uid"]})["status"]["token"]
    web = plane.as_token(token, "web")
    with pytest.raises(ApiError) as forbidden:
        web.list("secrets", "default")
    assert forbidden.value.code == 403              # authenticated: RBAC says no
    plane.admin.delete("pods", "web", "default", grace_period_seconds=0)
    unauthorized(lambda: web.list("secrets", "default"))
    assert plane.apiserver.chain.records[-1].steps[0].detail.endswith("service account token has been invalidated")
