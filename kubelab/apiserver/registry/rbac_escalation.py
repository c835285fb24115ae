"""RBAC escalation prevention: you cannot grant what you do not hold.

Without this rule, anyone allowed to create RoleBindings could bind themselves to
cluster-admin, and anyone allowed to write Roles could write `*/*/*` into one they hold.
Upstream's RBAC storage (pkg/registry/rbac/<kind>/policybased, pkg/registry/rbac/validation)
checks every create and update of the four RBAC kinds:

    Role, ClusterRole    the rules written must be covered by the rules the writer holds
                         (in the object's namespace; cluster-wide for a ClusterRole)
                         ... unless the writer may `escalate` roles/clusterroles
    RoleBinding,         the rules of the role referenced must be covered likewise
    ClusterRoleBinding   ... unless the writer may `bind` that role (by name)
    anyone in system:masters (cluster-admin's group) is never checked

"Covered" is upstream's Covers: each rule is broken down into one verb x group x resource
(x name) at a time, and each piece must be allowed by one held rule; a wildcard is covered
only by a wildcard. What is missing is named in the 403:

    roles.rbac.authorization.k8s.io "everything" is forbidden: user "alice" (groups=["team"
    "system:authenticated"]) is attempting to grant RBAC permissions not currently held:
    {APIGroups:["*"], Resources:["*"], Verbs:["*"]}

A ClusterRole with an aggregationRule (which gathers the rules of other roles by label) needs
all of `*` held, or `escalate`. An update that changes only what the garbage collector writes (ownerReferences,
finalizers) is not checked, as upstream's IsOnlyMutatingGCFields lets it through.
"""
from __future__ import annotations

import copy
import json

from ...api import errors
from ..authentication.user import SYSTEM_MASTERS, UserInfo
from ..authorization.attributes import Attributes
from ..authorization.rbac import RBACAuthorizer

RBAC_GROUP = "rbac.authorization.k8s.io"
ROLE_KINDS = ("roles", "clusterroles")
BINDING_KINDS = ("rolebindings", "clusterrolebindings")
FULL_AUTHORITY = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]


def check(apiserver, resource, request, obj: dict, old: dict | None = None) -> None:
    """Refuse (403) a create or update of an RBAC object that grants more than the writer holds."""
    if resource.plural not in ROLE_KINDS + BINDING_KINDS or request.subresource:
        return
    chain = apiserver.chain
    user: UserInfo | None = request.user_info
    if not chain.secured or user is None or SYSTEM_MASTERS in user.groups:
        return   # upstream's EscalationAllowed: no user on the request, or a system:masters user
    if old is not None and _only_gc_fields_change(old, obj):
        return
    rbac = next((a for a in chain.authorizer.authorizers if isinstance(a, RBACAuthorizer)), None)
    namespace = request.namespace if resource.namespaced else ""
    name = obj["metadata"].get("name", "")
    if resource.plural in ROLE_KINDS:
        if _allowed(chain, user, "escalate", resource.plural, namespace, request.name or ""):
            return
        rules = obj.get("rules") or []
    else:
        role_ref = obj.get("roleRef") or {}
        role_plural = "clusterroles" if role_ref.get("kind") == "ClusterRole" else "roles"
        if _allowed(chain, user, "bind", role_plural, namespace, role_ref.get("name", "")):
            return
        role = rbac.policy.role(role_ref.get("kind", ""), namespace, role_ref.get("name", "")) if rbac else None
        if role is None:
            kind = "clusterrole" if role_ref.get("kind") == "ClusterRole" else "role"
            raise errors.forbidden(resource.plural, resource.group, name,
                                   f'{kind}.{RBAC_GROUP} "{role_ref.get("name", "")}" not found')
        rules = role.get("rules") or []
    held = rbac.rules_for(user, namespace) if rbac else []
    if resource.plural == "clusterroles" and obj.get("aggregationRule") and not covers(held, FULL_AUTHORITY)[0]:
        # an aggregation rule can gather any rule at all: it takes everything to write one
        raise errors.forbidden(resource.plural, resource.group, name,
                               "must have cluster-admin privileges to use the aggregationRule")
    covered, missing = covers(held, rules)
    if not covered:
        groups = "[" + " ".join(json.dumps(group) for group in user.groups) + "]"
        raise errors.forbidden(resource.plural, resource.group, name,
                               f"user {json.dumps(user.name)} (groups={groups}) is attempting to grant RBAC "
                               f"permissions not currently held:\n" +
                               "\n".join(sorted({compact_string(rule) for rule in compact(missing)})))


