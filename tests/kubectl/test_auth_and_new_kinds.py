"""kubectl auth can-i, and `get` for every kind the API server serves."""
import pytest

from kubelab import Cluster
from kubelab.kubectl import run


@pytest.fixture(scope="module")
def cluster():
    return Cluster(nodes=1, seed=0)


def test_the_admin_can_do_anything_and_can_i_says_yes(cluster):
    assert cluster.kubectl("auth can-i delete pods") == "yes"
    assert cluster.kubectl("auth can-i list secrets -n kube-system") == "yes"


def test_a_service_account_without_a_binding_is_told_no_and_its_request_is_forbidden(cluster):
    cluster.client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                              "metadata": {"name": "nobody"}})
    token = cluster.client.request_token("nobody")["status"]["token"]
    nobody = cluster.client.for_component("nobody", token)
    assert run(nobody, "auth can-i list pods", cluster.clock.now()) == "no\n"
    refused = run(nobody, "get pods", cluster.clock.now())
    assert refused.startswith("Error from server (Forbidden): pods is forbidden: "
                              'User "system:serviceaccount:default:nobody" cannot list resource "pods"')


def test_can_i_needs_a_verb_and_a_resource(cluster):
    assert cluster.kubectl("auth can-i").startswith("error: you must specify two arguments")


@pytest.mark.parametrize("command, header", [
    ("get serviceaccounts -A", "NAMESPACE         NAME      SECRETS   AGE"),
    ("get clusterroles", "NAME"),
    ("get leases -n kube-node-lease", "NAME     HOLDER   AGE"),
])
def test_get_knows_every_kind_the_api_server_serves(cluster, command, header):
    assert cluster.kubectl(command).splitlines()[0].startswith(header)
