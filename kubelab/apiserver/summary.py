"""A few words on what an update changed, for the API server's trace ("replicas 3 → 5")."""
from __future__ import annotations

from ..objects import conditions
from ..api.resources import Resource


def summary(resource: Resource, old: dict, new: dict) -> str:
    """A few words on what an update changed, for the trace."""
    if resource.plural == "pods":
        before, after = old.get("status", {}).get("phase"), new.get("status", {}).get("phase")
        ready = "Ready" if conditions.is_true(new, "Ready") else "not Ready"
        return f"phase {after}, {ready}" if before != after or conditions.is_true(old, "Ready") != \
            conditions.is_true(new, "Ready") else ""
    if resource.plural == "nodes":
        if conditions.is_true(old, "Ready") != conditions.is_true(new, "Ready"):
            return "Ready" if conditions.is_true(new, "Ready") else "NotReady"
        if bool(old["spec"].get("unschedulable")) != bool(new["spec"].get("unschedulable")):
            return "cordoned" if new["spec"].get("unschedulable") else "uncordoned"
        return ""
    old_replicas = (old.get("spec") or {}).get("replicas")
    new_replicas = (new.get("spec") or {}).get("replicas")
    if old_replicas != new_replicas:
        return f"replicas {old_replicas} → {new_replicas}"
    return ""
