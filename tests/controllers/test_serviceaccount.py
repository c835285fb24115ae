"""Stories of the serviceaccount and token controllers."""
import base64

from kubelab.apiserver.authentication import jwt


def test_every_namespace_gets_a_default_service_account_and_gets_it_back(client, clock, manager):
    client.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    clock.run(1)
    assert client.get("serviceaccounts", "default", "team-a")["metadata"]["name"] == "default"
    client.delete("serviceaccounts", "default", "team-a")
    clock.run(1)
    assert client.get("serviceaccounts", "default", "team-a")


def test_a_token_secret_is_filled_in_and_goes_with_its_account(client, clock, manager, apiserver):
    client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "ci"}})
    client.create("secrets", {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                              "metadata": {"name": "ci-token",
                                           "annotations": {"kubernetes.io/service-account.name": "ci"}}})
    clock.run(1)
    secret = client.get("secrets", "ci-token")
    assert sorted(secret["data"]) == ["ca.crt", "namespace", "token"]
    token = base64.b64decode(secret["data"]["token"]).decode()
    claims = jwt.decode(token, apiserver.service_account_tokens().public_key)
    assert claims["sub"] == "system:serviceaccount:default:ci"
    assert secret["metadata"]["annotations"]["kubernetes.io/service-account.uid"] == \
        client.get("serviceaccounts", "ci")["metadata"]["uid"]

    client.delete("serviceaccounts", "ci")
    clock.run(1)
    assert [s["metadata"]["name"] for s in client.list("secrets", "default")["items"]] == []
    assert manager.errors() == []
