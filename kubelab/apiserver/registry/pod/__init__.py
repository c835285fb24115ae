"""Pods: defaulting, validation, what an update may change, graceful deletion, the trace's words.

Upstream: pkg/registry/core/pod/strategy.go. A pod on a node is deleted gracefully: DELETE
sets deletionTimestamp = now + grace period, and the kubelet, once it has stopped the
containers, deletes it with grace 0 (CheckGracefulDelete). A pod is the one kind big enough
for a folder: this file is its strategy; defaults.py, validation.py (the PodSpec, which every
kind with a pod template shares), containers.py (what the kubelet acts on) and scheduling.py
(where it may run) hold its rules.
"""
from __future__ import annotations

from ....api import errors
from ....objects import conditions
from ..strategy import Strategy
from .defaults import pod as default_pod
from .scheduling import validate_scheduling_gates_update
from .validation import validate_pod_spec

UPDATE_FORBIDDEN = ("pod updates may not change fields other than `spec.containers[*].image`,"
                    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
                    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
                    "(allow it to be set to 1 if it was previously negative)")


class PodStrategy(Strategy):
    plural = "pods"
    returns_deleted_object = True
    watch_trigger = "spec.nodeName"   # a kubelet's watch hears only its own node's pods (watch_cache.py)

    def default(self, obj: dict) -> None:
        default_pod(obj)

    def validate(self, obj: dict) -> list[dict]:
        return validate_pod_spec(obj.get("spec") or {}, "spec")

    def validate_status_update(self, obj: dict, old: dict) -> list[dict]:
        """upstream's ValidatePodStatusUpdate: the spec a status write keeps is not validated again."""
        return self.validate_update(obj, old)

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        """Only images, activeDeadlineSeconds, added tolerations (and a gated pod's placement) change."""
        old_spec, new_spec = dict(old.get("spec") or {}), dict(obj.get("spec") or {})
        causes = validate_scheduling_gates_update(old_spec, new_spec)
        gated = bool(old_spec.get("schedulingGates"))
        for spec in (old_spec, new_spec):
            spec.pop("schedulingGates", None)  # removal only, checked above
            if gated:  # a gated pod's placement may still be changed (upstream: narrowed) before it is tried
                spec.pop("nodeSelector", None)
                spec.pop("affinity", None)
            spec["containers"] = [{k: v for k, v in c.items() if k != "image"} for c in spec.get("containers") or []]
            spec.pop("activeDeadlineSeconds", None)
            spec.pop("tolerations", None)
        if old_spec != new_spec:
            causes.append(errors.forbidden_field("spec", UPDATE_FORBIDDEN))
        return causes

    def graceful_delete_seconds(self, obj: dict, grace: int | None) -> int | None:
        """A pod on a node waits for its kubelet; an unscheduled pod (or grace 0) goes at once."""
        if not obj["spec"].get("nodeName") or grace == 0:
            return None
        return obj["spec"].get("terminationGracePeriodSeconds", 30) if grace is None else grace

    def summary(self, old: dict, new: dict) -> str:
        before, after = old.get("status", {}).get("phase"), new.get("status", {}).get("phase")
        ready = "Ready" if conditions.is_true(new, "Ready") else "not Ready"
        return f"phase {after}, {ready}" if before != after or conditions.is_true(old, "Ready") != \
            conditions.is_true(new, "Ready") else ""


STRATEGY = PodStrategy()
