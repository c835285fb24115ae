"""NodeRestriction: a kubelet writes only what belongs to its own node.

The Node authorizer lets every kubelet create pods, update Nodes and pod statuses (the
system:node rules); this validating plugin (plugin/pkg/admission/noderestriction, enabled by
kubeadm's --enable-admission-plugins=NodeRestriction) then narrows each write to the node
that makes it. For a user `system:node:<name>` in `system:nodes`:

    pods            create: only mirror pods (annotation kubernetes.io/config.mirror), bound
                    to itself, owned by its Node, referencing no service account, secret,
                    configmap or claim; delete: only pods bound to itself
    pods/status     only pods bound to itself        pods/eviction  likewise
    nodes           only its own Node (and status); it may not set or change
                    node-restriction.kubernetes.io/ labels, nor kubernetes.io / k8s.io labels
                    outside the kubelet's own set (hostname, os, arch, zone, region, instance
                    type, and the kubelet.kubernetes.io / node.kubernetes.io namespaces),
                    nor, once registered, its taints
    leases          only its own, in kube-node-lease
    serviceaccounts/token   only tokens bound to a pod on its node

So a stolen kubelet credential cannot label its node to attract workloads meant for
dedicated nodes (node-restriction.kubernetes.io/ labels exist for exactly that), nor run
pods of its choosing elsewhere, nor mint tokens for pods it does not run.
"""
from __future__ import annotations

from ...api import errors
from ..authentication.user import NODE_PREFIX, NODES_GROUP
from ..authorization.node_graph import pod_references   # the Node authorizer's list of what a pod uses
from .attributes import Attributes
from .chain import AdmissionPlugin

MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
NODE_LEASE_NAMESPACE = "kube-node-lease"
KUBELET_LABELS = {"kubernetes.io/hostname", "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
                  "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
                  "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type",
                  "kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/arch"}
KUBELET_LABEL_NAMESPACES = ("kubelet.kubernetes.io", "node.kubernetes.io")
RESTRICTED_NAMESPACE = "node-restriction.kubernetes.io"


def _in_namespace(namespace: str, domain: str) -> bool:
    return namespace == domain or namespace.endswith("." + domain)


def forbidden_labels(modified: set[str]) -> list[str]:
    """The labels a kubelet may not set or change (upstream's getForbiddenLabels)."""
    forbidden = set()
    for label in modified:
        namespace = label.split("/", 1)[0] if "/" in label else ""
        if _in_namespace(namespace, RESTRICTED_NAMESPACE):
            forbidden.add(label)
        kubernetes = _in_namespace(namespace, "kubernetes.io") or _in_namespace(namespace, "k8s.io")
        kubelet = label in KUBELET_LABELS or any(_in_namespace(namespace, allowed)
                                                 for allowed in KUBELET_LABEL_NAMESPACES)
        if kubernetes and not kubelet:
            forbidden.add(label)
    return sorted(forbidden)


