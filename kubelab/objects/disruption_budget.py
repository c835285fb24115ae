"""PodDisruptionBudget helpers shared by the disruption controller, the eviction subresource and
the scheduler's preemption (upstream's pkg/apis/policy/v1 helpers and pdbhelper).

Two readings of a budget's selector, both upstream's: the disruption controller counts a
policy/v1 budget's pods with LabelSelectorAsSelector (a nil selector selects nothing, an
empty one every pod of the namespace), while eviction and preemption skip a budget whose
selector is empty ("if a PDB with a nil or empty selector creeps in, it should match
nothing, not everything").
"""
from __future__ import annotations

from . import meta, selector
from .timefmt import rfc3339

CONDITION_FIELDS = ("type", "status", "observedGeneration", "lastTransitionTime", "reason", "message")


def counts_pod(budget: dict, pod: dict) -> bool:
    """The disruption controller's reading: nil selects nothing, {} every pod of the namespace."""
    label_selector = (budget.get("spec") or {}).get("selector")
    if label_selector is None or meta.namespace(budget) != meta.namespace(pod):
        return False
    return selector.label_selector_matches(label_selector, meta.labels(pod))


def guards_pod(budget: dict, pod: dict) -> bool:
    """Eviction's and preemption's reading: an empty selector guards nothing."""
    label_selector = (budget.get("spec") or {}).get("selector") or {}
    if not selector.from_label_selector(label_selector) or meta.namespace(budget) != meta.namespace(pod):
        return False
    return selector.label_selector_matches(label_selector, meta.labels(pod))


def set_condition(conditions: list[dict], new: dict, now: float) -> list[dict]:
    """metav1.Condition semantics (meta.SetStatusCondition): lastTransitionTime moves with status."""
    out, since = [], None
    for condition in conditions:
        if condition.get("type") != new["type"]:
            out.append(condition)
        elif condition.get("status") == new["status"]:
            since = condition.get("lastTransitionTime")
    merged = {**new, "lastTransitionTime": since or rfc3339(now)}
    return out + [{field: merged[field] for field in CONDITION_FIELDS if field in merged}]


def with_disruption_allowed(status: dict, now: float) -> dict:
    """`status` with its DisruptionAllowed condition matching disruptionsAllowed
    (UpdateDisruptionAllowedCondition: True SufficientPods, or False InsufficientPods)."""
    allowed = status.get("disruptionsAllowed", 0) > 0
    conditions = set_condition(status.get("conditions") or [], {
        "type": "DisruptionAllowed", "status": "True" if allowed else "False",
        "observedGeneration": status.get("observedGeneration", 0),
        "reason": "SufficientPods" if allowed else "InsufficientPods", "message": ""}, now)
    return {**status, "conditions": conditions}
