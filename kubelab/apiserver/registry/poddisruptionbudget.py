"""PodDisruptionBudgets (policy/v1): "of these pods, keep at least N up while someone drains".

A PDB names pods by a label selector and says how many of them voluntary disruptions (an
eviction: `kubectl drain`, a cluster autoscaler) must leave healthy — `minAvailable` — or
how many may be down at once — `maxUnavailable` —, each a count or a percentage ("50%").
The disruption controller writes its status (how many are healthy, how many evictions are
allowed now); the eviction subresource reads it and answers 429 when the budget is spent.

Upstream's rules (pkg/apis/policy/validation, pkg/registry/policy/poddisruptionbudget, v1.32):
  - minAvailable and maxUnavailable cannot both be set; each is a non-negative integer or a
    percentage "[0-9]+%" of at most 100%;
  - the selector is a valid LabelSelector (a nil one selects nothing, an empty one, in
    policy/v1, every pod of the namespace);
  - unhealthyPodEvictionPolicy is IfHealthyBudget (the behaviour when unset) or AlwaysAllow;
  - status is the controller's: cleared on create, kept on a spec update, and a spec change
    moves metadata.generation (so status.observedGeneration tells a stale status apart).

Left out: policy/v1beta1 (removed in v1.25) and its "empty selector selects nothing" rule.
"""
from __future__ import annotations

import re

from ...api import errors
from ..validation import validate_labels
from .strategy import Strategy

POLICIES = ["AlwaysAllow", "IfHealthyBudget"]
PERCENT = re.compile(r"^[0-9]+%$")
PERCENT_MESSAGE = ("a valid percent string must be a numeric string followed by an ending '%' "
                   "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def go_int_or_string(value) -> str:
    """An IntOrString as Go's %#v prints it in upstream's messages."""
    if isinstance(value, str):
        return f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:"{value}"}}'
    return f'intstr.IntOrString{{Type:0, IntVal:{value}, StrVal:""}}'


def validate_int_or_percent(value, field: str) -> list[dict]:
    """ValidatePositiveIntOrPercent + IsNotMoreThan100Percent (apps validation)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return [errors.cause(field, "FieldValueInvalid", f"Invalid value: {value!r}: must be an integer or "
                                                         "percentage (e.g '5%')")]
    if isinstance(value, int):
        return [] if value >= 0 else [errors.invalid_value(field, value, "must be greater than or equal to 0")]
    if not PERCENT.match(value):
        return [errors.cause(field, "FieldValueInvalid", f"Invalid value: {go_int_or_string(value)}: {PERCENT_MESSAGE}")]
    if int(value[:-1]) > 100:
        return [errors.cause(field, "FieldValueInvalid",
                             f"Invalid value: {go_int_or_string(value)}: must not be greater than 100%")]
    return []


def validate_label_selector(label_selector: dict | None, field: str) -> list[dict]:
    """ValidateLabelSelector: matchLabels are labels; each expression's operator fits its values."""
    if label_selector is None:
        return []
    causes = validate_labels(label_selector.get("matchLabels"), f"{field}.matchLabels")
    for index, expression in enumerate(label_selector.get("matchExpressions") or []):
        path = f"{field}.matchExpressions[{index}]"
        operator, values = expression.get("operator"), expression.get("values") or []
        if operator in ("In", "NotIn") and not values:
            causes.append(errors.cause(f"{path}.values", "FieldValueRequired",
                                       "Required value: must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist") and values:
            causes.append(errors.forbidden_field(
                f"{path}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        elif operator not in OPERATORS:
            causes.append(errors.invalid_value(f"{path}.operator", operator, "not a valid selector operator"))
        causes += validate_labels({expression.get("key", ""): "x"}, f"{path}.key")
    return causes


def go_spec(spec: dict) -> str:
    """The spec as upstream's message shows it (Go prints the struct; pointers as set or nil)."""
    def pointer(name: str, go_type: str) -> str:
        return f"{name}:(*{go_type})({'nil' if spec.get(name[0].lower() + name[1:]) is None else 'set'})"
    return ("policy.PodDisruptionBudgetSpec{" + ", ".join([
        pointer("MinAvailable", "intstr.IntOrString"), pointer("Selector", "v1.LabelSelector"),
        pointer("MaxUnavailable", "intstr.IntOrString"),
        pointer("UnhealthyPodEvictionPolicy", "policy.UnhealthyPodEvictionPolicyType")]) + "}")


class PodDisruptionBudgetStrategy(Strategy):
    plural = "poddisruptionbudgets"

    def prepare_for_create(self, obj: dict) -> None:
        # The disruption controller's to write (PrepareForCreate); its counts are not omitempty.
        obj["status"] = {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}

    def validate(self, obj: dict) -> list[dict]:
        spec = obj.get("spec") or {}
        causes = []
        if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
            causes.append(errors.cause("spec", "FieldValueInvalid", f"Invalid value: {go_spec(spec)}: "
                                       "minAvailable and maxUnavailable cannot be both set"))
        for field in ("minAvailable", "maxUnavailable"):
            if spec.get(field) is not None:
                causes += validate_int_or_percent(spec[field], f"spec.{field}")
        causes += validate_label_selector(spec.get("selector"), "spec.selector")
        for field in ("disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"):
            value = (obj.get("status") or {}).get(field, 0)   # ValidatePodDisruptionBudgetStatusUpdate
            if isinstance(value, int) and value < 0:
                causes.append(errors.invalid_value(f"status.{field}", value, "must be greater than or equal to 0"))
        policy = spec.get("unhealthyPodEvictionPolicy")
        if policy is not None and policy not in POLICIES:
            causes.append(errors.not_supported("spec.unhealthyPodEvictionPolicy", policy, POLICIES))
        return causes

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        return []   # since v1.15 every spec field may change (ValidatePodDisruptionBudgetUpdate)


STRATEGY = PodDisruptionBudgetStrategy()
