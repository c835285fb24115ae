"""Stories: RBAC cannot be escalated — you grant only what you hold, unless you may `escalate` or `bind`.

A service account allowed only to create RoleBindings tries to bind itself to cluster-admin
and read every Secret; a namespace admin tries to write a Role with `*/*/*`. Upstream refuses
both ("attempting to grant RBAC permissions not currently held"), names what is missing, and
allows each once the user holds `bind` on that role, or `escalate` on roles.
"""
import pytest

from kubelab.client import ApiError

RBAC = "rbac.authorization.k8s.io/v1"


def role(kind: str, name: str, rules: list, namespace: str = "default") -> dict:
    metadata = {"name": name, "namespace": namespace} if kind == "Role" else {"name": name}
    return {"apiVersion": RBAC, "kind": kind, "metadata": metadata, "rules": rules}


def binding(kind: str, name: str, role_kind: str, role_name: str, account: str, namespace: str = "default") -> dict:
    metadata = {"name": name, "namespace": namespace} if kind == "RoleBinding" else {"name": name}
    return {"apiVersion": RBAC, "kind": kind, "metadata": metadata,
            "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": namespace}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name}}


def grant(plane, account: str, rules: list, name: str = "") -> None:
    """Give service account default/ACCOUNT `rules`, cluster-wide (the admin does it: no check)."""
    name = name or f"{account}-grant"
    plane.admin.create("clusterroles", role("ClusterRole", name, rules))
    plane.admin.create("clusterrolebindings", binding("ClusterRoleBinding", name, "ClusterRole", name, account))


BIND_ONLY = [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings", "clusterrolebindings"],
              "verbs": ["create"]}]
EVERYTHING = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]


def test_a_binder_cannot_bind_itself_to_cluster_admin_and_read_every_secret(plane):
    binder = plane.service_account("default", "binder")
    grant(plane, "binder", BIND_ONLY)
    before = plane.snapshot()
    with pytest.raises(ApiError) as refused:
        binder.create("clusterrolebindings", binding("ClusterRoleBinding", "pwn", "ClusterRole", "cluster-admin",
                                                     "binder"))
    assert refused.value.code == 403 and refused.value.reason == "Forbidden"
    assert refused.value.message == (
        'clusterrolebindings.rbac.authorization.k8s.io "pwn" is forbidden: user '
        '"system:serviceaccount:default:binder" (groups=["system:serviceaccounts" '
        '"system:serviceaccounts:default" "system:authenticated"]) is attempting to grant RBAC permissions '
        'not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n'
        '{NonResourceURLs:["*"], Verbs:["*"]}')
    with pytest.raises(ApiError) as in_namespace:   # a RoleBinding to cluster-admin, the same
        binder.create("rolebindings", binding("RoleBinding", "pwn", "ClusterRole", "cluster-admin", "binder"))
    assert "not currently held" in in_namespace.value.message
    assert plane.snapshot() == before
    with pytest.raises(ApiError):
        binder.list("secrets", "kube-system")


def test_a_binder_may_bind_what_it_holds_and_what_it_may_bind(plane):
    binder = plane.service_account("default", "binder")
    grant(plane, "binder", BIND_ONLY + [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}])
    plane.admin.create("roles", role("Role", "pod-reader", [{"apiGroups": [""], "resources": ["pods"],
                                                              "verbs": ["get"]}]))
    # It holds get on pods: binding a role that grants only that is no escalation.
    binder.create("rolebindings", binding("RoleBinding", "read", "Role", "pod-reader", "someone"))
    # `bind` on cluster-admin (by name) is upstream's way around the check.
    grant(plane, "binder", [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"],
                             "verbs": ["bind"], "resourceNames": ["cluster-admin"]}], name="may-bind-admin")
    binder.create("clusterrolebindings", binding("ClusterRoleBinding", "admin-now", "ClusterRole",
                                                 "cluster-admin", "binder"))
    assert binder.list("secrets", "kube-system")["kind"] == "SecretList"


