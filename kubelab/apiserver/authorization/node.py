"""The Node authorizer: what a kubelet may do, decided by which node it is.

A kubelet authenticates as `system:node:<name>` in the group `system:nodes`. Upstream, the
Node authorizer gives it the rules of the system:node ClusterRole (nothing binds that role
to anyone), and the NodeRestriction admission plugin then keeps each kubelet to its own
Node object. kubelab folds both into this one authorizer:

    not a node user                         → no opinion (RBAC decides)
    a write to a Node other than its own    → deny (create, update, patch, delete); the 403
                                              reads as an authorizer's, with NodeRestriction's
                                              reason after it (upstream's is admission's), with NodeRestriction's words:
                                              node "node-1" is not allowed to modify node "node-2"
    anything the system:node rules allow    → allow
    otherwise                               → no opinion (then 403)

Real Kubernetes also keeps a graph of pods → secrets, configmaps, volumes and service
accounts, and lets a kubelet read a Secret only if a pod bound to its node uses it; and
NodeRestriction also keeps a kubelet to the pods bound to its node. kubelab's kubelets read
no secrets, so it leaves that graph out and lets the system:node rules stand as they are.
"""
from __future__ import annotations

from ..authentication.user import node_name
from .attributes import Attributes
from .bootstrap_policy import NODE_RULES
from .rbac import rule_allows

_NODE_WRITES = ("create", "update", "patch", "delete")


class NodeAuthorizer:
    name = "Node"

    def authorize(self, attributes: Attributes) -> tuple[str, str]:
        """("allow" | "deny" | "no-opinion", reason)."""
        own = node_name(attributes.user)
        if own is None:
            return "no-opinion", ""
        target = attributes.name or attributes.object_name
        if attributes.resource_request and attributes.api_group == "" and attributes.resource == "nodes" \
                and attributes.verb in _NODE_WRITES and target and target != own:
            return "deny", f'node "{own}" is not allowed to modify node "{target}"'
        if any(rule_allows(attributes, rule) for rule in NODE_RULES):
            return "allow", ""
        return "no-opinion", ""
