"""The ClusterRole aggregation controller: a role whose rules are gathered from other roles.

    clusterroles ──informer──▶ any add, update or delete: enqueue every ClusterRole
                               that has an aggregationRule (the dependency graph is unknown)
        sync(name):
            role gone, or no aggregationRule   -> nothing
            rules = for each clusterRoleSelector, the roles it matches sorted by name
                    (never the role itself), each of their rules once, in that order
            rules equal to the role's           -> nothing (a settled cluster writes nothing)
            otherwise                           -> update the role with those rules

Why: `admin`, `edit` and `view` carry no rules of their own. Their aggregationRule selects
every ClusterRole labelled `rbac.authorization.k8s.io/aggregate-to-view: "true"` (and
-edit, -admin), so whoever adds an API — a CRD's author, a learner — labels a small
ClusterRole with its permissions and everyone bound to `view` may read the new resource
(https://kubernetes.io/docs/reference/access-authn-authz/rbac/#aggregated-clusterroles).
Invariant: a role with an aggregationRule holds exactly the union of the rules its selectors
select; a rule written into it by hand is taken out at the next sync, as upstream.

Rules are compared as upstream's equality.Semantic does: a missing list and an empty one are
the same. The controller speaks as system:serviceaccount:kube-system:clusterrole-aggregation-
controller, whose role may `escalate` clusterroles (the write grants what it does not hold).

Left out: upstream writes with server-side apply (field manager
clusterrole-aggregation-controller, forced), falling back to an update; kubelab writes the
update, which is what `kubectl get clusterrole view -o yaml` and a watcher see, without the
managedFields entry. Upstream is pkg/controller/clusterroleaggregation.
"""
from __future__ import annotations

import copy

from ..client import Controller

Rule = tuple   # a PolicyRule as a hashable, order-kept value: ((field, (values...)), ...)
RULE_FIELDS = ("verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs")


def rule_key(rule: dict) -> Rule:
    """A PolicyRule in the form two equal rules share (an absent list equals an empty one)."""
    return tuple((field, tuple(rule.get(field) or ())) for field in RULE_FIELDS)


def aggregate_rules(role: dict, roles_selected_by) -> list[dict]:
    """The rules `role`'s aggregationRule gathers: `roles_selected_by(selector)` gives the
    ClusterRoles a clusterRoleSelector matches, sorted by name."""
    rules, seen = [], set()
    for selector in (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or []:
        for other in roles_selected_by(selector):
            if other["metadata"]["name"] == role["metadata"]["name"]:
                continue   # a role never aggregates itself
            for rule in other.get("rules") or []:
                key = rule_key(rule)
                if key not in seen:
                    seen.add(key)
                    rules.append(rule)
    return rules


def same_rules(left: list[dict] | None, right: list[dict] | None) -> bool:
    """Equal as upstream's Semantic.DeepEqual sees them: same rules, same order."""
    return [rule_key(rule) for rule in left or ()] == [rule_key(rule) for rule in right or ()]


class ClusterRoleAggregationController(Controller):
    name = "clusterrole-aggregation-controller"
    primary = "clusterroles"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.cluster_roles = factory.informer("clusterroles")
        self.cluster_roles.add_handlers(on_add=lambda role: self.enqueue_aggregated(),
                                        on_update=lambda old, new: self.enqueue_aggregated(),
                                        on_delete=lambda role: self.enqueue_aggregated())

    def enqueue_aggregated(self) -> None:
        """Queue every role that aggregates: any role's change may change what one selects.
        (The set of ClusterRoles is small; upstream does the same.)"""
        for role in self.cluster_roles.list():
            if role.get("aggregationRule") is not None:
                self.enqueue(role["metadata"]["name"])

    def sync(self, key: str) -> None:
        """Make ClusterRole `key`'s rules the union its aggregationRule selects."""
        role = self.cluster_roles.get(key)
        if role is None or role.get("aggregationRule") is None:
            return
        rules = aggregate_rules(role, lambda selector: self.cluster_roles.list(label_selector=selector))
        if same_rules(rules, role.get("rules")):
            return
        updated = copy.deepcopy(role)   # never modify the informer's copy
        updated["rules"] = copy.deepcopy(rules)
        self.client.update("clusterroles", updated)
