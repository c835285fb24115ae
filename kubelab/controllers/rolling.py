"""The RollingUpdate strategy as arithmetic: how far each ReplicaSet may move in one step.

A rollout from an old ReplicaSet to a new one is a loop of two moves, each bounded:

    scale the new one up     while  sum(spec.replicas)  <=  replicas + maxSurge
    scale the old ones down  while  available pods      >=  replicas - maxUnavailable

After each move the controller waits for the world to catch up (the ReplicaSet controller
creates or deletes pods, the kubelet makes them ready, the ReplicaSets' status says so), then
computes the next step from what it sees. So a rollout is not a plan carried out, it is the
same question asked again after every change (k8s.io/kubernetes/pkg/controller/deployment/
rolling.go and util/deployment_util.go, v1.32).

Every function here is pure: it takes the Deployment and its ReplicaSets (dicts) and returns
sizes; deployment.py does the writing. A step is `(replicaset, new_size)`.
"""
from __future__ import annotations

from ..objects import meta
from .deployment_util import (MAX_REPLICAS, active, by_creation, is_rolling_update, max_surge,
                              max_unavailable, replicas, status_count, total_replicas, total_status)

Step = tuple[dict, int]  # (replicaset, new spec.replicas)


def new_replicaset_replicas(deployment: dict, all_replicasets: list[dict], new: dict) -> int:
    """How big the new ReplicaSet may be now (NewRSNewReplicas)."""
    if not is_rolling_update(deployment):
        return replicas(deployment)  # Recreate: all at once (old pods are gone by then)
    current = total_replicas(all_replicasets)
    most = replicas(deployment) + max_surge(deployment)
    if current >= most:
        return replicas(new)  # no room above the surge limit
    room = most - current
    return replicas(new) + min(room, replicas(deployment) - replicas(new))


def old_replicasets_scale_down(deployment: dict, all_replicasets: list[dict], old: list[dict],
                               new: dict | None) -> list[Step]:
    """Steps that shrink the old ReplicaSets as far as availability allows (reconcileOldReplicaSets).

    First the unhealthy pods go (they count against availability anyway), then healthy ones,
    oldest ReplicaSet first, never dropping below replicas - maxUnavailable available pods.
    """
    if total_replicas(old) == 0:
        return []
    min_available = replicas(deployment) - max_unavailable(deployment)
    new_unavailable = replicas(new) - status_count(new, "availableReplicas")
    most_scaled_down = total_replicas(all_replicasets) - min_available - new_unavailable
    if most_scaled_down <= 0:
        return []
    sizes = {meta.uid(rs): replicas(rs) for rs in old}
    steps = cleanup_unhealthy(old, sizes, most_scaled_down)
    available = total_status(all_replicasets, "availableReplicas")
    if available <= min_available:
        return steps
    to_scale_down = available - min_available
    for rs in by_creation(old):
        if to_scale_down <= 0:
            break
        size = sizes[meta.uid(rs)]
        if size == 0:
            continue
        count = min(size, to_scale_down)
        steps.append((rs, size - count))
        sizes[meta.uid(rs)] = size - count
        to_scale_down -= count
    return steps


def cleanup_unhealthy(old: list[dict], sizes: dict[str, int], most: int) -> list[Step]:
    """Shrink old ReplicaSets by their unavailable pods, at most `most` in all (oldest first)."""
    steps, removed = [], 0
    for rs in by_creation(old):
        if removed >= most:
            break
        size = sizes[meta.uid(rs)]
        unhealthy = size - status_count(rs, "availableReplicas")
        if size == 0 or unhealthy <= 0:
            continue
        count = min(most - removed, unhealthy)
        steps.append((rs, size - count))
        sizes[meta.uid(rs)] = size - count
        removed += count
    return steps


# -- proportional scaling: spec.replicas changed in the middle of a rollout ----------------
def proportional_scale(deployment: dict, new: dict | None, old: list[dict]) -> list[Step]:
    """Spread a change of spec.replicas over the active ReplicaSets in proportion to their
    size, leftovers to the biggest (DeploymentController.scale, RollingUpdate branch)."""
    replicasets = active(old + [new])
    allowed = replicas(deployment) + max_surge(deployment) if replicas(deployment) > 0 else 0
    to_add = allowed - total_replicas(replicasets)
    if to_add == 0:
        return [(rs, replicas(rs)) for rs in replicasets]
    newest_first = sorted(replicasets, key=lambda rs: (rs["metadata"].get("creationTimestamp", ""),
                                                       meta.name(rs)), reverse=to_add > 0)
    ordered = sorted(newest_first, key=replicas, reverse=True)  # biggest first (stable)
    sizes, added = {}, 0
    for rs in ordered:
        share = proportion(rs, deployment, to_add, added)
        sizes[meta.uid(rs)] = replicas(rs) + share
        added += share
    biggest = meta.uid(ordered[0])
    sizes[biggest] = max(0, sizes[biggest] + to_add - added)
    return [(rs, sizes[meta.uid(rs)]) for rs in ordered]


def proportion(replicaset: dict, deployment: dict, to_add: int, added: int) -> int:
    """This ReplicaSet's share of `to_add` (GetProportion), bounded by what is left."""
    if replicas(replicaset) == 0 or to_add == 0 or to_add == added:
        return 0
    left = to_add - added
    share = fraction(replicaset, deployment)
    return min(share, left) if to_add > 0 else max(share, left)


def fraction(replicaset: dict, deployment: dict) -> int:
    """How many pods this ReplicaSet gains or loses at the Deployment's new size."""
    if replicas(deployment) == 0:
        return -replicas(replicaset)
    deployment_size = replicas(deployment) + max_surge(deployment)
    try:
        annotated = int(meta.annotations(replicaset).get(MAX_REPLICAS, ""))
    except ValueError:
        annotated = deployment.get("status", {}).get("replicas", 0)
    if annotated == 0:
        return 0
    return _round_half_away(replicas(replicaset) * deployment_size / annotated) - replicas(replicaset)


def _round_half_away(value: float) -> int:
    """Go's math.Round (halves away from zero), not Python's banker's rounding."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)