def test_a_namespace_admin_cannot_write_a_wildcard_role_without_escalate(plane):
    admin = plane.service_account("default", "ns-admin")
    plane.admin.create("rolebindings", binding("RoleBinding", "ns-admin", "ClusterRole", "admin", "ns-admin"))
    # Within what `admin` holds: fine.
    admin.create("roles", role("Role", "pod-reader", [{"apiGroups": [""], "resources": ["pods"],
                                                        "verbs": ["get", "list"]}]))
    with pytest.raises(ApiError) as refused:
        admin.create("roles", role("Role", "everything", EVERYTHING))
    assert refused.value.code == 403
    assert refused.value.message.startswith(
        'roles.rbac.authorization.k8s.io "everything" is forbidden: user "system:serviceaccount:default:ns-admin"')
    assert refused.value.message.endswith("attempting to grant RBAC permissions not currently held:\n"
                                          '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}')
    with pytest.raises(ApiError) as widened:   # an update that widens a role is refused the same way
        plane.admin.get("roles", "pod-reader", "default")
        admin.patch("roles", "pod-reader", {"rules": [{"apiGroups": [""], "resources": ["nodes"],
                                                       "verbs": ["get"]}]}, "default")
    assert widened.value.message.endswith('{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}')
    # `escalate` on roles lets it through.
    plane.admin.create("roles", role("Role", "escalator", [{"apiGroups": ["rbac.authorization.k8s.io"],
                                                             "resources": ["roles"], "verbs": ["escalate"]}]))
    plane.admin.create("rolebindings", binding("RoleBinding", "escalator", "Role", "escalator", "ns-admin"))
    assert admin.create("roles", role("Role", "everything", EVERYTHING))["rules"] == EVERYTHING


def test_what_is_missing_is_listed_rule_by_rule_and_wildcards_need_wildcards(plane):
    from kubelab.apiserver.registry.rbac_escalation import compact, compact_string, covers
    held = [{"apiGroups": ["apps"], "resources": ["deployments", "*/scale"], "verbs": ["get", "update"]}]
    assert covers(held, [{"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["update"]}])[0]
    ok, missing = covers(held, [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "delete", "*"]},
                                {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"],
                                 "resourceNames": ["web"]}])
    assert not ok
    assert [compact_string(rule) for rule in compact(missing)] == [
        '{APIGroups:["apps"], Resources:["deployments"], Verbs:["delete" "*"]}']


def test_after_its_store_watch_ends_rbac_lists_again_and_a_deleted_binding_stops_granting(plane):
    reader = plane.service_account("default", "reader")
    grant(plane, "reader", [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}])
    assert reader.list("pods", "default")["items"] == []
    policy = plane.apiserver.chain.policy
    for watcher in policy._watchers:   # as when the store restarts: the watch ends under the cache
        watcher.cancel()
    policy._on_change("clusterrolebindings")(type("Response", (), {"canceled": True, "events": []})())
    plane.admin.delete("clusterrolebindings", "reader-grant")
    with pytest.raises(ApiError) as refused:
        reader.list("pods", "default")
    assert refused.value.code == 403


def test_an_aggregation_rule_takes_everything_to_write(plane):
    writer = plane.service_account("default", "aggregator")
    grant(plane, "aggregator", [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"],
                                 "verbs": ["create"]}])
    aggregated = {"apiVersion": RBAC, "kind": "ClusterRole", "metadata": {"name": "gatherer"},
                  "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"gather": "me"}}]}, "rules": []}
    with pytest.raises(ApiError) as refused:
        writer.create("clusterroles", aggregated)
    assert refused.value.message == ('clusterroles.rbac.authorization.k8s.io "gatherer" is forbidden: '
                                     'must have cluster-admin privileges to use the aggregationRule')
    assert plane.admin.create("clusterroles", aggregated)["metadata"]["name"] == "gatherer"
