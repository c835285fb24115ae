"""Stories about the kinds beyond the first cut: config, secrets, accounts, leases, RBAC; dry runs."""
import base64

import pytest

from kubelab.client import ApiError


def configmap(name="settings", **fields):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, **fields}


def causes(error):
    return [(c["field"], c["message"]) for c in error.value.status["details"]["causes"]]


def test_a_configmap_key_must_be_a_file_name_and_the_data_at_most_one_mebibyte(client):
    with pytest.raises(ApiError) as error:
        client.create("configmaps", configmap(data={"bad key": "x", "..": "y"}))
    assert error.value.code == 422
    fields = [field for field, _ in causes(error)]
    assert fields == ["data[bad key]", "data[..]"]
    assert "a valid config key must consist of alphanumeric characters" in causes(error)[0][1]
    with pytest.raises(ApiError) as error:
        client.create("configmaps", configmap(data={"big": "x" * (1024 * 1024 + 1)}))
    assert causes(error) == [("", "Too long: may not be more than 1048576 bytes")]


def test_secret_string_data_is_stored_as_base64_data(client, store):
    created = client.create("secrets", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
                                        "stringData": {"password": "s3cret"}})
    assert created["type"] == "Opaque" and "stringData" not in created
    assert base64.b64decode(created["data"]["password"]) == b"s3cret"
    assert store.get("/registry/secrets/default/db") is not None


def test_an_immutable_configmap_keeps_its_data(client):
    created = client.create("configmaps", configmap(data={"k": "v"}, immutable=True))
    created["data"]["k"] = "changed"
    with pytest.raises(ApiError) as error:
        client.update("configmaps", created)
    assert causes(error) == [("data", "Forbidden: field is immutable when `immutable` is set")]


def test_rbac_kinds_are_served_with_their_rules_checked(client, store):
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "pod-reader"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}
    client.create("roles", role)
    assert store.get("/registry/roles/default/pod-reader") is not None
    with pytest.raises(ApiError) as error:
        client.create("roles", {**role, "metadata": {"name": "bad"}, "rules": [{"resources": ["pods"]}]})
    assert [f for f, _ in causes(error)] == ["rules[0].verbs", "rules[0].apiGroups"]
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "read-pods"},
               "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "default"}],
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"}}
    created = client.create("rolebindings", binding)
    created["roleRef"]["name"] = "other"
    with pytest.raises(ApiError) as error:
        client.update("rolebindings", created)
    assert causes(error)[0][0] == "roleRef"
    cluster_role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": {"name": "system:controller:example"},
                    "rules": [{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]}
    assert client.create("clusterroles", cluster_role)["metadata"]["name"] == "system:controller:example"


def test_a_lease_is_served_in_coordination_k8s_io(client, store):
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": {"name": "node-1", "namespace": "kube-node-lease"},
             "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40}}
    client.create("leases", lease)
    assert store.get("/registry/leases/kube-node-lease/node-1") is not None
    with pytest.raises(ApiError):
        client.create("leases", {**lease, "metadata": {"name": "n2", "namespace": "kube-node-lease"},
                                 "spec": {"leaseDurationSeconds": 0}})


def test_dry_run_answers_every_write_verb_but_stores_nothing(client, store, apiserver):
    before = store.revision
    created = client.create("configmaps", configmap(data={"k": "v"}), dry_run=True)
    assert created["metadata"]["uid"] and store.revision == before
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"ports": [{"port": 80}]}}
    taken = set(apiserver.ips.taken)
    assert client.create("services", service, dry_run=True)["spec"]["clusterIP"]
    assert apiserver.ips.taken == taken and store.revision == before
    stored = client.create("configmaps", configmap(data={"k": "v"}))
    revision = store.revision
    assert client.patch("configmaps", "settings", {"data": {"k": "w"}}, dry_run=True)["data"] == {"k": "w"}
    stored["data"]["k"] = "x"
    client.update("configmaps", stored, dry_run=True)
    client.delete("configmaps", "settings", dry_run=True)
    assert store.revision == revision and client.get("configmaps", "settings")["data"] == {"k": "v"}


def test_a_finished_delete_answers_with_a_success_status_but_pods_answer_with_themselves(client):
    created = client.create("configmaps", configmap(data={"k": "v"}))
    assert client.delete("configmaps", "settings") == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
        "details": {"name": "settings", "group": "", "kind": "configmaps", "uid": created["metadata"]["uid"]}}
    client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                           "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    assert client.delete("pods", "web")["kind"] == "Pod"


def test_owner_references_must_name_their_owner_and_annotations_stay_small(client):
    with pytest.raises(ApiError) as error:
        client.create("configmaps", configmap(metadata={"name": "x", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web"}]}))
    assert causes(error) == [("metadata.ownerReferences.uid", 'Invalid value: "": uid must not be empty')]
    with pytest.raises(ApiError) as error:
        client.create("configmaps", configmap(metadata={"name": "x", "annotations": {"big": "x" * 300_000}}))
    assert causes(error) == [("metadata.annotations", "Too long: may not be more than 262144 bytes")]
