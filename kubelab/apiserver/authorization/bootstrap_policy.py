"""The default RBAC policy every new cluster starts with (upstream's bootstrappolicy, v1.32).

When kube-apiserver starts, its post-start hook `rbac/bootstrap-roles` makes sure these
ClusterRoles and ClusterRoleBindings exist (labelled `kubernetes.io/bootstrapping:
rbac-defaults`). They are what `kubectl get clusterroles` shows on a fresh cluster:

    cluster-admin                 everything; bound to the group system:masters
    admin, edit, view             for namespaces, given out with RoleBindings (not bound by default)
    system:basic-user             SelfSubjectAccessReview & co: "what may I do?"; all authenticated users
    system:discovery              /api, /apis, /version, …: all authenticated users
    system:public-info-viewer     /version, /healthz, …: everyone, even anonymous
    system:kube-scheduler, system:kube-controller-manager, system:node-proxier
                                  bound to the users those components authenticate as
    system:node                   the kubelets' rules (enforced by the Node authorizer, node.py)
    system:controller:<name>      one per controller, bound to service account kube-system/<name>

The rules below are upstream's, transcribed from its policy (plugin/pkg/auth/authorizer/rbac/
bootstrappolicy, testdata/*.yaml), keeping the groups and resources kubelab serves or a
lesson mentions. `admin`, `edit` and `view` are aggregated roles upstream (their rules are
collected from system:aggregate-to-* by a controller); kubelab stores them with the rules
already collected, in the order the clusterrole-aggregation controller
(controllers/clusterrole_aggregation.py) gathers them, so a fresh cluster's controller writes
nothing; a learner's role labelled aggregate-to-view then joins `view` through it.
"""
from __future__ import annotations

READ = "get list watch"
WRITE = "create delete deletecollection patch update"
ALL = "create delete deletecollection get list patch update watch"
EVENTS = ("create patch update", ", events.k8s.io", "events")  # every component may write Events


def rule(verbs: str, groups: str, resources: str, names: str = "") -> dict:
    """One PolicyRule: rule("get list", "", "pods services") — groups "" is the core group."""
    out = {"apiGroups": [g.strip() for g in groups.split(",")], "resources": resources.split(),
           "verbs": verbs.split()}
    if names:
        out["resourceNames"] = names.split()
    return out


def urls(verbs: str, paths: str) -> dict:
    return {"nonResourceURLs": paths.split(), "verbs": verbs.split()}


AGGREGATE_TO_VIEW = [
    rule(READ, "", "configmaps endpoints persistentvolumeclaims persistentvolumeclaims/status pods "
                   "replicationcontrollers replicationcontrollers/scale serviceaccounts services services/status"),
    rule(READ, "", "bindings events limitranges namespaces/status pods/log pods/status "
                   "replicationcontrollers/status resourcequotas resourcequotas/status"),
    rule(READ, "", "namespaces"),
    rule(READ, "discovery.k8s.io", "endpointslices"),
    rule(READ, "apps", "controllerrevisions daemonsets daemonsets/status deployments deployments/scale "
                       "deployments/status replicasets replicasets/scale replicasets/status statefulsets "
                       "statefulsets/scale statefulsets/status"),
    rule(READ, "autoscaling", "horizontalpodautoscalers horizontalpodautoscalers/status"),
    rule(READ, "batch", "cronjobs cronjobs/status jobs jobs/status"),
    rule(READ, "policy", "poddisruptionbudgets poddisruptionbudgets/status"),
    rule(READ, "networking.k8s.io", "ingresses ingresses/status networkpolicies"),
]
AGGREGATE_TO_EDIT = [
    rule(READ, "", "pods/attach pods/exec pods/portforward pods/proxy secrets services/proxy"),
    rule("impersonate", "", "serviceaccounts"),
    rule(WRITE, "", "pods pods/attach pods/exec pods/portforward pods/proxy"),
    rule("create", "", "pods/eviction"),
    rule(WRITE, "", "configmaps events persistentvolumeclaims replicationcontrollers "
                    "replicationcontrollers/scale secrets serviceaccounts services services/proxy"),
    rule("create", "", "serviceaccounts/token"),
    rule(WRITE, "apps", "daemonsets deployments deployments/rollback deployments/scale replicasets "
                        "replicasets/scale statefulsets statefulsets/scale"),
    rule(WRITE, "autoscaling", "horizontalpodautoscalers"),
    rule(WRITE, "batch", "cronjobs jobs"),
    rule(WRITE, "policy", "poddisruptionbudgets"),
    rule(WRITE, "networking.k8s.io", "ingresses networkpolicies"),
    rule(ALL, "coordination.k8s.io", "leases"),
]
AGGREGATE_TO_ADMIN = [
    rule("create", "authorization.k8s.io", "localsubjectaccessreviews"),
    rule(ALL, "rbac.authorization.k8s.io", "rolebindings roles"),
]

