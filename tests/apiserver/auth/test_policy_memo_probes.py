"""Stories (a hostile tester's): RBAC's remembered decisions never outlive the policy or the asker.

rbac.py remembers the rules each (user, groups, namespace) holds and the decision for each
question; any Role, ClusterRole or binding change empties both. These stories try the ways a
memo could answer the next request with the last one's decision: the same name with other
groups (impersonation, SubjectAccessReview), a ClusterRole edited behind a RoleBinding, a
rule naming resources whose names change, a non-resource path, a binding to a group.
(Aggregated ClusterRoles are stored already aggregated: kubelab runs no aggregation controller.)
"""
import pytest

from kubelab.apiserver import Request
from kubelab.client import ApiError

RBAC = "rbac.authorization.k8s.io"


def cluster_role(name: str, rules: list[dict]) -> dict:
    return {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRole", "metadata": {"name": name}, "rules": rules}


def binding(kind: str, name: str, role_kind: str, role: str, subject: dict) -> dict:
    metadata = {"name": name, **({"namespace": "default"} if kind == "RoleBinding" else {})}
    return {"apiVersion": f"{RBAC}/v1", "kind": kind, "metadata": metadata,
            "roleRef": {"apiGroup": RBAC, "kind": role_kind, "name": role}, "subjects": [subject]}


GROUP_READERS = {"kind": "Group", "name": "readers", "apiGroup": RBAC}
READ_CONFIGMAPS = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]


def get_as(plane, user: str, groups: list[str], name: str = "settings") -> dict:
    """The admin's GET of configmap NAME impersonating USER with GROUPS (kubectl --as --as-group)."""
    request = Request("get", "configmaps", "default", name, credentials=plane.credentials.admin,
                      impersonate_user=user, impersonate_groups=groups)
    return plane.transport.request(request)


def forbidden(call) -> ApiError:
    with pytest.raises(ApiError) as refused:
        call()
    assert refused.value.code == 403, refused.value.message
    return refused.value


def review(plane, spec: dict) -> bool:
    answer = plane.admin._call("create", "subjectaccessreviews", body={
        "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec})
    return answer["status"]["allowed"]


@pytest.fixture
def settings(plane):
    plane.admin.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": {"name": "settings", "namespace": "default"}})
    plane.admin.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": {"name": "other", "namespace": "default"}})


def test_the_same_user_with_other_groups_is_asked_again_each_request(plane, settings):
    plane.admin.create("clusterroles", cluster_role("cm-read", READ_CONFIGMAPS))
    plane.admin.create("clusterrolebindings", binding("ClusterRoleBinding", "readers", "ClusterRole", "cm-read",
                                                      GROUP_READERS))
    for _ in range(3):
        assert get_as(plane, "dave", ["readers"])["metadata"]["name"] == "settings"
    forbidden(lambda: get_as(plane, "dave", []))               # same name, not in the group
    forbidden(lambda: get_as(plane, "dave", ["writers"]))
    assert get_as(plane, "dave", ["writers", "readers"])["metadata"]["name"] == "settings"
    assert review(plane, {"user": "erin", "groups": ["readers"],
                          "resourceAttributes": {"namespace": "default", "verb": "get", "resource": "configmaps"}})
    assert not review(plane, {"user": "erin", "groups": [],
                              "resourceAttributes": {"namespace": "default", "verb": "get", "resource": "configmaps"}})
    plane.admin.delete("clusterrolebindings", "readers")
    forbidden(lambda: get_as(plane, "dave", ["readers"]))      # the very next request


def test_a_clusterrole_edited_behind_a_rolebinding_takes_effect_at_once(plane, settings):
    plane.admin.create("clusterroles", cluster_role("cm-read", READ_CONFIGMAPS))
    plane.admin.create("rolebindings", binding("RoleBinding", "dave-reads", "ClusterRole", "cm-read",
                                               {"kind": "User", "name": "dave", "apiGroup": RBAC}))
    assert get_as(plane, "dave", [])["metadata"]["name"] == "settings"
    role = plane.admin.get("clusterroles", "cm-read")
    role = {**role, "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["list"]}]}
    plane.admin.update("clusterroles", role)
    forbidden(lambda: get_as(plane, "dave", []))
    plane.admin.delete("clusterroles", "cm-read")                # a binding to a role that is gone grants nothing
    plane.admin.create("clusterroles", cluster_role("cm-read", READ_CONFIGMAPS))
    assert get_as(plane, "dave", [])["metadata"]["name"] == "settings"


def test_a_rule_naming_resources_follows_its_names_and_a_broader_rule_beside_it(plane, settings):
    plane.admin.create("clusterroles", cluster_role("settings-only", [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"], "resourceNames": ["settings"]}]))
    plane.admin.create("rolebindings", binding("RoleBinding", "dave-settings", "ClusterRole", "settings-only",
                                               {"kind": "User", "name": "dave", "apiGroup": RBAC}))
    assert get_as(plane, "dave", [], "settings")
    forbidden(lambda: get_as(plane, "dave", [], "other"))
    plane.admin.create("clusterroles", cluster_role("cm-read", READ_CONFIGMAPS))
    plane.admin.create("rolebindings", binding("RoleBinding", "dave-all", "ClusterRole", "cm-read",
                                               {"kind": "User", "name": "dave", "apiGroup": RBAC}))
    assert get_as(plane, "dave", [], "other") and get_as(plane, "dave", [], "settings")
    plane.admin.delete("rolebindings", "dave-all", "default")
    forbidden(lambda: get_as(plane, "dave", [], "other"))
    role = plane.admin.get("clusterroles", "settings-only")
    plane.admin.update("clusterroles", {**role, "rules": [{**role["rules"][0], "resourceNames": ["other"]}]})
    forbidden(lambda: get_as(plane, "dave", [], "settings"))
    assert get_as(plane, "dave", [], "other")["metadata"]["name"] == "other"


def test_a_non_resource_path_is_decided_per_path(plane):
    plane.admin.create("clusterroles", cluster_role("healthz", [{"nonResourceURLs": ["/healthz", "/livez/*"],
                                                                  "verbs": ["get"]}]))
    plane.admin.create("clusterrolebindings", binding("ClusterRoleBinding", "healthz", "ClusterRole", "healthz",
                                                      {"kind": "User", "name": "dave", "apiGroup": RBAC}))

    def may_get(path: str) -> bool:
        return review(plane, {"user": "dave", "nonResourceAttributes": {"verb": "get", "path": path}})
    assert may_get("/healthz") and may_get("/livez/ping")
    assert not may_get("/metrics") and not may_get("/healthz/etcd")
    assert may_get("/healthz")
    plane.admin.delete("clusterrolebindings", "healthz")
    assert not may_get("/healthz")


def test_a_review_with_groups_that_are_not_strings_is_refused_not_a_crash(plane):
    with pytest.raises(ApiError) as refused:
        review(plane, {"user": "dave", "groups": [["readers"]],
                       "resourceAttributes": {"namespace": "default", "verb": "get", "resource": "configmaps"}})
    assert refused.value.code == 400
    assert refused.value.message == ('SubjectAccessReview in version "v1" cannot be handled as a SubjectAccessReview: '
                                     'json: cannot unmarshal array into Go struct field '
                                     'SubjectAccessReviewSpec.spec.groups of type string')
