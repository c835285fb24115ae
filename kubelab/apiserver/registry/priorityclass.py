"""PriorityClasses (scheduling.k8s.io/v1): a name for "how important is this pod".

    apiVersion: scheduling.k8s.io/v1
    kind: PriorityClass
    metadata: {name: high-priority}
    value: 1000000                      # higher wins: sorted first, may preempt lower
    globalDefault: false                # at most one class is the default for pods without a class
    preemptionPolicy: PreemptLowerPriority   # or Never: waits its turn, evicts nobody
    description: "..."

Pods name a class in spec.priorityClassName; the Priority admission plugin writes its value to
spec.priority. Two system classes exist in every cluster (the API server creates them):
system-cluster-critical (2000000000) and system-node-critical (2000001000). User classes go up
to 1000000000 and may not take the "system-" prefix. Value and preemptionPolicy never change.
"""
from __future__ import annotations

from ...api import errors
from .strategy import FunctionStrategy

HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
SYSTEM_CLASSES = {"system-cluster-critical": 2_000_000_000, "system-node-critical": 2_000_001_000}
POLICIES = ["Never", "PreemptLowerPriority"]


def system_class(name: str, value: int) -> dict:
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
            "value": value, "description": "Used for system critical pods that must not be moved from their "
                                          "current node." if name == "system-node-critical" else
            "Used for system critical pods that must run in the cluster, but can be moved to another node if "
            "necessary.", "preemptionPolicy": "PreemptLowerPriority"}


def default(obj: dict) -> None:
    obj.setdefault("preemptionPolicy", "PreemptLowerPriority")


def validate(obj: dict) -> list[dict]:
    causes = []
    name = (obj.get("metadata") or {}).get("name", "")
    value = obj.get("value")
    if not isinstance(value, int) or isinstance(value, bool):
        causes.append(errors.required("value"))
    elif name in SYSTEM_CLASSES:
        if value != SYSTEM_CLASSES[name]:
            causes.append(errors.forbidden_field("metadata.name", f"{name!r} is a system priority class; its value "
                                                 f"must be {SYSTEM_CLASSES[name]}"))
    else:
        if name.startswith("system-"):
            causes.append(errors.forbidden_field("metadata.name", "priority class names with 'system-' prefix are "
                                                 "reserved"))
        if value > HIGHEST_USER_DEFINABLE_PRIORITY:
            causes.append(errors.forbidden_field("value", "maximum allowed value of a user defined priority is "
                                                 f"{HIGHEST_USER_DEFINABLE_PRIORITY}"))
    if obj.get("preemptionPolicy") not in POLICIES:
        causes.append(errors.not_supported("preemptionPolicy", obj.get("preemptionPolicy"), POLICIES))
    return causes


def validate_update(old: dict, new: dict) -> list[dict]:
    causes = []
    for field in ("value", "preemptionPolicy"):
        if old.get(field) != new.get(field):
            causes.append(errors.invalid_value(field, new.get(field), "field is immutable"))
    return causes


STRATEGY = FunctionStrategy("priorityclasses", default, validate, validate_update)