# The kubelets' rules: the system:node ClusterRole, which the Node authorizer applies.
NODE_RULES = [
    rule("create", "authentication.k8s.io", "tokenreviews"),
    rule("create", "authorization.k8s.io", "localsubjectaccessreviews subjectaccessreviews"),
    rule(READ, "", "services"),
    rule("create get list watch", "", "nodes"),
    rule("patch update", "", "nodes/status"),
    rule("patch update", "", "nodes"),
    rule("create patch update", "", "events"),
    rule(READ, "", "pods"),
    rule("create delete", "", "pods"),
    rule("patch update", "", "pods/status"),
    rule("create", "", "pods/eviction"),
    rule(READ, "", "configmaps secrets"),
    rule("get", "", "persistentvolumeclaims persistentvolumes"),
    rule("get", "", "endpoints"),
    rule("create delete get patch update", "coordination.k8s.io", "leases"),
    rule("create", "", "serviceaccounts/token"),
    rule(READ, "node.k8s.io", "runtimeclasses"),
]

CLUSTER_ROLES: dict[str, list[dict]] = {
    "cluster-admin": [rule("*", "*", "*"), urls("*", "*")],
    # As the aggregation controller gathers them: the selected roles sorted by name (admin
    # selects edit, then system:aggregate-to-admin), each rule once.
    "admin": AGGREGATE_TO_EDIT + AGGREGATE_TO_VIEW + AGGREGATE_TO_ADMIN,
    "edit": AGGREGATE_TO_EDIT + AGGREGATE_TO_VIEW,
    "view": AGGREGATE_TO_VIEW,
    "system:aggregate-to-admin": AGGREGATE_TO_ADMIN,
    "system:aggregate-to-edit": AGGREGATE_TO_EDIT,
    "system:aggregate-to-view": AGGREGATE_TO_VIEW,
    "system:basic-user": [rule("create", "authorization.k8s.io", "selfsubjectaccessreviews selfsubjectrulesreviews"),
                          rule("create", "authentication.k8s.io", "selfsubjectreviews")],
    "system:discovery": [urls("get", "/api /api/* /apis /apis/* /healthz /livez /openapi /openapi/* "
                                     "/readyz /version /version/")],
    "system:public-info-viewer": [urls("get", "/healthz /livez /readyz /version /version/")],
    "system:monitoring": [urls("get", "/healthz /healthz/* /livez /livez/* /metrics /metrics/slis "
                                      "/readyz /readyz/*")],
    "system:auth-delegator": [rule("create", "authentication.k8s.io", "tokenreviews"),
                              rule("create", "authorization.k8s.io", "subjectaccessreviews")],
    "system:node": NODE_RULES,
    "system:node-proxier": [rule("list watch", "", "endpoints services"), rule(READ, "", "nodes"),
                            rule(*EVENTS), rule("list watch", "discovery.k8s.io", "endpointslices")],
    "system:kube-scheduler": [
        rule(*EVENTS), rule("create", "coordination.k8s.io", "leases"),
        rule("get update", "coordination.k8s.io", "leases", "kube-scheduler"),
        rule(READ, "", "nodes"), rule("delete get list watch", "", "pods"),
        rule("create", "", "bindings pods/binding"), rule("patch update", "", "pods/status"),
        rule(READ, "", "replicationcontrollers services"), rule(READ, "apps, extensions", "replicasets"),
        rule(READ, "apps", "statefulsets"), rule(READ, "policy", "poddisruptionbudgets"),
        rule(READ, "", "persistentvolumeclaims persistentvolumes"),
        rule("create", "authentication.k8s.io", "tokenreviews"),
        rule("create", "authorization.k8s.io", "subjectaccessreviews"),
        rule(READ, "storage.k8s.io", "csinodes"), rule(READ, "", "namespaces"),
        rule(READ, "storage.k8s.io", "csidrivers csistoragecapacities")],
    "system:volume-scheduler": [
        rule("get list patch update watch", "", "persistentvolumes persistentvolumeclaims"),
        rule(READ, "storage.k8s.io", "storageclasses")],
    # Not in upstream's bootstrap policy: the cloud controller manager's manifests bring it
    # (cloud-controller-manager-role.yaml), for the user its kubeconfig names.
    "system:cloud-controller-manager": [
        rule(*EVENTS), rule("create", "coordination.k8s.io", "leases"),
        rule("get update", "coordination.k8s.io", "leases", "cloud-controller-manager"),
        rule("create get", "", "serviceaccounts"), rule("create", "", "serviceaccounts/token"),
        rule("list watch", "*", "*")],
    "system:kube-controller-manager": [
        rule(*EVENTS), rule("create", "coordination.k8s.io", "leases"),
        rule("get update", "coordination.k8s.io", "leases", "kube-controller-manager"),
        rule("create", "", "secrets serviceaccounts"), rule("delete", "", "secrets"),
        rule("get", "", "configmaps namespaces secrets serviceaccounts"),
        rule("update", "", "secrets serviceaccounts"),
        rule("create", "authentication.k8s.io", "tokenreviews"),
        rule("create", "authorization.k8s.io", "subjectaccessreviews"),
        rule("list watch", "*", "*"), rule("create", "", "serviceaccounts/token")],
}

