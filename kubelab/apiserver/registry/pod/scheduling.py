"""Validation of the scheduling parts of a pod spec, with upstream's field paths and messages.

    nodeSelector                     label keys and values (as metadata.labels)
    affinity.nodeAffinity            operators In, NotIn, Exists, DoesNotExist, Gt, Lt and their
                                     values; at least one term; matchFields only metadata.name;
                                     preferred weights 1-100
    affinity.pod(Anti)Affinity       topologyKey required and a qualified name; label selectors'
                                     operators and values; weights 1-100
    topologySpreadConstraints        maxSkew > 0, topologyKey, whenUnsatisfiable, minDomains,
                                     node inclusion policies, no two with one {key, whenUnsatisfiable}
    schedulingGates                  qualified, unique names; on update: only deletion

A pod the scheduler could not read is refused here, with a 422 naming the field, instead of
being silently ignored by the scheduler (upstream's ValidatePodSpec does the same).
"""
from __future__ import annotations

from ....api import errors
from ...validation import QUALIFIED_MSG, _DNS1123_SUBDOMAIN, _QUALIFIED_NAME, validate_labels

NODE_OPERATORS = ["DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"]
LABEL_OPERATORS = ["DoesNotExist", "Exists", "In", "NotIn"]


def _qualified_name(value: str, field: str) -> list[dict]:
    prefix, _, name = (value or "").rpartition("/")
    if prefix and not _DNS1123_SUBDOMAIN.match(prefix):
        return [errors.invalid_value(field, value, "prefix part must be a lowercase RFC 1123 subdomain")]
    if not name or len(name) > 63 or not _QUALIFIED_NAME.match(name):
        return [errors.invalid_value(field, value, QUALIFIED_MSG)]
    return []


def _node_selector_requirement(requirement: dict, field: str, fields: bool = False) -> list[dict]:
    operator, values = requirement.get("operator"), requirement.get("values") or []
    causes = []
    if operator in ("In", "NotIn"):
        if not values:
            causes.append(errors.cause(f"{field}.values", "FieldValueRequired",
                                       "Required value: must be specified when `operator` is 'In' or 'NotIn'"))
        elif fields and len(values) != 1:
            causes.append(errors.cause(f"{field}.values", "FieldValueRequired", "Required value: must be only one "
                                       "value when `operator` is 'In' or 'NotIn' for node field selector"))
    elif operator in ("Exists", "DoesNotExist") and not fields:
        if values:
            causes.append(errors.forbidden_field(f"{field}.values", "may not be specified when `operator` is "
                                                 "'Exists' or 'DoesNotExist'"))
    elif operator in ("Gt", "Lt") and not fields:
        if len(values) != 1:
            causes.append(errors.cause(f"{field}.values", "FieldValueRequired", "Required value: must be specified "
                                       "single value when `operator` is 'Lt' or 'Gt'"))
    else:
        causes.append(errors.invalid_value(f"{field}.operator", operator, "not a valid selector operator"))
    if fields:
        if requirement.get("key") != "metadata.name":
            causes.append(errors.invalid_value(f"{field}.key", requirement.get("key"), "not a valid field selector key"))
    else:
        causes += _qualified_name(requirement.get("key", ""), f"{field}.key")
    return causes


def _node_selector_term(term: dict, field: str) -> list[dict]:
    causes = []
    for index, requirement in enumerate(term.get("matchExpressions") or []):
        causes += _node_selector_requirement(requirement, f"{field}.matchExpressions[{index}]")
    for index, requirement in enumerate(term.get("matchFields") or []):
        causes += _node_selector_requirement(requirement, f"{field}.matchFields[{index}]", fields=True)
    return causes


def _weight(value, field: str) -> list[dict]:
    if not isinstance(value, int) or not 1 <= value <= 100:
        return [errors.invalid_value(field, value, "must be in the range 1-100")]
    return []


def _node_affinity(affinity: dict, field: str) -> list[dict]:
    causes = []
    required = affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is not None:
        terms = required.get("nodeSelectorTerms") or []
        path = f"{field}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
        if not terms:
            causes.append(errors.cause(path, "FieldValueRequired",
                                       "Required value: must have at least one node selector term"))
        for index, term in enumerate(terms):
            causes += _node_selector_term(term, f"{path}[{index}]")
    for index, preferred in enumerate(affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or []):
        path = f"{field}.preferredDuringSchedulingIgnoredDuringExecution[{index}]"
        causes += _weight(preferred.get("weight"), f"{path}.weight")
        causes += _node_selector_term(preferred.get("preference") or {}, f"{path}.preference")
    return causes


