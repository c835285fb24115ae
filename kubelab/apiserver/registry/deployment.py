"""Deployments (apps/v1): defaulting, validation, an immutable selector, status the controller's.

Upstream: pkg/registry/apps/deployment/strategy.go. Status is the deployment controller's to
write: a create starts with an empty one; a write to the status subresource may also carry
annotations (the controller's `deployment.kubernetes.io/revision`).
"""
from __future__ import annotations

from .replicaset import default_template, immutable_selector, status_with_annotations, validate_workload
from . import workload_status
from .strategy import Strategy


class DeploymentStrategy(Strategy):
    plural = "deployments"

    def default(self, obj: dict) -> None:
        """SetDefaults_Deployment: one replica, a 25%/25% rolling update, history 10, deadline 600 s."""
        spec = obj.setdefault("spec", {})
        spec.setdefault("replicas", 1)
        strategy = spec.setdefault("strategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            rolling.setdefault("maxUnavailable", "25%")
            rolling.setdefault("maxSurge", "25%")
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        default_template(obj)
        obj.setdefault("status", {})

    def prepare_for_create(self, obj: dict) -> None:
        obj["status"] = {}   # status is the controllers' to write, never the creator's

    def prepare_for_subresource_update(self, subresource: str, obj: dict, old: dict) -> dict:
        return status_with_annotations(super().prepare_for_subresource_update(subresource, obj, old), obj)

    def validate(self, obj: dict) -> list[dict]:
        return validate_workload(obj)

    def validate_status_update(self, obj: dict, old: dict) -> list[dict]:
        """upstream's ValidateDeploymentStatusUpdate: the status's counts (workload_status.py); the
        spec a status write keeps is not validated again."""
        return self.validate_update(obj, old) + workload_status.deployment_status(obj, old)

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        return immutable_selector(obj, old)


STRATEGY = DeploymentStrategy()