# One role per controller (upstream: controller_policy.go), for the controllers kubelab runs.
CONTROLLER_ROLES: dict[str, list[dict]] = {
    "deployment-controller": [
        rule("get list update watch", "apps, extensions", "deployments"),
        rule("update", "apps, extensions", "deployments/status"),
        rule("update", "apps, extensions", "deployments/finalizers"),
        rule("create delete get list patch update watch", "apps, extensions", "replicasets"),
        rule("get list update watch", "", "pods"), rule(*EVENTS)],
    "replicaset-controller": [
        rule("get list update watch", "apps, extensions", "replicasets"),
        rule("update", "apps, extensions", "replicasets/status"),
        rule("update", "apps, extensions", "replicasets/finalizers"),
        rule("create delete list patch watch", "", "pods"), rule(*EVENTS)],
    "endpoint-controller": [
        rule(READ, "", "pods services"), rule("create delete get list update watch", "", "endpoints"),
        rule("create", "", "endpoints/restricted"), rule(*EVENTS)],
    "generic-garbage-collector": [rule("delete get list patch update watch", "*", "*"), rule(*EVENTS)],
    "namespace-controller": [
        rule("delete get list watch", "", "namespaces"),
        rule("update", "", "namespaces/finalize namespaces/status"),
        rule("delete deletecollection get list watch", "*", "*")],
    "node-controller": [
        rule("delete get list patch update watch", "", "nodes"), rule("patch update", "", "nodes/status"),
        rule("patch update", "", "pods/status"), rule("delete get list watch", "", "pods"), rule(*EVENTS)],
    # The cloud controller manager's controllers (upstream ships these with the CCM's manifests).
    "cloud-node-controller": [rule("get list update watch delete patch", "", "nodes"),
                              rule("patch update", "", "nodes/status"), rule(*EVENTS)],
    "cloud-node-lifecycle-controller": [rule("get list watch delete patch update", "", "nodes"), rule(*EVENTS)],
    "service-controller": [rule(READ, "", "services"), rule("patch update", "", "services services/status"),
                           rule("list watch", "", "nodes"), rule(*EVENTS)],
    "taint-eviction-controller": [rule("delete get list watch", "", "pods"), rule("patch update", "", "pods/status"),
                                  rule(READ, "", "nodes"), rule(*EVENTS)],
    "pod-garbage-collector": [rule("delete list watch", "", "pods"), rule(READ, "", "nodes"),
                              rule("patch update", "", "pods/status")],
    "service-account-controller": [rule("create", "", "serviceaccounts"), rule(*EVENTS)],
    "persistent-volume-binder": [
        rule("create delete get list update watch", "", "persistentvolumes"),
        rule("update", "", "persistentvolumes/status"),
        rule("get list update watch", "", "persistentvolumeclaims"),
        rule("update", "", "persistentvolumeclaims/status"),
        rule("create delete get list watch", "", "pods"), rule(READ, "storage.k8s.io", "storageclasses"),
        rule("get list", "", "nodes"), rule(*EVENTS)],
    "pvc-protection-controller": [rule("get list update watch", "", "persistentvolumeclaims"),
                                  rule("get list watch", "", "pods"), rule(*EVENTS)],
    "pv-protection-controller": [rule("get list update watch", "", "persistentvolumes"), rule(*EVENTS)],
    # Not upstream's: the ClusterRole a provisioner's manifests bring (as local-path-provisioner's).
    "hostpath-provisioner": [
        rule(READ, "", "nodes"), rule("get list update watch", "", "persistentvolumeclaims"),
        rule("create delete get list patch update watch", "", "persistentvolumes"),
        rule("create get list watch", "storage.k8s.io", "storageclasses"), rule(*EVENTS)],
    "root-ca-cert-publisher": [rule("create update", "", "configmaps"), rule(*EVENTS)],
    "disruption-controller": [
        rule("get list watch", "extensions, apps", "deployments"), rule("get list watch", "apps, extensions", "replicasets"),
        rule("get list watch", "", "replicationcontrollers"), rule("get list watch", "policy", "poddisruptionbudgets"),
        rule("get list watch", "apps", "statefulsets"), rule("update", "policy", "poddisruptionbudgets/status"),
        rule("patch update", "", "pods/status"), rule("get", "*", "*/scale"), rule(*EVENTS)],
    "endpointslice-controller": [
        rule("get list watch", "", "services pods nodes"), rule("update", "", "services/finalizers"),
        rule("get list create update delete", "discovery.k8s.io", "endpointslices"), rule(*EVENTS)],
    "replication-controller": [
        rule("get list update watch", "", "replicationcontrollers"),
        rule("update", "", "replicationcontrollers/status"),
        rule("update", "", "replicationcontrollers/finalizers"),
        rule("create delete list patch watch", "", "pods"), rule(*EVENTS)],
    "daemon-set-controller": [
        rule("get list watch", "apps, extensions", "daemonsets"),
        rule("update", "apps, extensions", "daemonsets/status"),
        rule("update", "apps, extensions", "daemonsets/finalizers"),
        rule("list watch", "", "nodes"), rule("create delete list patch watch", "", "pods"),
        rule("create", "", "pods/binding"),
        rule("create delete get list patch update watch", "apps", "controllerrevisions"), rule(*EVENTS)],
    "statefulset-controller": [
        rule("list watch", "", "pods"), rule("get list watch", "apps", "statefulsets"),
        rule("update", "apps", "statefulsets/status"), rule("update", "apps", "statefulsets/finalizers"),
        rule("create delete get patch update", "", "pods"),
        rule("create delete get list patch update watch", "apps", "controllerrevisions"),
        rule("create get", "", "persistentvolumeclaims"),
        rule("delete patch update", "", "persistentvolumeclaims"), rule(*EVENTS)],
    "job-controller": [
        rule("get list patch update watch", "batch", "jobs"), rule("patch update", "batch", "jobs/status"),
        rule("update", "batch", "jobs/finalizers"), rule("create delete list patch watch", "", "pods"),
        rule(*EVENTS)],
    "cronjob-controller": [
        rule("get list update watch", "batch", "cronjobs"),
        rule("create delete get list patch update watch", "batch", "jobs"),
        rule("update", "batch", "cronjobs/status"), rule("update", "batch", "cronjobs/finalizers"),
        rule("delete list", "", "pods"), rule(*EVENTS)],
    "ttl-after-finished-controller": [rule("delete get list watch", "batch", "jobs"), rule(*EVENTS)],
    # It writes rules it does not hold into admin, edit, view: hence `escalate`.
    "clusterrole-aggregation-controller": [
        rule("escalate get list patch update watch", "rbac.authorization.k8s.io", "clusterroles")],
}

