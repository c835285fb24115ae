"""Stories: RBAC remembers its answers, and forgets them the moment the policy changes.

The RBAC authorizer keeps the rules each user holds and the decision for each question asked
(rbac.py); every write to a Role, ClusterRole or binding empties both. These stories ask the
same question many times, change the policy between two requests, and check the very next
request sees the change — and that a rule naming resources still decides per name.
"""
import pytest

from kubelab.client import ApiError


def role(name: str, verbs: list[str], resources: list[str], names: list[str] | None = None) -> dict:
    rule = {"apiGroups": [""], "resources": resources, "verbs": verbs}
    if names:
        rule["resourceNames"] = names
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": name, "namespace": "default"}, "rules": [rule]}


def binding(name: str, role_name: str, account: str) -> dict:
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": name, "namespace": "default"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role_name},
            "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": "default"}]}


def configmap(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}}


def test_a_removed_binding_refuses_the_very_next_request(plane):
    reader = plane.service_account("default", "reader")
    plane.admin.create("configmaps", configmap("settings"))
    plane.admin.create("roles", role("read-configmaps", ["get"], ["configmaps"]))
    plane.admin.create("rolebindings", binding("reader-reads", "read-configmaps", "reader"))
    for _ in range(5):   # asked again and again: remembered
        assert reader.get("configmaps", "settings")["data"] == {"k": "v"}
    plane.admin.delete("rolebindings", "reader-reads")
    with pytest.raises(ApiError) as refused:
        reader.get("configmaps", "settings")
    assert refused.value.code == 403
    plane.admin.create("rolebindings", binding("reader-reads", "read-configmaps", "reader"))
    assert reader.get("configmaps", "settings")["metadata"]["name"] == "settings"


def test_a_changed_role_takes_effect_at_once(plane):
    writer = plane.service_account("default", "writer")
    plane.admin.create("roles", role("configmaps", ["get"], ["configmaps"]))
    plane.admin.create("rolebindings", binding("writer-configmaps", "configmaps", "writer"))
    with pytest.raises(ApiError) as refused:
        writer.create("configmaps", configmap("first"))
    assert refused.value.code == 403
    with pytest.raises(ApiError):
        writer.create("configmaps", configmap("first"))   # the refusal, remembered
    plane.admin.update("roles", role("configmaps", ["get", "create"], ["configmaps"]) | {
        "metadata": {**plane.admin.get("roles", "configmaps")["metadata"]}})
    assert writer.create("configmaps", configmap("first"))["metadata"]["name"] == "first"


def test_a_rule_naming_resources_decides_per_name_however_often_asked(plane):
    reader = plane.service_account("default", "picky")
    for name in ("allowed", "other", "third"):
        plane.admin.create("configmaps", configmap(name))
    plane.admin.create("roles", role("one-configmap", ["get"], ["configmaps"], names=["allowed"]))
    plane.admin.create("rolebindings", binding("picky-one", "one-configmap", "picky"))
    for _ in range(3):
        assert reader.get("configmaps", "allowed")["metadata"]["name"] == "allowed"
        for name in ("other", "third"):
            with pytest.raises(ApiError) as refused:
                reader.get("configmaps", name)
            assert refused.value.code == 403
    with pytest.raises(ApiError):   # a list names no object: the named rule does not allow it
        reader.list("configmaps")


def test_the_reason_names_the_binding_that_allowed_it(plane):
    reader = plane.service_account("default", "auditor")
    plane.admin.create("roles", role("read-configmaps", ["get", "list"], ["configmaps"]))
    plane.admin.create("rolebindings", binding("auditor-reads", "read-configmaps", "auditor"))
    plane.admin.create("configmaps", configmap("settings"))
    for _ in range(2):
        reader.get("configmaps", "settings")
        record = plane.apiserver.chain.records[-1]
        assert [step.detail for step in record.steps if step.name == "authorization"] == [
            'RBAC: allowed by RoleBinding "auditor-reads/default" of Role "read-configmaps" '
            'to ServiceAccount "auditor/default"']
