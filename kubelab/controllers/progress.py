"""How a Deployment reports its rollout: status counts and the two conditions.

    replicas             pods that exist (sum of the ReplicaSets' status.replicas)
    updatedReplicas      of those, pods of the current template (the new ReplicaSet's)
    readyReplicas        ready pods
    availableReplicas    pods ready for at least minReadySeconds
    unavailableReplicas  pods wanted but not available (sum of spec.replicas - available)

    Available    True  MinimumReplicasAvailable  "Deployment has minimum availability."
                 False MinimumReplicasUnavailable
    Progressing  True  NewReplicaSetCreated / FoundNewReplicaSet / ReplicaSetUpdated while rolling,
                 True  NewReplicaSetAvailable "ReplicaSet "X" has successfully progressed." when done,
                 False ProgressDeadlineExceeded when no progress for progressDeadlineSeconds.

`kubectl rollout status` reads exactly these: it waits until observedGeneration has caught
up, updatedReplicas == replicas == availableReplicas == spec.replicas, and fails on
ProgressDeadlineExceeded (k8s.io/kubernetes/pkg/controller/deployment/progress.go and
sync.go calculateStatus, v1.32). Zero counts are left out, as the Go types' omitempty does.

Pure functions: the controller decides when to write and when to look again.
"""
from __future__ import annotations

import copy

from .deployment_util import (get_condition, max_unavailable, new_condition, remove_condition,
                              replicas, set_condition, status_count, total_replicas, total_status)
from ..objects.timefmt import parse

NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
REPLICASET_UPDATED = "ReplicaSetUpdated"
TIMED_OUT = "ProgressDeadlineExceeded"


def calculate_status(all_replicasets: list[dict | None], new: dict | None, deployment: dict,
                     now: float) -> dict:
    """The status counts and the Available condition (conditions otherwise carried over)."""
    available = total_status(all_replicasets, "availableReplicas")
    counts = {
        "observedGeneration": deployment["metadata"].get("generation", 0),
        "replicas": total_status(all_replicasets, "replicas"),
        "updatedReplicas": status_count(new, "replicas"),
        "readyReplicas": total_status(all_replicasets, "readyReplicas"),
        "availableReplicas": available,
        "unavailableReplicas": max(0, total_replicas(all_replicasets) - available),
    }
    status = {field: value for field, value in counts.items() if value}
    conditions = deployment.get("status", {}).get("conditions")
    if conditions:
        status["conditions"] = copy.deepcopy(conditions)
    if "collisionCount" in deployment.get("status", {}):
        status["collisionCount"] = deployment["status"]["collisionCount"]
    if available >= replicas(deployment) - max_unavailable(deployment):
        set_condition(status, new_condition("Available", "True", "MinimumReplicasAvailable",
                                            "Deployment has minimum availability.", now))
    else:
        set_condition(status, new_condition("Available", "False", "MinimumReplicasUnavailable",
                                            "Deployment does not have minimum availability.", now))
    return status


def deployment_complete(deployment: dict, status: dict) -> bool:
    """All pods are updated, available, and no old ones are left; the spec was observed."""
    wanted = replicas(deployment)
    return status.get("updatedReplicas", 0) == wanted and status.get("replicas", 0) == wanted \
        and status.get("availableReplicas", 0) == wanted \
        and status.get("observedGeneration", 0) >= deployment["metadata"].get("generation", 0)


def deployment_progressing(deployment: dict, status: dict) -> bool:
    """Did anything move since the last status: more updated, fewer old, more ready/available?"""
    old = deployment.get("status", {})
    old_leftovers = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_leftovers = status.get("replicas", 0) - status.get("updatedReplicas", 0)
    return status.get("updatedReplicas", 0) > old.get("updatedReplicas", 0) \
        or new_leftovers < old_leftovers \
        or status.get("readyReplicas", 0) > old.get("readyReplicas", 0) \
        or status.get("availableReplicas", 0) > old.get("availableReplicas", 0)


