"""Stories (a hostile tester's): the admission chain's remembered plugin lists and its listers
never answer a write with yesterday's cluster.

admission/chain.py works out once per (operation, resource) which plugins handle a request,
and the plugins read namespaces, service accounts and PriorityClasses from the watch cache
(upstream's listers). These stories change what those answers depend on between two writes.
"""
import pytest

from kubelab.apiserver.admission import AdmissionPlugin
from kubelab.client import ApiError


def pod(name: str, namespace: str = "default", **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
            "spec": {"containers": [{"name": "app", "image": "nginx"}], **spec}}


def configmap(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


def refusal(call) -> ApiError:
    with pytest.raises(ApiError) as refused:
        call()
    return refused.value


def test_a_namespace_made_deleted_and_made_again_is_seen_by_the_very_next_write(client):
    assert refusal(lambda: client.create("configmaps", configmap("a"), "shop")).code == 404
    client.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    assert client.create("configmaps", configmap("a"), "shop")["metadata"]["namespace"] == "shop"
    client.delete("namespaces", "shop")
    terminating = refusal(lambda: client.create("configmaps", configmap("b"), "shop"))
    assert terminating.code == 403 and terminating.message.endswith("because it is being terminated")


def test_a_service_account_deleted_refuses_the_next_pod_and_made_again_admits_it(client):
    client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                      "metadata": {"name": "builder", "namespace": "default"}})
    assert client.create("pods", pod("one", serviceAccountName="builder"))["spec"]["serviceAccountName"] == "builder"
    client.delete("serviceaccounts", "builder", "default")
    refused = refusal(lambda: client.create("pods", pod("two", serviceAccountName="builder")))
    assert refused.code == 403 and refused.message == ('pods "two" is forbidden: error looking up service account '
                                                       'default/builder: serviceaccount "builder" not found')
    client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                      "metadata": {"name": "builder", "namespace": "default"},
                                      "automountServiceAccountToken": False})
    two = client.create("pods", pod("two", serviceAccountName="builder"))
    assert not two["spec"].get("volumes")   # the new account's automount: false, not the old one's


def test_a_priorityclass_made_after_a_refusal_admits_the_same_pod(client):
    refused = refusal(lambda: client.create("pods", pod("urgent", priorityClassName="urgent")))
    assert refused.code == 403 and "no PriorityClass with name urgent was found" in refused.message
    client.create("priorityclasses", {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                                      "metadata": {"name": "urgent"}, "value": 1000})
    assert client.create("pods", pod("urgent", priorityClassName="urgent"))["spec"]["priority"] == 1000


class NoConfigMapNamedTmp(AdmissionPlugin):
    name = "NoConfigMapNamedTmp"
    operations = ("CREATE",)
    resources = ("configmaps",)

    def validate(self, attributes):
        if attributes.name == "tmp":
            attributes.forbid("no configmap may be called tmp")


def test_a_plugin_enabled_or_disabled_between_two_writes_of_the_same_kind_counts_at_once(client, apiserver):
    client.create("configmaps", configmap("tmp"))                # asked once: no plugin for this yet
    client.delete("configmaps", "tmp")
    apiserver.admission.plugins.append(NoConfigMapNamedTmp())    # the list itself, changed in place
    assert refusal(lambda: client.create("configmaps", configmap("tmp"))).code == 403
    apiserver.admission.remove("NoConfigMapNamedTmp")
    assert client.create("configmaps", configmap("tmp"))["metadata"]["name"] == "tmp"
    client.delete("configmaps", "tmp")
    apiserver.admission.add(NoConfigMapNamedTmp())
    assert refusal(lambda: client.create("configmaps", configmap("tmp"))).code == 403
