"""The resources the API server serves, and where each is kept in the store.

One row per resource, as the API server's discovery documents list them. `storage` is the
key prefix the real kube-apiserver uses in etcd (`/registry/minions/...` for nodes,
`/registry/services/specs/...` for services — historical names that `etcdctl get --prefix
/registry` shows on a real cluster). `subresources` are the paths under an object that the
API server serves: status, binding, eviction and log (pods), scale (deployments and
replicasets), token (serviceaccounts), finalize (namespaces).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Resource:
    plural: str
    kind: str
    group: str            # "" for the core group
    version: str
    namespaced: bool
    storage: str          # key prefix under /registry
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    field_selectors: tuple[str, ...] = ("metadata.name", "metadata.namespace")
    has_generation: bool = False      # spec changes bump metadata.generation
    verbs: tuple[str, ...] = field(default=("create", "delete", "get", "list", "patch", "update", "watch"))

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    def key(self, namespace: str, name: str) -> str:
        """The store key of one object: /registry/<storage>/<namespace>/<name>."""
        return f"/registry/{self.storage}/{namespace}/{name}" if self.namespaced \
            else f"/registry/{self.storage}/{name}"

    def prefix(self, namespace: str | None) -> str:
        """The store prefix listing this resource, in one namespace or all."""
        if self.namespaced and namespace:
            return f"/registry/{self.storage}/{namespace}/"
        return f"/registry/{self.storage}/"


_POD_FIELDS = ("metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
               "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
               "status.phase", "status.podIP", "status.nominatedNodeName")
_EVENT_FIELDS = ("metadata.name", "metadata.namespace", "involvedObject.kind",
                 "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                 "involvedObject.apiVersion", "involvedObject.resourceVersion",
                 "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type")
_SECRET_FIELDS = ("metadata.name", "metadata.namespace", "type")

RESOURCES: dict[str, Resource] = {r.plural: r for r in [
    Resource("namespaces", "Namespace", "", "v1", False, "namespaces", ("ns",),
             ("status", "finalize"), ("metadata.name", "status.phase")),
    Resource("nodes", "Node", "", "v1", False, "minions", ("no",), ("status",),
             ("metadata.name", "spec.unschedulable")),
    Resource("pods", "Pod", "", "v1", True, "pods", ("po",), ("status", "binding", "eviction", "log", "exec", "attach", "portforward"),
             _POD_FIELDS),
    Resource("services", "Service", "", "v1", True, "services/specs", ("svc",), ("status",)),
    Resource("endpoints", "Endpoints", "", "v1", True, "services/endpoints", ("ep",)),
    Resource("events", "Event", "", "v1", True, "events", ("ev",), (), _EVENT_FIELDS),
    Resource("replicasets", "ReplicaSet", "apps", "v1", True, "replicasets", ("rs",),
             ("status", "scale"), has_generation=True),
    Resource("deployments", "Deployment", "apps", "v1", True, "deployments", ("deploy",),
             ("status", "scale"), has_generation=True),
    Resource("configmaps", "ConfigMap", "", "v1", True, "configmaps", ("cm",)),
    Resource("secrets", "Secret", "", "v1", True, "secrets", (), (), _SECRET_FIELDS),
    Resource("serviceaccounts", "ServiceAccount", "", "v1", True, "serviceaccounts", ("sa",), ("token",)),
    Resource("leases", "Lease", "coordination.k8s.io", "v1", True, "leases"),
    Resource("roles", "Role", "rbac.authorization.k8s.io", "v1", True, "roles"),
    Resource("rolebindings", "RoleBinding", "rbac.authorization.k8s.io", "v1", True, "rolebindings"),
    Resource("clusterroles", "ClusterRole", "rbac.authorization.k8s.io", "v1", False, "clusterroles"),
    Resource("clusterrolebindings", "ClusterRoleBinding", "rbac.authorization.k8s.io", "v1", False,
             "clusterrolebindings"),
    Resource("customresourcedefinitions", "CustomResourceDefinition", "apiextensions.k8s.io", "v1", False,
             "apiextensions.k8s.io/customresourcedefinitions", ("crd", "crds"), ("status",)),
    Resource("priorityclasses", "PriorityClass", "scheduling.k8s.io", "v1", False, "priorityclasses", ("pc",)),
    Resource("storageclasses", "StorageClass", "storage.k8s.io", "v1", False, "storageclasses", ("sc",)),
    Resource("persistentvolumes", "PersistentVolume", "", "v1", False, "persistentvolumes", ("pv",), ("status",)),
    Resource("persistentvolumeclaims", "PersistentVolumeClaim", "", "v1", True, "persistentvolumeclaims", ("pvc",),
             ("status",)),
    Resource("poddisruptionbudgets", "PodDisruptionBudget", "policy", "v1", True, "poddisruptionbudgets",
             ("pdb",), ("status",), has_generation=True),
    Resource("endpointslices", "EndpointSlice", "discovery.k8s.io", "v1", True, "endpointslices"),
    # The workload kinds of issue 10 (controllers/replicationcontroller.py, daemonset.py, statefulset.py)
    Resource("replicationcontrollers", "ReplicationController", "", "v1", True, "controllers", ("rc",),
             ("status", "scale"), has_generation=True),
    Resource("daemonsets", "DaemonSet", "apps", "v1", True, "daemonsets", ("ds",), ("status",),
             has_generation=True),
    Resource("statefulsets", "StatefulSet", "apps", "v1", True, "statefulsets", ("sts",), ("status", "scale"),
             has_generation=True),
    Resource("controllerrevisions", "ControllerRevision", "apps", "v1", True, "controllerrevisions"),
    Resource("jobs", "Job", "batch", "v1", True, "jobs", (), ("status",), has_generation=True),
    Resource("cronjobs", "CronJob", "batch", "v1", True, "cronjobs", ("cj",), ("status",), has_generation=True),
]}

BY_KIND: dict[str, Resource] = {r.kind: r for r in RESOURCES.values()}

# The access reviews `kubectl auth can-i` sends: served create-only and never stored, so they
# have no row above (apiserver/authorization/review.py answers them).
REVIEW_GROUP = "authorization.k8s.io"
REVIEW_KINDS = {"selfsubjectaccessreviews": "SelfSubjectAccessReview",
                "subjectaccessreviews": "SubjectAccessReview",
                "selfsubjectrulesreviews": "SelfSubjectRulesReview"}


def lookup(resource: str) -> Resource | None:
    """A Resource by plural, singular, short name or Kind (case-insensitive), as kubectl accepts."""
    wanted = resource.lower().split(".")[0]
    for r in RESOURCES.values():
        if wanted in (r.plural, r.singular) or wanted in r.short_names:
            return r
    return None
