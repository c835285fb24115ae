"""ReplicaSets (apps/v1): defaulting, validation, an immutable selector, status the controller's.

Upstream: pkg/registry/apps/replicaset/strategy.go. A create starts with the status the
controller would write first (replicas 0); a status write may carry annotations too.
"""
from __future__ import annotations

from ...api import errors
from .. import defaults, validation
from .strategy import Strategy


def immutable_selector(obj: dict, old: dict) -> list[dict]:
    """apps/v1 selectors never change (ValidateDeploymentUpdate, ValidateReplicaSetUpdate)."""
    if (old.get("spec") or {}).get("selector") != (obj.get("spec") or {}).get("selector"):
        return [errors.invalid_value("spec.selector", obj["spec"].get("selector"), "field is immutable")]
    return []


def status_with_annotations(merged: dict, obj: dict) -> dict:
    """Their status strategy lets a status write carry annotations (the revision)."""
    merged["metadata"]["annotations"] = obj["metadata"].get("annotations") or {}
    if not merged["metadata"]["annotations"]:
        del merged["metadata"]["annotations"]
    return merged


class ReplicaSetStrategy(Strategy):
    plural = "replicasets"

    def default(self, obj: dict) -> None:
        defaults.replicaset(obj)

    def prepare_for_create(self, obj: dict) -> None:
        obj["status"] = {"replicas": 0}   # the controllers' to write; replicas 0 as defaulted

    def prepare_for_subresource_update(self, subresource: str, obj: dict, old: dict) -> dict:
        return status_with_annotations(super().prepare_for_subresource_update(subresource, obj, old), obj)

    def validate(self, obj: dict) -> list[dict]:
        return validation._validate_workload(obj)

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        return immutable_selector(obj, old)


STRATEGY = ReplicaSetStrategy()
