"""The RBAC kinds (rbac.authorization.k8s.io/v1): Roles say what, bindings say who.

  Role / ClusterRole                rules: verbs on resources of API groups (or, cluster-wide
                                    only, on non-resource URLs like /healthz)
  RoleBinding / ClusterRoleBinding  subjects (users, groups, service accounts) get a roleRef

The authorizer that reads them lives with authentication; here are their validation rules
(upstream's pkg/apis/rbac/validation): names are path segments (colons are fine:
"system:controller:replicaset-controller"), every rule names verbs, a resource rule names
API groups, a Role cannot name URLs, a binding's roleRef is required and never changes.
"""
from __future__ import annotations

from ...api import errors
from ..validation import validate_path_segment_name
from .strategy import FunctionStrategy

SUBJECT_KINDS = ("ServiceAccount", "User", "Group")


def validate_rules(rules, namespaced: bool) -> list[dict]:
    causes = []
    for index, rule in enumerate(rules or []):
        field = f"rules[{index}]"
        if not rule.get("verbs"):
            causes.append(errors.required(f"{field}.verbs"))
        if rule.get("nonResourceURLs"):
            if namespaced:
                causes.append(errors.invalid_value(f"{field}.nonResourceURLs", rule["nonResourceURLs"],
                                                   "namespaced rules cannot apply to non-resource URLs"))
            if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
                causes.append(errors.invalid_value(f"{field}.nonResourceURLs", rule["nonResourceURLs"],
                                                   "rules cannot apply to both regular resources and "
                                                   "non-resource URLs"))
            continue
        if not rule.get("resources"):
            causes.append(errors.cause(f"{field}.resources", "FieldValueRequired",
                                       "Required value: resource rules must supply at least one resource"))
        if not rule.get("apiGroups"):
            causes.append(errors.cause(f"{field}.apiGroups", "FieldValueRequired",
                                       "Required value: resource rules must supply at least one api group"))
    return causes


def validate_role(obj: dict) -> list[dict]:
    return validate_rules(obj.get("rules"), namespaced=True)


def validate_cluster_role(obj: dict) -> list[dict]:
    if obj.get("aggregationRule"):
        return []  # the rules of an aggregated role are the controller's to fill in
    return validate_rules(obj.get("rules"), namespaced=False)


def validate_binding(obj: dict) -> list[dict]:
    causes = []
    role_ref = obj.get("roleRef") or {}
    if not role_ref.get("name"):
        causes.append(errors.required("roleRef.name"))
    if role_ref.get("apiGroup") != "rbac.authorization.k8s.io":
        causes.append(errors.not_supported("roleRef.apiGroup", role_ref.get("apiGroup", ""),
                                           ["rbac.authorization.k8s.io"]))
    allowed_kinds = ["Role", "ClusterRole"] if obj.get("kind") == "RoleBinding" else ["ClusterRole"]
    if role_ref.get("kind") not in allowed_kinds:
        causes.append(errors.not_supported("roleRef.kind", role_ref.get("kind", ""), allowed_kinds))
    for index, subject in enumerate(obj.get("subjects") or []):
        field = f"subjects[{index}]"
        if not subject.get("name"):
            causes.append(errors.required(f"{field}.name"))
        if subject.get("kind") not in SUBJECT_KINDS:
            causes.append(errors.not_supported(f"{field}.kind", subject.get("kind", ""), list(SUBJECT_KINDS)))
        elif subject["kind"] == "ServiceAccount" and subject.get("apiGroup"):
            causes.append(errors.not_supported(f"{field}.apiGroup", subject["apiGroup"], [""]))
        elif subject["kind"] in ("User", "Group") and subject.get("apiGroup") != "rbac.authorization.k8s.io":
            causes.append(errors.not_supported(f"{field}.apiGroup", subject.get("apiGroup", ""),
                                               ["rbac.authorization.k8s.io"]))
        if subject.get("kind") == "ServiceAccount" and obj.get("kind") == "ClusterRoleBinding" \
                and not subject.get("namespace"):
            causes.append(errors.required(f"{field}.namespace"))
    return causes


def validate_binding_update(old: dict, new: dict) -> list[dict]:
    if old.get("roleRef") != new.get("roleRef"):
        return [errors.invalid_value("roleRef", new.get("roleRef"), "cannot change roleRef")]
    return []


class RBACStrategy(FunctionStrategy):
    """An RBAC kind: its validation functions above, and the escalation check (rbac_escalation.py)."""

    def validate_name(self, name: str, field: str = "metadata.name") -> list[dict]:
        return validate_path_segment_name(name, field)   # "system:controller:x" is a fine name

    def check_write(self, server, resource, request, obj: dict, old: dict | None = None) -> None:
        from .rbac_escalation import check   # (it reads the authorizer, which reads these kinds)
        check(server, resource, request, obj, old)


ROLES = RBACStrategy("roles", validate=validate_role)
CLUSTER_ROLES = RBACStrategy("clusterroles", validate=validate_cluster_role)
ROLE_BINDINGS = RBACStrategy("rolebindings", validate=validate_binding, validate_update=validate_binding_update)
CLUSTER_ROLE_BINDINGS = RBACStrategy("clusterrolebindings", validate=validate_binding,
                                     validate_update=validate_binding_update)