# ClusterRoleBindings: role -> subjects (kind, name[, namespace]).
CLUSTER_ROLE_BINDINGS: dict[str, list[tuple[str, ...]]] = {
    "cluster-admin": [("Group", "system:masters")],
    "system:basic-user": [("Group", "system:authenticated")],
    "system:discovery": [("Group", "system:authenticated")],
    "system:public-info-viewer": [("Group", "system:authenticated"), ("Group", "system:unauthenticated")],
    "system:monitoring": [("Group", "system:monitoring")],
    "system:node": [],  # no subjects since 1.8: the Node authorizer grants these rules instead
    "system:node-proxier": [("User", "system:kube-proxy")],
    "system:kube-scheduler": [("User", "system:kube-scheduler")],
    "system:volume-scheduler": [("User", "system:kube-scheduler")],
    "system:kube-controller-manager": [("User", "system:kube-controller-manager")],
    "system:cloud-controller-manager": [("User", "cloud-controller-manager")],
}

_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
_ANNOTATIONS = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
_RBAC = "rbac.authorization.k8s.io/v1"
_AGGREGATED = {"admin": "aggregate-to-admin", "edit": "aggregate-to-edit", "view": "aggregate-to-view"}
_AGGREGATES_TO = {"edit": "aggregate-to-admin", "view": "aggregate-to-edit",
                  "system:aggregate-to-admin": "aggregate-to-admin",
                  "system:aggregate-to-edit": "aggregate-to-edit",
                  "system:aggregate-to-view": "aggregate-to-view"}


