"""RBAC stories: roles, bindings, the default policy, and 403s worded as Kubernetes words them."""
import pytest

from kubelab.client import ApiError

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"},
       "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}

POD_READER = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
              "metadata": {"name": "pod-reader", "namespace": "default"},
              "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]}

READ_PODS = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
             "metadata": {"name": "read-pods", "namespace": "default"},
             "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "default"}],
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"}}


def test_a_service_account_may_list_pods_but_not_delete_them(plane):
    plane.admin.create("pods", POD)
    reader = plane.service_account("default", "reader")
    with pytest.raises(ApiError) as before:
        reader.list("pods", "default")
    assert before.value.code == 403  # no binding yet: service accounts start with nothing

    plane.admin.create("roles", POD_READER)
    plane.admin.create("rolebindings", READ_PODS)

    assert [p["metadata"]["name"] for p in reader.list("pods", "default")["items"]] == ["web"]
    assert reader.get("pods", "web", "default")["metadata"]["name"] == "web"
    with pytest.raises(ApiError) as refused:
        reader.delete("pods", "web", "default")
    assert refused.value.status == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'pods "web" is forbidden: User "system:serviceaccount:default:reader" cannot delete '
                   'resource "pods" in API group "" in the namespace "default"',
        "reason": "Forbidden", "details": {"name": "web", "kind": "pods"}, "code": 403}
    assert plane.admin.get("pods", "web", "default")  # still there
    with pytest.raises(ApiError) as elsewhere:  # a RoleBinding grants in its namespace only
        reader.list("pods", "kube-system")
    assert elsewhere.value.status["details"] == {"kind": "pods"}
    assert elsewhere.value.message == ('pods is forbidden: User "system:serviceaccount:default:reader" cannot '
                                       'list resource "pods" in API group "" in the namespace "kube-system"')


def test_a_cluster_role_bound_in_one_namespace_grants_only_there(plane):
    viewer = plane.service_account("default", "viewer")
    plane.admin.create("rolebindings", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "view", "namespace": "default"},
        "subjects": [{"kind": "ServiceAccount", "name": "viewer", "namespace": "default"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}})
    assert viewer.list("deployments", "default")["items"] == []
    with pytest.raises(ApiError) as secrets:  # view never shows secrets
        viewer.list("secrets", "default")
    assert secrets.value.code == 403
    with pytest.raises(ApiError) as nodes:
        viewer.list("nodes")
    assert nodes.value.message == ('nodes is forbidden: User "system:serviceaccount:default:viewer" cannot '
                                   'list resource "nodes" in API group "" at the cluster scope')


def test_the_admin_may_do_anything(plane):
    admin = plane.admin
    admin.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    admin.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                     "metadata": {"name": "default", "namespace": "team"}})
    admin.create("pods", {**POD, "metadata": {"name": "web", "namespace": "team"}})
    admin.patch("pods", "web", {"metadata": {"labels": {"tier": "front"}}}, "team")
    assert admin.list("clusterroles")["items"]
    admin.create("clusterroles", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                  "metadata": {"name": "anything"}, "rules": []})
    admin.delete("pods", "web", "team")
    record = plane.apiserver.chain.records[-1]
    assert record.steps[1].detail == ('RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole '
                                      '"cluster-admin" to Group "system:masters"')


def test_a_node_may_only_update_its_own_node(plane):
    node_1 = plane.as_token(plane.credentials.node("node-1"), "kubelet/node-1")
    node_2 = plane.as_token(plane.credentials.node("node-2"), "kubelet/node-2")
    for client, name in ((node_1, "node-1"), (node_2, "node-2")):
        client.create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
    mine = node_1.get("nodes", "node-1")
    mine["metadata"].setdefault("labels", {})["role"] = "web"
    node_1.update("nodes", mine)
    node_1.patch("nodes", "node-1", {"status": {"capacity": {"pods": "110"}}}, subresource="status")

    assert node_1.get("nodes", "node-2")  # reading another node is fine
    with pytest.raises(ApiError) as refused:
        node_1.patch("nodes", "node-2", {"metadata": {"labels": {"stolen": "yes"}}})
    assert refused.value.code == 403
    assert refused.value.message == (   # NodeRestriction admission's words (admission/node_restriction.py)
        'nodes "node-2" is forbidden: node "node-1" is not allowed to modify node "node-2"')
    with pytest.raises(ApiError):
        node_1.delete("nodes", "node-2")
    assert "stolen" not in (plane.admin.get("nodes", "node-2")["metadata"].get("labels") or {})
    with pytest.raises(ApiError) as deployments:  # and a kubelet has no business with Deployments
        node_1.list("deployments", "default")
    assert deployments.value.code == 403


def test_the_default_policy_is_there_from_the_start(plane):
    roles = {r["metadata"]["name"]: r for r in plane.admin.list("clusterroles")["items"]}
    for name in ("cluster-admin", "admin", "edit", "view", "system:basic-user", "system:discovery",
                 "system:public-info-viewer", "system:node", "system:node-proxier", "system:kube-scheduler",
                 "system:kube-controller-manager", "system:controller:replicaset-controller",
                 "system:controller:deployment-controller", "system:controller:endpoint-controller"):
        assert name in roles, name
        assert roles[name]["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
    assert roles["view"]["aggregationRule"]["clusterRoleSelectors"] == [
        {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}}]
    bindings = {b["metadata"]["name"]: b for b in plane.admin.list("clusterrolebindings")["items"]}
    assert bindings["cluster-admin"]["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}]
    assert bindings["system:controller:replicaset-controller"]["subjects"] == [
        {"kind": "ServiceAccount", "name": "replicaset-controller", "namespace": "kube-system"}]


def test_a_new_role_binding_takes_effect_at_once_and_its_removal_too(plane):
    reader = plane.service_account("default", "reader")
    plane.admin.create("roles", POD_READER)
    plane.admin.create("rolebindings", READ_PODS)
    assert reader.list("pods", "default")["items"] == []
    plane.admin.delete("rolebindings", "read-pods", "default")
    with pytest.raises(ApiError) as refused:
        reader.list("pods", "default")
    assert refused.value.code == 403
