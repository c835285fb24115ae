"""status.conditions: find one by type, set one and keep lastTransitionTime honest.

Invariant: lastTransitionTime changes only when a condition's status changes, as in
Kubernetes; a heartbeat that repeats the same status keeps the old transition time.
"""
from __future__ import annotations

from .timefmt import rfc3339


def get(obj: dict, type_: str) -> dict | None:
    for condition in obj.get("status", {}).get("conditions") or []:
        if condition.get("type") == type_:
            return condition
    return None


def is_true(obj: dict, type_: str) -> bool:
    condition = get(obj, type_)
    return bool(condition) and condition.get("status") == "True"


def set_condition(conditions: list[dict], new: dict, now: float) -> list[dict]:
    """A copy of `conditions` with `new` (a dict with type and status) set, timestamps kept honest."""
    out, found = [], False
    for condition in conditions:
        if condition.get("type") != new["type"]:
            out.append(condition)
            continue
        found = True
        merged = {**condition, **new}
        if condition.get("status") != new.get("status") or "lastTransitionTime" not in condition:
            merged["lastTransitionTime"] = rfc3339(now)
        else:
            merged["lastTransitionTime"] = condition["lastTransitionTime"]
        out.append(merged)
    if not found:
        out.append({**new, "lastTransitionTime": rfc3339(now)})
    return out