def _subject(kind: str, name: str, namespace: str = "") -> dict:
    if kind == "ServiceAccount":
        return {"kind": kind, "name": name, "namespace": namespace}
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": name}


def cluster_roles() -> list[dict]:
    """Every default ClusterRole, as the objects the API server creates at start."""
    roles = []
    for name, rules in [*CLUSTER_ROLES.items(),
                        *((f"system:controller:{c}", r) for c, r in CONTROLLER_ROLES.items())]:
        labels = dict(_LABELS)
        if name in _AGGREGATES_TO:
            labels[f"rbac.authorization.k8s.io/{_AGGREGATES_TO[name]}"] = "true"
        role = {"apiVersion": _RBAC, "kind": "ClusterRole",
                "metadata": {"name": name, "labels": labels, "annotations": dict(_ANNOTATIONS)},
                "rules": rules}
        if name in _AGGREGATED:
            role["aggregationRule"] = {"clusterRoleSelectors": [
                {"matchLabels": {f"rbac.authorization.k8s.io/{_AGGREGATED[name]}": "true"}}]}
        roles.append(role)
    return roles


def cluster_role_bindings() -> list[dict]:
    """Every default ClusterRoleBinding (each named after its role, as upstream)."""
    bindings = [(name, [_subject(*s) for s in subjects]) for name, subjects in CLUSTER_ROLE_BINDINGS.items()]
    bindings += [(f"system:controller:{c}", [_subject("ServiceAccount", c, "kube-system")])
                 for c in CONTROLLER_ROLES]
    return [{"apiVersion": _RBAC, "kind": "ClusterRoleBinding",
             "metadata": {"name": name, "labels": dict(_LABELS), "annotations": dict(_ANNOTATIONS)},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
             "subjects": subjects} for name, subjects in bindings]


def ensure_policy(apiserver) -> None:
    """The `rbac/bootstrap-roles` post-start hook: create every default role and binding that is missing."""
    from ..authentication.user import APISERVER_USER
    from ...api.errors import ApiError
    from ...api.request import Request
    for resource, objects in (("clusterroles", cluster_roles()), ("clusterrolebindings", cluster_role_bindings())):
        for obj in objects:
            try:
                apiserver.handle(Request("create", resource, body=obj, user=APISERVER_USER.name,
                                         user_info=APISERVER_USER))
            except ApiError as error:
                if error.reason != "AlreadyExists":
                    raise
