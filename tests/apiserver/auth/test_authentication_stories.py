"""Authentication stories: tokens that hold, tokens that don't, and 401 as Kubernetes sends it."""
import json
import random

import pytest

from kubelab.apiserver.authentication import jwt, rsa
from kubelab.apiserver.authentication.serviceaccount import ISSUER, ServiceAccountTokens
from kubelab.client import ApiError

UNAUTHORIZED = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "Unauthorized", "reason": "Unauthorized", "code": 401}


def refused(client, *call):
    with pytest.raises(ApiError) as error:
        getattr(client, call[0])(*call[1:])
    return error.value


def test_a_request_without_a_token_is_401_and_says_nothing_more(plane):
    anonymous = plane.as_token("")
    assert refused(anonymous, "list", "pods", "default").status == UNAUTHORIZED
    record = plane.apiserver.chain.records[-1]
    assert [(s.name, s.outcome) for s in record.steps] == [("authentication", "refused")]
    assert "anonymous requests are not allowed" in record.steps[0].detail  # kept for the trace only


def test_a_forged_token_is_401(plane):
    reader = plane.service_account("default", "reader")
    header, claims, signature = reader.token.split(".")
    # Claim to be the namespace controller: the claims change, the signature cannot follow.
    forged_claims = jwt.peek(reader.token)
    forged_claims["sub"] = "system:serviceaccount:kube-system:namespace-controller"
    forged_claims["kubernetes.io"]["serviceaccount"]["name"] = "namespace-controller"
    forged = f"{header}.{jwt.b64url(jwt._json(forged_claims))}.{signature}"
    assert refused(plane.as_token(forged), "list", "namespaces").status == UNAUTHORIZED
    assert plane.apiserver.chain.records[-1].steps[0].detail == "401 Unauthorized: invalid signature"

    # A token signed by another key (another cluster's) is refused too.
    elsewhere = ServiceAccountTokens(rsa.generate_key(99), plane.clock, random.Random(1))
    foreign = elsewhere.issue("kube-system", "namespace-controller", "")
    assert refused(plane.as_token(foreign), "list", "namespaces").code == 401
    assert refused(plane.as_token("not-a-token-at-all"), "list", "pods").code == 401
    assert refused(plane.as_token(reader.token + "x"), "list", "pods").code == 401


def test_an_expired_token_is_401(plane):
    reader = plane.service_account("default", "reader", expiration_seconds=600)
    plane.admin.create("rolebindings", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "view", "namespace": "default"},
        "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "default"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}})
    plane.clock.run(599)
    assert reader.list("pods", "default")["items"] == []
    plane.clock.run(1)
    assert refused(reader, "list", "pods", "default").status == UNAUTHORIZED
    assert "expired" in plane.apiserver.chain.records[-1].steps[0].detail


def test_a_token_for_another_audience_is_401(plane):
    plane.service_account("default", "reader")
    vault = plane.admin.request_token("reader", "default", audiences=["vault"])
    assert refused(plane.as_token(vault["status"]["token"]), "list", "pods").code == 401


def test_a_token_carries_the_claims_kubernetes_1_32_puts_in_it(plane):
    account = plane.admin.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                     "metadata": {"name": "reader", "namespace": "default"}})
    answer = plane.admin.request_token("reader", "default")
    claims = jwt.decode(answer["status"]["token"], plane.credentials.tokens.public_key)
    now = int(plane.clock.now())
    assert claims == {
        "aud": [ISSUER], "iss": ISSUER, "iat": now, "nbf": now, "exp": now + 3600, "jti": claims["jti"],
        "sub": "system:serviceaccount:default:reader",
        "kubernetes.io": {"namespace": "default",
                          "serviceaccount": {"name": "reader", "uid": account["metadata"]["uid"]}}}
    header = json.loads(jwt.b64url_decode(answer["status"]["token"].split(".")[0]))
    assert header == {"alg": "RS256", "kid": jwt.key_id(plane.credentials.tokens.public_key)}


def test_the_api_server_verifies_a_token_with_the_public_key_alone(plane):
    """No lookup: a second API server holding only the public key accepts the same token."""
    reader = plane.service_account("default", "reader")
    claims = jwt.decode(reader.token, plane.credentials.tokens.public_key)
    assert claims["sub"] == "system:serviceaccount:default:reader"
    user = plane.credentials.tokens.authenticate(reader.token)
    assert user.name == "system:serviceaccount:default:reader"
    assert user.groups == ("system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated")


def test_rsa_signatures_hold_and_break_as_they_should():
    key = rsa.generate_key(0)
    assert key == rsa.generate_key(0)  # the same seed, the same key
    assert key.public.n.bit_length() == 2048
    signature = rsa.sign(key, b"hello")
    assert rsa.verify(key.public, b"hello", signature)
    assert not rsa.verify(key.public, b"hellO", signature)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not rsa.verify(key.public, b"hello", flipped)
    assert "PrivateKey(2048 bits)" == repr(key)


def test_the_trace_names_each_component_by_the_user_it_proved_to_be():
    from kubelab import Cluster
    cluster = Cluster(nodes=2, seed=0)
    cluster.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                   "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                            "template": {"metadata": {"labels": {"app": "web"}},
                                         "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
    cluster.settle()
    users = {entry.user for entry in cluster.trace}
    assert {"kubernetes-admin", "system:serviceaccount:kube-system:deployment-controller",
            "system:serviceaccount:kube-system:replicaset-controller", "system:kube-scheduler",
            "system:node:node-1", "system:node:node-2"} <= users
    assert cluster.controller_manager.errors() == []  # every controller's writes fit its role
    rows = [line.split()[1:3] for line in cluster.trace.table().splitlines()[1:]]
    assert ["replicaset-controller", "create"] in rows and ["kubelet/node-1", "update"] in rows


def test_each_controller_gets_its_own_service_account_and_a_token_that_is_renewed_in_time(plane):
    """--use-service-account-credentials: SA created if missing, TokenRequest, refresh at 80%."""
    from kubelab.client.clientbuilder import ServiceAccountClientBuilder
    manager = plane.as_token(plane.credentials.controller_manager, "kube-controller-manager")
    replicaset_controller = ServiceAccountClientBuilder(manager, plane.clock)("replicaset-controller")
    first = replicaset_controller.token
    assert plane.admin.get("serviceaccounts", "replicaset-controller", "kube-system")
    replicaset_controller.list("pods")  # its ClusterRole lets it list pods everywhere...
    with pytest.raises(ApiError) as refused:  # ...but not touch nodes
        replicaset_controller.delete("nodes", "node-1")
    assert refused.value.message.startswith('nodes "node-1" is forbidden: User '
                                            '"system:serviceaccount:kube-system:replicaset-controller"')
    plane.clock.run(0.8 * 3600 - 1)
    assert replicaset_controller.token == first
    plane.clock.run(1)
    assert replicaset_controller.token != first
    plane.clock.run(0.5 * 3600)  # the first token has expired; the client never notices
    assert replicaset_controller.list("pods")["items"] == []
