"""The Node authorizer: what a kubelet may do, decided by which node it is.

A kubelet authenticates as `system:node:<name>` in the group `system:nodes`. Upstream's Node
authorizer (plugin/pkg/auth/authorizer/node) answers for those users only, in two ways:

    secrets, configmaps           get/list/watch one named object, in a namespace, if the
                                  graph (node_graph.py) leads from it to this node
    persistentvolumeclaims, -volumes   get, likewise
    serviceaccounts/token         create, for an account a pod on this node runs as
    leases (coordination.k8s.io)  in kube-node-lease, and only the one named after the node
    anything else                 the rules of the system:node ClusterRole (bootstrap_policy.py),
                                  which nothing binds: this authorizer applies them
    not a node user               no opinion (RBAC decides)

So a kubelet's credentials read the Secrets of the pods on its node and no others. What a
kubelet may *write* is narrowed further by the NodeRestriction admission plugin
(admission/node_restriction.py): its own Node, mirror pods bound to it, the status of its
pods, its own Lease. The reasons ("no relationship found between node 'node-1' and this
object") appear after the 403, as upstream's do.
"""
from __future__ import annotations

from ..authentication.user import NODES_GROUP, node_name
from .attributes import Attributes
from .bootstrap_policy import NODE_RULES
from .rbac import rule_allows

NODE_LEASE_NAMESPACE = "kube-node-lease"
_GRAPH_READS = {"secrets": ("get", "list", "watch"), "configmaps": ("get", "list", "watch"),
                "persistentvolumeclaims": ("get",), "persistentvolumes": ("get",)}


_NODE_RULE_ANSWERS = {True: ("allow", ""), False: ("no-opinion", "")}
_NODE_RULES_NAME_RESOURCES = any(rule.get("resourceNames") for rule in NODE_RULES)
_node_rule_answers: dict[tuple, bool] = {}   # the question -> do the system:node rules allow it


def _node_rules_allow(attributes: Attributes) -> bool:
    """Do the system:node ClusterRole's rules allow the request? Remembered per question: the
    rules are constants, and every kubelet asks the same few questions for every pod."""
    question = (attributes.verb, attributes.resource_request, attributes.path, attributes.api_group,
                attributes.resource, attributes.subresource,
                attributes.name if _NODE_RULES_NAME_RESOURCES else None)
    allowed = _node_rule_answers.get(question)
    if allowed is None:
        allowed = any(rule_allows(attributes, rule) for rule in NODE_RULES)
        if len(_node_rule_answers) < 4096:
            _node_rule_answers[question] = allowed
    return allowed


class NodeAuthorizer:
    name = "Node"

    def __init__(self, graph=None):
        self.graph = graph   # a NodeGraph; None allows what the system:node rules allow (unit tests)

    def authorize(self, attributes: Attributes) -> tuple[str, str]:
        """("allow" | "no-opinion", reason)."""
        own = node_name(attributes.user)
        if own is None or NODES_GROUP not in attributes.user.groups:
            return "no-opinion", ""
        if attributes.resource_request and self.graph is not None:
            group, resource = attributes.api_group, attributes.resource
            if group == "" and resource in _GRAPH_READS:
                return self._read_through_graph(own, attributes)
            if group == "" and resource == "serviceaccounts":
                return self._create_token(own, attributes)
            if group == "coordination.k8s.io" and resource == "leases":
                return self._lease(own, attributes)
        return _NODE_RULE_ANSWERS[_node_rules_allow(attributes)]

    def _read_through_graph(self, node: str, attributes: Attributes) -> tuple[str, str]:
        """upstream's authorizeReadNamespacedObject / authorizeGet."""
        if attributes.verb not in _GRAPH_READS[attributes.resource]:
            return "no-opinion", "can only read resources of this type" if attributes.resource in (
                "secrets", "configmaps") else "can only get individual resources of this type"
        if attributes.subresource:
            return "no-opinion", "cannot read subresource" if attributes.resource in (
                "secrets", "configmaps") else "cannot get subresource"
        if attributes.resource != "persistentvolumes" and not attributes.namespace:
            return "no-opinion", "can only read namespaced object of this type"
        return self._related(node, attributes.resource, attributes)

    def _create_token(self, node: str, attributes: Attributes) -> tuple[str, str]:
        if attributes.verb != "create" or not attributes.name:
            return "no-opinion", "can only create tokens for individual service accounts"
        if attributes.subresource != "token":
            return "no-opinion", "can only create token subresource of serviceaccount"
        return self._related(node, "serviceaccounts", attributes)

    def _related(self, node: str, kind: str, attributes: Attributes) -> tuple[str, str]:
        if not attributes.name:
            return "no-opinion", "No Object name found"
        if self.graph.reaches(node, kind, attributes.namespace, attributes.name):
            return "allow", ""
        return "no-opinion", f"no relationship found between node '{node}' and this object"

    @staticmethod
    def _lease(node: str, attributes: Attributes) -> tuple[str, str]:
        """upstream's authorizeLease: the node's own Lease in kube-node-lease."""
        if attributes.verb not in ("get", "create", "update", "patch", "delete"):
            return "no-opinion", "can only get, create, update, patch, or delete a node lease"
        if attributes.namespace != NODE_LEASE_NAMESPACE:
            return "no-opinion", f'can only access leases in the "{NODE_LEASE_NAMESPACE}" system namespace'
        # on create the name is in the body: NodeRestriction checks it then
        if attributes.verb != "create" and attributes.name != node:
            return "no-opinion", "can only access node lease with the same name as the requesting node"
        return "allow", ""
