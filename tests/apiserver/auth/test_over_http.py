"""The same checks over HTTP: `kubelab apiserver --token-auth-file F --service-account-key-file K`."""
import json
import urllib.error
import urllib.request

import pytest

from kubelab.apiserver.authentication import keyfile, rsa
from kubelab.apiserver.http.process import start_apiserver
from kubelab.client import ApiError, Client
from kubelab.client.http import HTTPTransport

ADMIN, NODE = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"


@pytest.fixture
def secured(tmp_path):
    tokens = tmp_path / "tokens.csv"
    tokens.write_text(f'{ADMIN},kubernetes-admin,kubernetes-admin,"system:masters"\n'
                      f'{NODE},system:node:node-1,system:node:node-1,"system:nodes"\n')
    key = tmp_path / "sa.key"
    key.write_text(keyfile.to_pem(rsa.generate_key(0)))
    running = start_apiserver(port=0, token_auth_file=str(tokens), service_account_key_file=str(key))
    yield running
    running.stop()


def raw(url: str, token: str = "", method: str = "GET", body: dict | None = None):
    content_type = "application/merge-patch+json" if method == "PATCH" else "application/json"
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": content_type,
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_over_http_no_token_is_401_and_a_write_changes_nothing(secured):
    namespaces = f"{secured.url}/api/v1/namespaces"
    code, body = raw(namespaces, method="POST", body={"apiVersion": "v1", "kind": "Namespace",
                                                      "metadata": {"name": "intruder"}})
    assert (code, body) == (401, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                  "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
    code, listed = raw(namespaces, ADMIN)
    assert code == 200 and "intruder" not in [n["metadata"]["name"] for n in listed["items"]]
    assert raw(f"{secured.url}/version")[0] == 401  # anonymous is off, even for /version
    assert raw(f"{secured.url}/version", ADMIN)[0] == 200


def test_over_http_a_service_account_token_from_token_request_works_as_rbac_allows(secured):
    admin = Client(HTTPTransport(secured.url, ADMIN), "kubectl")
    admin.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                     "metadata": {"name": "reader", "namespace": "default"}})
    token = admin.request_token("reader", "default")["status"]["token"]
    reader = Client(HTTPTransport(secured.url, token), "reader")
    with pytest.raises(ApiError) as refused:
        reader.list("pods", "default")
    assert refused.value.code == 403
    assert refused.value.message == ('pods is forbidden: User "system:serviceaccount:default:reader" cannot '
                                     'list resource "pods" in API group "" in the namespace "default"')
    admin.create("rolebindings", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                                  "metadata": {"name": "view", "namespace": "default"},
                                  "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "default"}],
                                  "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                              "name": "view"}})
    assert reader.list("pods", "default")["items"] == []
    code, review = raw(f"{secured.url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", token, "POST",
                       {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                        "spec": {"resourceAttributes": {"namespace": "default", "verb": "delete",
                                                        "resource": "pods"}}})
    assert (code, review["status"]) == (201, {"allowed": False})


def test_over_http_a_kubelet_may_register_its_node_and_no_other(secured):
    kubelet = Client(HTTPTransport(secured.url, NODE), "kubelet/node-1")
    kubelet.create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    with pytest.raises(ApiError) as refused:
        kubelet.create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-2"}})
    assert refused.value.message.endswith('node "node-1" is not allowed to modify node "node-2"')
    assert kubelet.list("nodes")["items"][0]["metadata"]["name"] == "node-1"


def test_over_http_every_write_to_every_resource_without_a_token_is_401_and_changes_nothing(secured):
    from kubelab.apiserver.http.served import served
    before = secured.apiserver.store.revision
    for resource in served().values():
        prefix = f"/api/{resource.version}" if not resource.group else f"/apis/{resource.group}/{resource.version}"
        scope = "/namespaces/default" if resource.namespaced else ""
        collection = f"{secured.url}{prefix}{scope}/{resource.plural}"
        body = {"apiVersion": resource.api_version, "kind": resource.kind, "metadata": {"name": "target"}}
        for method, url in (("POST", collection), ("PUT", f"{collection}/target"), ("PATCH", f"{collection}/target"),
                            ("DELETE", f"{collection}/target"), ("DELETE", collection)):
            code, answer = raw(url, "", method, body if method != "DELETE" else None)
            assert (code, answer.get("reason")) == (401, "Unauthorized"), (method, url, code, answer)
    assert secured.apiserver.store.revision == before
