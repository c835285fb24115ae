"""Stories of the ClusterRole aggregation controller: labelled roles add their rules to
admin/edit/view, and a learner's own aggregationRule gathers roles — the very next request sees it."""
import pytest

from kubelab import Cluster
from kubelab.apiserver.authorization.bootstrap_policy import cluster_roles
from kubelab.controllers.clusterrole_aggregation import aggregate_rules, same_rules

CRONTAB_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "crontabs.stable.example.com"},
    "spec": {"group": "stable.example.com", "scope": "Namespaced",
             "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab"},
             "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                 "type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]}}

# The Kubernetes docs' example (access-authn-authz/rbac, "Default roles and role bindings").
AGGREGATE_CRON_TABS_VIEW = """
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  name: aggregate-cron-tabs-view
  labels:
    # Add these permissions to the "view" default role.
    rbac.authorization.k8s.io/aggregate-to-view: "true"
rules:
- apiGroups: ["stable.example.com"]
  resources: ["crontabs"]
  verbs: ["get", "list", "watch"]
"""

# The docs' aggregated ClusterRole, fed by two roles.
MONITORING = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring
aggregationRule:
  clusterRoleSelectors:
  - matchLabels:
      rbac.example.com/aggregate-to-monitoring: "true"
rules: [] # The control plane automatically fills in the rules
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring-endpoints
  labels:
    rbac.example.com/aggregate-to-monitoring: "true"
rules:
- apiGroups: [""]
  resources: ["services", "endpointslices", "pods"]
  verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring-secrets
  labels:
    rbac.example.com/aggregate-to-monitoring: "true"
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["services", "endpointslices", "pods"]
  verbs: ["get", "list", "watch"]
"""


def may(cluster, user: str, verb: str, resource: str, group: str = "") -> bool:
    """A SubjectAccessReview the admin asks about `user` in namespace default."""
    review = cluster.client.create("subjectaccessreviews", {
        "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
        "spec": {"user": user, "groups": ["system:serviceaccounts", "system:authenticated"],
                 "resourceAttributes": {"namespace": "default", "verb": verb, "resource": resource,
                                        "group": group}}})
    return review["status"]["allowed"]


@pytest.fixture
def cluster():
    cluster = Cluster(nodes=1, seed=0)
    cluster.client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                              "metadata": {"name": "reader"}}, "default")
    cluster.client.create("rolebindings", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "reader-views"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "default"}]}, "default")
    cluster.client.create("customresourcedefinitions", CRONTAB_CRD)
    cluster.settle()
    return cluster


READER = "system:serviceaccount:default:reader"


def test_the_bootstrap_roles_are_stored_as_the_controller_would_gather_them():
    roles = {role["metadata"]["name"]: role for role in cluster_roles()}

    def selected_by(selector):
        wanted = selector["matchLabels"].items()
        return sorted((r for r in roles.values() if wanted <= r["metadata"]["labels"].items()),
                      key=lambda r: r["metadata"]["name"])
    for name in ("admin", "edit", "view"):
        assert same_rules(aggregate_rules(roles[name], selected_by), roles[name]["rules"]), name


def test_a_started_cluster_writes_no_clusterrole(cluster):
    writes = [r for r in cluster.apiserver.chain.records
              if r.resource == "clusterroles" and r.verb in ("update", "patch")]
    assert writes == []
    assert cluster.controller_manager.errors() == []


def test_a_role_labelled_aggregate_to_view_lets_view_read_a_crd_until_the_label_goes(cluster):
    assert not may(cluster, READER, "list", "crontabs", "stable.example.com")

    cluster.kubectl("apply -f -", stdin=AGGREGATE_CRON_TABS_VIEW)
    cluster.settle()
    view = cluster.get("clusterroles", "view")   # aggregate-cron-tabs-view sorts before system:aggregate-to-view
    assert view["rules"][0] == {"apiGroups": ["stable.example.com"], "resources": ["crontabs"],
                                 "verbs": ["get", "list", "watch"]}
    assert may(cluster, READER, "list", "crontabs", "stable.example.com")
    assert not may(cluster, READER, "delete", "crontabs", "stable.example.com")
    # edit and admin gather view (view carries aggregate-to-edit, edit aggregate-to-admin)
    for name in ("edit", "admin"):
        assert view["rules"][0] in cluster.get("clusterroles", name)["rules"]

    cluster.kubectl("label clusterrole aggregate-cron-tabs-view rbac.authorization.k8s.io/aggregate-to-view-")
    cluster.settle()
    assert not may(cluster, READER, "list", "crontabs", "stable.example.com")
    assert all(rule.get("apiGroups") != ["stable.example.com"]
               for name in ("view", "edit", "admin") for rule in cluster.get("clusterroles", name)["rules"])


def test_a_custom_aggregation_rule_gathers_two_roles_each_rule_once_in_name_order(cluster):
    cluster.kubectl("apply -f -", stdin=MONITORING)
    cluster.settle()
    monitoring = cluster.get("clusterroles", "monitoring")
    # monitoring-secrets sorts before monitoring-endpoints; their shared rule appears once
    assert monitoring["rules"] == [
        {"apiGroups": [""], "resources": ["services", "endpointslices", "pods"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]
    cluster.client.create("clusterrolebindings", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "reader-monitors"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "monitoring"},
        "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "default"}]})
    assert may(cluster, READER, "get", "secrets")

    # a rule written into the aggregated role by hand is taken out again
    edited = cluster.get("clusterroles", "monitoring")
    edited["rules"].append({"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]})
    cluster.client.update("clusterroles", edited)
    cluster.settle()
    assert cluster.get("clusterroles", "monitoring")["rules"] == monitoring["rules"]
    assert not may(cluster, READER, "get", "nodes")

    cluster.client.delete("clusterroles", "monitoring-secrets")
    cluster.settle()
    assert not may(cluster, READER, "get", "secrets")
    assert may(cluster, READER, "list", "pods")
    assert [r.user for r in cluster.apiserver.chain.records
            if r.resource == "clusterroles" and r.verb == "update" and r.name == "monitoring"][-1] == \
        "system:serviceaccount:kube-system:clusterrole-aggregation-controller"