class NodeRestriction(AdmissionPlugin):
    name = "NodeRestriction"
    resources = ("pods", "nodes", "leases", "serviceaccounts")

    def validate(self, attributes: Attributes) -> None:
        if NODES_GROUP not in attributes.groups or not attributes.user.startswith(NODE_PREFIX):
            return
        node = attributes.user[len(NODE_PREFIX):]
        if attributes.resource == "pods":
            self._pod(node, attributes)
        elif attributes.resource == "nodes":
            self._node(node, attributes)
        elif attributes.resource == "leases" and attributes.group == "coordination.k8s.io":
            self._lease(node, attributes)
        elif attributes.resource == "serviceaccounts" and attributes.subresource == "token":
            self._token(node, attributes)

    @staticmethod
    def _pod(node: str, attributes: Attributes) -> None:
        pod = attributes.object if attributes.operation == "CREATE" else attributes.old_object
        pod = pod or {}
        bound_to = (pod.get("spec") or {}).get("nodeName")
        if attributes.subresource == "status":
            if attributes.operation == "UPDATE" and bound_to != node:
                attributes.forbid(f'node "{node}" can only update pod status for pods with spec.nodeName '
                                  f'set to itself')
            return
        if attributes.operation == "DELETE":
            if bound_to != node:
                attributes.forbid(f'node "{node}" can only delete pods with spec.nodeName set to itself')
            return
        if attributes.operation != "CREATE":
            attributes.forbid(f'unexpected operation "{attributes.operation}", node "{node}" can only create and '
                              f'delete mirror pods')
        if MIRROR_POD_ANNOTATION not in (pod.get("metadata", {}).get("annotations") or {}):
            attributes.forbid(f'pod does not have "{MIRROR_POD_ANNOTATION}" annotation, node "{node}" can only '
                              f'create mirror pods')
        if bound_to != node:
            attributes.forbid(f'node "{node}" can only create pods with spec.nodeName set to itself')
        owners = pod.get("metadata", {}).get("ownerReferences") or []
        if len(owners) != 1 or owners[0].get("kind") != "Node" or owners[0].get("name") != node:
            attributes.forbid(f'node "{node}" can only create pods with an owner reference set to itself')
        spec = pod.get("spec") or {}
        if spec.get("serviceAccountName"):
            attributes.forbid(f'node "{node}" can not create pods that reference a service account')
        kinds = {kind for kind, _, _ in pod_references({**pod, "spec": {**spec, "serviceAccountName": ""}})}
        for kind, words in (("secrets", "secrets"), ("configmaps", "configmaps"),
                            ("persistentvolumeclaims", "persistentvolumeclaims")):
            if kind in kinds:
                attributes.forbid(f'node "{node}" can not create pods that reference {words}')

    @staticmethod
    def _node(node: str, attributes: Attributes) -> None:
        if attributes.name != node:
            attributes.forbid(f'node "{node}" is not allowed to modify node "{attributes.name}"')
        if attributes.operation == "CREATE":
            labels = set(((attributes.object or {}).get("metadata") or {}).get("labels") or {})
            forbidden = forbidden_labels(labels)
            if forbidden:
                attributes.forbid(f'node "{node}" is not allowed to set the following labels: {", ".join(forbidden)}')
        elif attributes.operation == "UPDATE":
            new, old = attributes.object or {}, attributes.old_object or {}
            if (new.get("spec") or {}).get("taints") != (old.get("spec") or {}).get("taints"):
                attributes.forbid(f'node "{node}" is not allowed to modify taints')
            new_labels = (new.get("metadata") or {}).get("labels") or {}
            old_labels = (old.get("metadata") or {}).get("labels") or {}
            modified = {key for key in set(new_labels) | set(old_labels) if new_labels.get(key) != old_labels.get(key)}
            forbidden = forbidden_labels(modified)
            if forbidden:
                attributes.forbid(f"is not allowed to modify labels: {', '.join(forbidden)}")

    @staticmethod
    def _lease(node: str, attributes: Attributes) -> None:
        if attributes.namespace != NODE_LEASE_NAMESPACE:
            attributes.forbid(f'can only access leases in the "{NODE_LEASE_NAMESPACE}" system namespace')
        name = ((attributes.object or {}).get("metadata") or {}).get("name") \
            if attributes.operation == "CREATE" else attributes.name
        if name != node:
            attributes.forbid("can only access node lease with the same name as the requesting node")

    @staticmethod
    def _token(node: str, attributes: Attributes) -> None:
        reference = ((attributes.object or {}).get("spec") or {}).get("boundObjectRef") or {}
        if reference.get("apiVersion") != "v1" or reference.get("kind") != "Pod" or not reference.get("name"):
            attributes.forbid("node requested token not bound to a pod")
        if not reference.get("uid"):
            attributes.forbid("node requested token with a pod binding without a uid")
        pod = attributes.lookup("pods", attributes.namespace, reference["name"])
        if pod is None:
            raise errors.not_found("pods", "", reference["name"])
        if pod["metadata"].get("uid") != reference["uid"]:
            attributes.forbid(f"the UID in the bound object reference ({reference['uid']}) does not match the UID "
                              f"in record. The object might have been deleted and then recreated")
        if (pod.get("spec") or {}).get("nodeName") != node:
            attributes.forbid("node requested token bound to a pod scheduled on a different node")
