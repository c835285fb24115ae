"""Deployment arithmetic: surge and unavailability, revisions, annotations, sort orders.

Pure functions of plain dicts (no client, no clock), after upstream's
k8s.io/kubernetes/pkg/controller/deployment/util/deployment_util.go, so each can be tried in a
notebook cell on its own.

    maxSurge        how many pods *above* spec.replicas a rollout may run     (rounded up)
    maxUnavailable  how many pods *below* spec.replicas may be unavailable    (rounded down)

Both default to "25%". Rounding surge up and unavailability down keeps a rollout moving
without ever dropping below what was promised; if both come out 0, unavailability becomes 1
so the rollout can still make a step.

Each ReplicaSet of a Deployment carries three annotations: `deployment.kubernetes.io/revision`
(which rollout it belongs to, 1, 2, ...), and `desired-replicas` / `max-replicas`
(spec.replicas and spec.replicas + maxSurge when it was last scaled), which tell a scaling
event ("the user changed spec.replicas") from a rollout step.
"""
from __future__ import annotations

import math

from ..objects import meta
from ..objects.timefmt import rfc3339
from .pod_template_hash import LABEL as POD_TEMPLATE_HASH

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# Annotations a Deployment does not pass on to its ReplicaSets (annotationsToSkip).
ANNOTATIONS_TO_SKIP = {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS,
                       "deprecated.deployment.rollback.to"}


# -- spec.replicas, summed -------------------------------------------------------------
def replicas(obj: dict | None) -> int:
    """spec.replicas of a Deployment or ReplicaSet (0 for None)."""
    return 0 if obj is None else obj["spec"].get("replicas", 1)


def status_count(obj: dict | None, field: str) -> int:
    return 0 if obj is None else obj.get("status", {}).get(field, 0)


def total_replicas(replicasets: list[dict | None]) -> int:
    """The sum of spec.replicas: the pods the ReplicaSets *want*."""
    return sum(replicas(rs) for rs in replicasets)


def total_status(replicasets: list[dict | None], field: str) -> int:
    """The sum of one status count ("replicas", "readyReplicas", "availableReplicas")."""
    return sum(status_count(rs, field) for rs in replicasets)


def active(replicasets: list[dict | None]) -> list[dict]:
    """ReplicaSets that want at least one pod."""
    return [rs for rs in replicasets if rs is not None and replicas(rs) > 0]


def by_creation(replicasets: list[dict]) -> list[dict]:
    """Oldest first; same second: by name (ReplicaSetsByCreationTimestamp)."""
    return sorted(replicasets, key=lambda rs: (rs["metadata"].get("creationTimestamp", ""), meta.name(rs)))


def find_active_or_latest(new: dict | None, old: list[dict]) -> dict | None:
    """The one ReplicaSet that holds pods (or the newest, if none does); None while a
    rollout has pods in several (FindActiveOrLatest)."""
    holding = active([new] + old)
    if len(holding) == 1:
        return holding[0]
    if not holding:
        return new if new is not None else (by_creation(old)[-1] if old else None)
    return None