def _label_selector(selector: dict | None, field: str) -> list[dict]:
    if selector is None:
        return []
    causes = validate_labels(selector.get("matchLabels") or {}, f"{field}.matchLabels")
    for index, expression in enumerate(selector.get("matchExpressions") or []):
        path = f"{field}.matchExpressions[{index}]"
        operator, values = expression.get("operator"), expression.get("values") or []
        if operator in ("In", "NotIn") and not values:
            causes.append(errors.cause(f"{path}.values", "FieldValueRequired",
                                       "Required value: must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist") and values:
            causes.append(errors.forbidden_field(f"{path}.values", "may not be specified when `operator` is "
                                                 "'Exists' or 'DoesNotExist'"))
        elif operator not in LABEL_OPERATORS:
            causes.append(errors.not_supported(f"{path}.operator", operator, LABEL_OPERATORS))
        causes += _qualified_name(expression.get("key", ""), f"{path}.key")
    return causes


def _pod_affinity_term(term: dict, field: str) -> list[dict]:
    causes = _label_selector(term.get("labelSelector"), f"{field}.labelSelector")
    causes += _label_selector(term.get("namespaceSelector"), f"{field}.namespaceSelector")
    topology_key = term.get("topologyKey") or ""
    if not topology_key:
        causes.append(errors.cause(f"{field}.topologyKey", "FieldValueRequired", "Required value: can not be empty"))
    else:
        causes += _qualified_name(topology_key, f"{field}.topologyKey")
    return causes


def _pod_affinity(affinity: dict, field: str) -> list[dict]:
    causes = []
    for index, term in enumerate(affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or []):
        causes += _pod_affinity_term(term, f"{field}.requiredDuringSchedulingIgnoredDuringExecution[{index}]")
    for index, weighted in enumerate(affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or []):
        path = f"{field}.preferredDuringSchedulingIgnoredDuringExecution[{index}]"
        causes += _weight(weighted.get("weight"), f"{path}.weight")
        causes += _pod_affinity_term(weighted.get("podAffinityTerm") or {}, f"{path}.podAffinityTerm")
    return causes


def _topology_spread(constraints: list[dict], field: str) -> list[dict]:
    causes, seen = [], set()
    for index, constraint in enumerate(constraints):
        path = f"{field}[{index}]"
        max_skew = constraint.get("maxSkew")
        if not isinstance(max_skew, int) or max_skew <= 0:
            causes.append(errors.invalid_value(f"{path}.maxSkew", max_skew, "must be greater than zero"))
        key, when = constraint.get("topologyKey") or "", constraint.get("whenUnsatisfiable")
        if not key:
            causes.append(errors.cause(f"{path}.topologyKey", "FieldValueRequired", "Required value: can not be empty"))
        else:
            causes += _qualified_name(key, f"{path}.topologyKey")
        if when not in ("DoNotSchedule", "ScheduleAnyway"):
            causes.append(errors.not_supported(f"{path}.whenUnsatisfiable", when, ["DoNotSchedule", "ScheduleAnyway"]))
        min_domains = constraint.get("minDomains")
        if min_domains is not None:
            if not isinstance(min_domains, int) or min_domains <= 0:
                causes.append(errors.invalid_value(f"{path}.minDomains", min_domains, "must be greater than 0"))
            elif when != "DoNotSchedule":
                causes.append(errors.invalid_value(f"{path}.minDomains", min_domains, "can only use minDomains if "
                                                   f"whenUnsatisfiable=DoNotSchedule, not {when}"))
        for policy in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            if constraint.get(policy) not in (None, "Honor", "Ignore"):
                causes.append(errors.not_supported(f"{path}.{policy}", constraint[policy], ["Honor", "Ignore"]))
        if (key, when) in seen:
            causes.append(errors.duplicate(f"{path}.{{topologyKey, whenUnsatisfiable}}", f"{key}, {when}"))
        seen.add((key, when))
        causes += _label_selector(constraint.get("labelSelector"), f"{path}.labelSelector")
    return causes


def validate_pod_scheduling(spec: dict, field: str = "spec") -> list[dict]:
    """Every scheduling-related rule of a pod spec (creation)."""
    causes = validate_labels(spec.get("nodeSelector") or {}, f"{field}.nodeSelector")
    affinity = spec.get("affinity") or {}
    if affinity.get("nodeAffinity"):
        causes += _node_affinity(affinity["nodeAffinity"], f"{field}.affinity.nodeAffinity")
    for kind in ("podAffinity", "podAntiAffinity"):
        if affinity.get(kind):
            causes += _pod_affinity(affinity[kind], f"{field}.affinity.{kind}")
    causes += _topology_spread(spec.get("topologySpreadConstraints") or [], f"{field}.topologySpreadConstraints")
    names = set()
    for index, gate in enumerate(spec.get("schedulingGates") or []):
        causes += _qualified_name(gate.get("name", ""), f"{field}.schedulingGates[{index}].name")
        if gate.get("name") in names:
            causes.append(errors.duplicate(f"{field}.schedulingGates[{index}]", gate.get("name")))
        names.add(gate.get("name"))
    if spec.get("schedulingGates") and spec.get("nodeName"):
        causes.append(errors.forbidden_field(f"{field}.nodeName",
                                             "cannot be set until all schedulingGates have been cleared"))
    return causes


def validate_scheduling_gates_update(old_spec: dict, new_spec: dict) -> list[dict]:
    """Gates may only be removed once the pod exists."""
    old_names = {gate.get("name") for gate in old_spec.get("schedulingGates") or []}
    for gate in new_spec.get("schedulingGates") or []:
        if gate.get("name") not in old_names:
            return [errors.forbidden_field("spec.schedulingGates", "only deletion is allowed, but found new "
                                           f"scheduling gate '{gate.get('name')}'")]
    return []