def _allowed(chain, user: UserInfo, verb: str, plural: str, namespace: str, name: str) -> bool:
    """May `user` `verb` (escalate, bind) the role `name`? Asked of the whole authorizer, as upstream."""
    attributes = Attributes(user=user, verb=verb, resource_request=True, api_group=RBAC_GROUP,
                            resource=plural, namespace=namespace, name=name)
    allowed, _ = chain.authorizer.authorize(attributes)
    return allowed


def _only_gc_fields_change(old: dict, new: dict) -> bool:
    stomped = copy.deepcopy(new)
    for field in ("ownerReferences", "finalizers", "managedFields", "resourceVersion"):
        if field in old["metadata"]:
            stomped["metadata"][field] = old["metadata"][field]
        else:
            stomped["metadata"].pop(field, None)
    return stomped == old


# -- upstream's policy comparator (pkg/registry/rbac/validation/policy_comparator.go) ---------
def breakdown(rule: dict) -> list[dict]:
    """One rule as its atoms: a verb on one group's resource (by name), or on one URL."""
    atoms = []
    for group in rule.get("apiGroups") or []:
        for resource in rule.get("resources") or []:
            for verb in rule.get("verbs") or []:
                atom = {"apiGroups": [group], "resources": [resource], "verbs": [verb]}
                names = rule.get("resourceNames") or []
                atoms += [{**atom, "resourceNames": [name]} for name in names] if names else [atom]
    for url in rule.get("nonResourceURLs") or []:
        atoms += [{"nonResourceURLs": [url], "verbs": [verb]} for verb in rule.get("verbs") or []]
    return atoms


def covers(owner_rules: list[dict], rules: list[dict]) -> tuple[bool, list[dict]]:
    """(every atom of `rules` is covered by some owner rule, the atoms that are not)."""
    missing = [atom for rule in rules for atom in breakdown(rule)
               if not any(rule_covers(owner, atom) for owner in owner_rules)]
    return not missing, missing


def rule_covers(owner: dict, atom: dict) -> bool:
    """Does one held rule cover one atom? A wildcard is covered only by a wildcard."""
    if not _has_all(owner.get("verbs"), atom.get("verbs")):
        return False
    if atom.get("nonResourceURLs"):
        return _urls_cover(owner.get("nonResourceURLs") or [], atom["nonResourceURLs"])
    if not _has_all(owner.get("apiGroups"), atom.get("apiGroups")):
        return False
    if not _resources_cover(owner.get("resources") or [], atom.get("resources") or []):
        return False
    owner_names = owner.get("resourceNames") or []
    return not owner_names or set(atom.get("resourceNames") or [""]) <= set(owner_names)


def _has_all(held, wanted) -> bool:
    held = held or []
    return "*" in held or set(wanted or []) <= set(held)


def _resources_cover(held: list[str], wanted: list[str]) -> bool:
    if "*" in held:
        return True
    return all(resource in held or (resource.count("/") == 1 and "*/" + resource.split("/")[1] in held)
               for resource in wanted)


def _urls_cover(held: list[str], wanted: list[str]) -> bool:
    return all(any(h == "*" or h == url or (h.endswith("*") and url.startswith(h[:-1])) for h in held)
               for url in wanted)


def compact(atoms: list[dict]) -> list[dict]:
    """Atoms that differ only by verb, merged into one rule (upstream's CompactRules)."""
    merged: dict[tuple, dict] = {}
    out = []
    for atom in atoms:
        if atom.get("resourceNames") or atom.get("nonResourceURLs"):
            out.append(atom)
            continue
        key = (atom["apiGroups"][0], atom["resources"][0])
        if key in merged:
            if atom["verbs"][0] not in merged[key]["verbs"]:
                merged[key]["verbs"].append(atom["verbs"][0])
        else:
            merged[key] = {"apiGroups": list(atom["apiGroups"]), "resources": list(atom["resources"]),
                           "verbs": list(atom["verbs"])}
            out.append(merged[key])
    return out


def compact_string(rule: dict) -> str:
    """A rule as upstream prints it: {APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}."""
    parts = []
    for field, label in (("apiGroups", "APIGroups"), ("resources", "Resources"),
                         ("nonResourceURLs", "NonResourceURLs"), ("resourceNames", "ResourceNames"),
                         ("verbs", "Verbs")):
        if rule.get(field):
            parts.append(f"{label}:[" + " ".join(json.dumps(value) for value in rule[field]) + "]")
    return "{" + ", ".join(parts) + "}"