# -- maxSurge and maxUnavailable ----------------------------------------------------------
def is_rolling_update(deployment: dict) -> bool:
    return (deployment["spec"].get("strategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"


def scaled_value(value: int | str, total: int, round_up: bool) -> int:
    """An IntOrString: 3 stays 3; "25%" of 10 is 3 rounded up or 2 rounded down."""
    if isinstance(value, int):
        return value
    if not value.endswith("%") or not value[:-1].isdigit():
        raise ValueError(f'invalid value for IntOrString: invalid type: string is not a percentage: "{value}"')
    exact = int(value[:-1]) * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def resolve_fenceposts(deployment: dict) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) as pod counts; never both 0."""
    rolling = (deployment["spec"].get("strategy") or {}).get("rollingUpdate") or {}
    desired = replicas(deployment)
    surge = scaled_value(rolling.get("maxSurge", "25%"), desired, round_up=True)
    unavailable = scaled_value(rolling.get("maxUnavailable", "25%"), desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1  # validation forbids both 0; this keeps a rollout able to move
    return surge, unavailable


def max_surge(deployment: dict) -> int:
    return resolve_fenceposts(deployment)[0] if is_rolling_update(deployment) else 0


def max_unavailable(deployment: dict) -> int:
    """Pods that may be unavailable during a rollout (0 for Recreate or 0 replicas)."""
    if not is_rolling_update(deployment) or replicas(deployment) == 0:
        return 0
    return min(resolve_fenceposts(deployment)[1], replicas(deployment))


# -- templates and revisions ------------------------------------------------------------
def without_hash(template: dict) -> dict:
    """The pod template without the pod-template-hash label (new metadata and labels dicts,
    everything else shared with `template`: read it, never change it)."""
    metadata = template.get("metadata") or {}
    labels = metadata.get("labels")
    if labels is None or POD_TEMPLATE_HASH not in labels:
        return template
    return {**template, "metadata": {**metadata, "labels": {key: value for key, value in labels.items()
                                                            if key != POD_TEMPLATE_HASH}}}


def equal_ignore_hash(template: dict, other: dict) -> bool:
    """Same pod template, whatever their pod-template-hash labels say."""
    return without_hash(template) == without_hash(other)


def find_new_replicaset(deployment: dict, replicasets: list[dict]) -> dict | None:
    """The oldest ReplicaSet whose template is the Deployment's: the current version."""
    for rs in by_creation(replicasets):
        if equal_ignore_hash(rs["spec"]["template"], deployment["spec"]["template"]):
            return rs
    return None


def revision(obj: dict) -> int:
    try:
        return int(meta.annotations(obj).get(REVISION, "0"))
    except ValueError:
        return 0


def max_revision(replicasets: list[dict]) -> int:
    return max((revision(rs) for rs in replicasets), default=0)


def replicas_annotations(deployment: dict) -> dict[str, str]:
    """desired-replicas and max-replicas, as a ReplicaSet should carry them now."""
    return {DESIRED_REPLICAS: str(replicas(deployment)),
            MAX_REPLICAS: str(replicas(deployment) + max_surge(deployment))}


def new_replicaset_annotations(deployment: dict, replicaset: dict, new_revision: int,
                               exists: bool) -> dict[str, str]:
    """The annotations the new ReplicaSet should have (SetNewReplicaSetAnnotations)."""
    annotations = dict(meta.annotations(replicaset))
    for key, value in meta.annotations(deployment).items():
        if key not in ANNOTATIONS_TO_SKIP:
            annotations[key] = value
    old_revision = revision(replicaset)
    if old_revision < new_revision:
        annotations[REVISION] = str(new_revision)
        if REVISION in meta.annotations(replicaset):  # an old version coming back: a rollback
            history = annotations.get(REVISION_HISTORY)
            annotations[REVISION_HISTORY] = f"{history},{old_revision}" if history else str(old_revision)
    if not exists:
        annotations.update(replicas_annotations(deployment))
    return annotations


def history_to_clean_up(old: list[dict], deployment: dict) -> list[dict]:
    """Old ReplicaSets beyond spec.revisionHistoryLimit that are empty and settled, lowest
    revision first: the ones `kubectl rollout history` no longer needs."""
    limit = deployment["spec"].get("revisionHistoryLimit")
    alive = [rs for rs in old if not meta.is_being_deleted(rs)]
    if limit is None or len(alive) <= limit:
        return []
    oldest = sorted(alive, key=lambda rs: (revision(rs), rs["metadata"].get("creationTimestamp", "")))
    return [rs for rs in oldest[:len(alive) - limit]
            if not status_count(rs, "replicas") and not replicas(rs)
            and rs["metadata"].get("generation", 0) <= status_count(rs, "observedGeneration")]


def old_pods_running(old: list[dict], pods: list[dict]) -> bool:
    """Does any old ReplicaSet still have a pod that is not finished? (Recreate waits for none)"""
    if total_status(old, "replicas") > 0:
        return True
    old_uids = {meta.uid(rs) for rs in old}
    return any((meta.controller_of(pod) or {}).get("uid") in old_uids
               and pod.get("status", {}).get("phase") not in ("Succeeded", "Failed") for pod in pods)


def is_saturated(deployment: dict, replicaset: dict | None) -> bool:
    """The new ReplicaSet runs all the Deployment's replicas, all available."""
    if replicaset is None:
        return False
    desired = meta.annotations(replicaset).get(DESIRED_REPLICAS)
    return desired == str(replicas(deployment)) and replicas(replicaset) == replicas(deployment) \
        and status_count(replicaset, "availableReplicas") == replicas(deployment)


# -- conditions -------------------------------------------------------------------------
def new_condition(type_: str, status: str, reason: str, message: str, now: float) -> dict:
    stamp = rfc3339(now)
    return {"type": type_, "status": status, "lastUpdateTime": stamp, "lastTransitionTime": stamp,
            "reason": reason, "message": message}


def get_condition(status: dict, type_: str) -> dict | None:
    return next((c for c in status.get("conditions") or [] if c.get("type") == type_), None)


def set_condition(status: dict, condition: dict) -> None:
    """Put `condition` in status.conditions (SetDeploymentCondition): the same status and
    reason change nothing; the same status keeps lastTransitionTime; a changed one moves last."""
    current = get_condition(status, condition["type"])
    if current is not None and current["status"] == condition["status"] \
            and current.get("reason") == condition["reason"]:
        return
    if current is not None and current["status"] == condition["status"]:
        condition = {**condition, "lastTransitionTime": current["lastTransitionTime"]}
    remove_condition(status, condition["type"])
    status.setdefault("conditions", []).append(condition)


def remove_condition(status: dict, type_: str) -> None:
    kept = [c for c in status.get("conditions") or [] if c.get("type") != type_]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)
