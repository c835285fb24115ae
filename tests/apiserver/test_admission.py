"""Stories about admission: the plugins every write passes, and writing your own."""
import pytest

from kubelab.apiserver.admission import AdmissionPlugin
from kubelab.client import ApiError


def pod(name="web", **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}], **spec}}


def test_a_pod_runs_as_the_default_service_account_with_its_token_mounted(client):
    created = client.create("pods", pod())
    spec = created["spec"]
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "default"
    volume = spec["volumes"][0]
    assert volume["name"].startswith("kube-api-access-") and len(volume["name"]) == len("kube-api-access-") + 5
    sources = volume["projected"]["sources"]
    assert sources[0] == {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}
    assert sources[1]["configMap"]["name"] == "kube-root-ca.crt"
    assert spec["containers"][0]["volumeMounts"] == [
        {"name": volume["name"], "readOnly": True, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]


def test_automount_false_leaves_the_token_out(client):
    created = client.create("pods", pod(automountServiceAccountToken=False))
    assert "volumes" not in created["spec"] and "volumeMounts" not in created["spec"]["containers"][0]


def test_a_pod_naming_a_missing_service_account_is_refused_with_upstreams_message(client, store):
    before = store.revision
    with pytest.raises(ApiError) as error:
        client.create("pods", pod(serviceAccountName="robot"))
    assert error.value.code == 403
    assert error.value.message == ('pods "web" is forbidden: error looking up service account '
                                   'default/robot: serviceaccount "robot" not found')
    assert store.revision == before


def test_every_pod_tolerates_an_unreachable_node_for_five_minutes_unless_it_says_otherwise(client):
    tolerations = client.create("pods", pod())["spec"]["tolerations"]
    assert {(t["key"], t["tolerationSeconds"]) for t in tolerations} == {
        ("node.kubernetes.io/not-ready", 300), ("node.kubernetes.io/unreachable", 300)}
    forever = {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}
    tolerations = client.create("pods", pod("daemon", tolerations=[forever]))["spec"]["tolerations"]
    assert forever in tolerations and len(tolerations) == 2


def test_nothing_new_in_a_terminating_namespace_and_the_system_namespaces_stay(client):
    client.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    client.delete("namespaces", "shop")
    with pytest.raises(ApiError) as error:
        client.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}, "shop")
    assert error.value.message == ('configmaps "x" is forbidden: unable to create new content in namespace '
                                   'shop because it is being terminated')
    with pytest.raises(ApiError) as error:
        client.delete("namespaces", "kube-system")
    assert error.value.code == 403 and error.value.message.endswith("this namespace may not be deleted")


class RequireTeamLabel(AdmissionPlugin):
    name = "RequireTeamLabel"
    operations = ("CREATE",)
    resources = ("pods",)

    def validate(self, attributes):
        if "team" not in attributes.object["metadata"].get("labels", {}):
            attributes.forbid("every pod needs a team label")


def test_your_own_validating_plugin_refuses_what_it_must(client, apiserver):
    apiserver.admission.add(RequireTeamLabel())
    assert apiserver.admission.names[-1] == "RequireTeamLabel"
    with pytest.raises(ApiError) as error:
        client.create("pods", pod())
    assert error.value.message == 'pods "web" is forbidden: every pod needs a team label'
    labelled = pod()
    labelled["metadata"]["labels"] = {"team": "shop"}
    assert client.create("pods", labelled)["metadata"]["labels"] == {"team": "shop"}
