"""What a write to a ReplicaSet's, ReplicationController's or Deployment's status must hold.

Upstream: ValidateReplicaSetStatus, ValidateReplicationControllerStatus and
ValidateDeploymentStatus (pkg/apis/apps/validation, pkg/apis/core/validation), run by each
kind's status strategy (ValidateReplicaSetStatusUpdate, …): every count is non-negative, no
count of a subset exceeds `status.replicas`, and no more replicas are available than ready.
A Deployment's `collisionCount` may never go down. The spec a status write carries is the
stored one, so it is not validated again (the strategies' validate_status_update).

The controllers never write such a status; a learner's `kubectl patch --subresource=status`
or a buggy operator can, and gets upstream's 422 instead of a status that lies.
"""
from __future__ import annotations

from ...api import errors
from .pod_template import nonnegative

_GREATER = "cannot be greater than status.replicas"


def _count(status: dict, name: str) -> int:
    value = status.get(name) or 0
    return value if isinstance(value, int) else 0


def _bounded(status: dict, subsets: tuple[str, ...]) -> list[dict]:
    causes = [errors.invalid_value(f"status.{name}", _count(status, name), _GREATER)
              for name in subsets if _count(status, name) > _count(status, "replicas")]
    if _count(status, "availableReplicas") > _count(status, "readyReplicas"):
        causes.append(errors.invalid_value("status.availableReplicas", _count(status, "availableReplicas"),
                                           "cannot be greater than readyReplicas"))
    return causes


def replica_set_status(obj: dict) -> list[dict]:
    """ValidateReplicaSetStatus (and the ReplicationController's, which is the same)."""
    status = obj.get("status") or {}
    causes = [c for name in ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas",
                             "observedGeneration")
              for c in nonnegative(status.get(name), f"status.{name}")]
    return causes + _bounded(status, ("fullyLabeledReplicas", "readyReplicas", "availableReplicas"))


def deployment_status(obj: dict, old: dict) -> list[dict]:
    """ValidateDeploymentStatus, and ValidateDeploymentStatusUpdate's collisionCount rule."""
    status = obj.get("status") or {}
    causes = [c for name in ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas",
                             "availableReplicas", "unavailableReplicas", "collisionCount")
              for c in nonnegative(status.get(name), f"status.{name}")]
    causes += _bounded(status, ("updatedReplicas", "readyReplicas", "availableReplicas"))
    before = (old.get("status") or {}).get("collisionCount")
    now = status.get("collisionCount")
    if isinstance(before, int) and (now is None or (isinstance(now, int) and now < before)):
        causes.append(errors.invalid_value("status.collisionCount", now or 0, "cannot be decremented"))
    return causes