def deployment_timed_out(deployment: dict, status: dict, now: float) -> bool:
    """No progress reported for progressDeadlineSeconds."""
    deadline = deployment["spec"].get("progressDeadlineSeconds")
    condition = get_condition(status, "Progressing")
    if deadline is None or condition is None or condition.get("reason") == NEW_RS_AVAILABLE:
        return False
    if condition.get("reason") == TIMED_OUT:
        return True
    return parse(condition["lastUpdateTime"]) + deadline < now


def rollout_status(all_replicasets: list[dict | None], new: dict | None, deployment: dict,
                   now: float) -> dict:
    """calculate_status plus the Progressing condition (syncRolloutStatus)."""
    status = calculate_status(all_replicasets, new, deployment, now)
    has_deadline = deployment["spec"].get("progressDeadlineSeconds") is not None
    if not has_deadline:
        remove_condition(status, "Progressing")
    current = get_condition(deployment.get("status", {}), "Progressing")
    complete = status.get("replicas", 0) == status.get("updatedReplicas", 0) and \
        current is not None and current.get("reason") == NEW_RS_AVAILABLE
    if has_deadline and not complete:
        set_progressing(status, current, new, deployment, now)
    failure = replica_failure(all_replicasets, new)
    if failure is not None:
        set_condition(status, failure)
    else:
        remove_condition(status, "ReplicaFailure")
    return status


def set_progressing(status: dict, current: dict | None, new: dict | None, deployment: dict,
                    now: float) -> None:
    """Complete, still moving, or stuck past the deadline: say which in Progressing."""
    subject = f'ReplicaSet "{new["metadata"]["name"]}"' if new else \
        f'Deployment "{deployment["metadata"]["name"]}"'
    if deployment_complete(deployment, status):
        set_condition(status, new_condition("Progressing", "True", NEW_RS_AVAILABLE,
                                            f"{subject} has successfully progressed.", now))
    elif deployment_progressing(deployment, status):
        condition = new_condition("Progressing", "True", REPLICASET_UPDATED, f"{subject} is progressing.", now)
        if current is not None:
            if current["status"] == "True":
                condition["lastTransitionTime"] = current["lastTransitionTime"]
            remove_condition(status, "Progressing")  # same reason, but lastUpdateTime must move
        set_condition(status, condition)
    elif deployment_timed_out(deployment, status, now):
        set_condition(status, new_condition("Progressing", "False", TIMED_OUT,
                                            f"{subject} has timed out progressing.", now))


def replica_failure(all_replicasets: list[dict | None], new: dict | None) -> dict | None:
    """A ReplicaSet's ReplicaFailure (the new one's first), as a Deployment condition."""
    for rs in [new] + [rs for rs in all_replicasets if rs is not new]:
        failure = get_condition((rs or {}).get("status", {}), "ReplicaFailure")
        if failure is not None and failure.get("status") == "True":
            return {"type": "ReplicaFailure", "status": failure["status"],
                    "lastUpdateTime": failure["lastTransitionTime"],
                    "lastTransitionTime": failure["lastTransitionTime"],
                    "reason": failure.get("reason", ""), "message": failure.get("message", "")}
    return None


def paused_condition(deployment: dict) -> tuple[str, str] | None:
    """(reason, message) of the Progressing Unknown condition spec.paused now calls for, if new."""
    current = get_condition(deployment.get("status", {}), "Progressing")
    if deployment["spec"].get("progressDeadlineSeconds") is None or \
            (current is not None and current.get("reason") == TIMED_OUT):
        return None  # a timed-out rollout keeps saying so
    shown = current is not None and current.get("reason") == "DeploymentPaused"
    if deployment["spec"].get("paused") and not shown:
        return "DeploymentPaused", "Deployment is paused"
    if not deployment["spec"].get("paused") and shown:
        return "DeploymentResumed", "Deployment is resumed"
    return None


def seconds_until_deadline(deployment: dict, status: dict, now: float) -> float | None:
    """When to check a stalled rollout for its deadline again; None if there is nothing to check."""
    deadline = deployment["spec"].get("progressDeadlineSeconds")
    current = get_condition(deployment.get("status", {}), "Progressing")
    if deadline is None or current is None or current.get("reason") == TIMED_OUT \
            or deployment_complete(deployment, status):
        return None
    return max(0.0, parse(current["lastUpdateTime"]) + deadline - now)
