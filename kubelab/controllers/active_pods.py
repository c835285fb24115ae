"""Active pods, and which ones a ReplicaSet gives up first when it scales down.

A pod counts towards a ReplicaSet's replicas while it is *active*: not terminating (no
deletionTimestamp) and not finished (phase neither Succeeded nor Failed).

When there are too many, the controller deletes the least valuable first. The ranking is
upstream's ActivePodsWithRanks (k8s.io/kubernetes/pkg/controller/controller_utils.go, v1.32),
compared rule by rule until one decides:

    1. unscheduled            before scheduled
    2. Pending                before Unknown, before Running
    3. not ready              before ready
    4. lower pod-deletion-cost annotation (controller.kubernetes.io/pod-deletion-cost) first
    5. more pods of the same owner on its node ("doubled up") first
    6. ready more recently    before ready longer   } in log2 buckets of age
    7. more container restarts first                  (LogarithmicScaleDown), so pods of
    8. created more recently  before created earlier } similar age tie and the uid decides

Each rule is one element of a Python sort key, so `sorted(pods, key=...)` reads in the same
order as the list above. Upstream breaks a tie inside one age bucket by uid straight away;
kubelab lets it fall through to the next rule, which only matters for pods of equal age.
"""
from __future__ import annotations

import math

from ..objects import conditions, meta, timefmt

PHASE_ORDER = {"Pending": 0, "Unknown": 1, "Running": 2}
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"


def is_active(pod: dict) -> bool:
    """Not terminating and not finished: it counts towards its owner's replicas."""
    phase = pod.get("status", {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not meta.is_being_deleted(pod)


def is_ready(pod: dict) -> bool:
    """The kubelet reports the Ready condition True."""
    return conditions.is_true(pod, "Ready")


def ready_since(pod: dict) -> float | None:
    """When the pod last became Ready (the Ready condition's lastTransitionTime)."""
    condition = conditions.get(pod, "Ready")
    if condition is None or condition.get("status") != "True" or not condition.get("lastTransitionTime"):
        return None
    return timefmt.parse(condition["lastTransitionTime"])


def is_available(pod: dict, min_ready_seconds: int, now: float) -> bool:
    """Ready, and for at least minReadySeconds."""
    if not is_ready(pod):
        return False
    since = ready_since(pod)
    return min_ready_seconds == 0 or (since is not None and since + min_ready_seconds <= now)


def _age_bucket(timestamp: float | None, now: float) -> int:
    """log2 of the age in nanoseconds, as upstream's logarithmicRankDiff; -1 for no age."""
    if timestamp is None or now - timestamp <= 0:
        return -1
    return int(math.log2((now - timestamp) * 1e9))


def _restarts(pod: dict) -> int:
    statuses = pod.get("status", {}).get("containerStatuses") or []
    return max((status.get("restartCount", 0) for status in statuses), default=0)


def _deletion_cost(pod: dict) -> int:
    try:
        return int(meta.annotations(pod).get(DELETION_COST, "0"))
    except ValueError:
        return 0


def deletion_rank(pod: dict, colocated: int, now: float) -> tuple:
    """The sort key: smaller means "delete me first". `colocated`: related pods on my node."""
    ready = is_ready(pod)
    created = pod.get("metadata", {}).get("creationTimestamp")
    return (
        bool(pod.get("spec", {}).get("nodeName")),                        # 1
        PHASE_ORDER.get(pod.get("status", {}).get("phase"), 0),            # 2 (others rank as Pending)
        ready,                                                             # 3
        _deletion_cost(pod),                                               # 4
        -colocated,                                                        # 5
        _age_bucket(ready_since(pod), now) if ready else 0,                # 6
        -_restarts(pod),                                                   # 7
        _age_bucket(timefmt.parse(created) if created else None, now),     # 8
        meta.uid(pod),                                                     # ties: the uid
    )


def pods_to_delete(pods: list[dict], related: list[dict], count: int, now: float) -> list[dict]:
    """The `count` pods to delete first among `pods`; `related` are all the owner family's pods."""
    if count >= len(pods):
        return list(pods)
    on_node: dict[str, int] = {}
    for pod in related:
        if is_active(pod):
            node = pod.get("spec", {}).get("nodeName", "")
            on_node[node] = on_node.get(node, 0) + 1
    ranked = sorted(pods, key=lambda pod: deletion_rank(
        pod, on_node.get(pod.get("spec", {}).get("nodeName", ""), 0), now))
    return ranked[:count]
