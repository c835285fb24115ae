"""Taints and tolerations: does a pod's toleration let it past a node's taint?

A taint on a node repels pods (key, value, effect: NoSchedule, PreferNoSchedule or
NoExecute); a toleration on a pod lets it past taints it matches. A toleration matches a taint
when its effect is empty or the same, its key is empty-with-Exists or the same, and either its
operator is Exists or (Equal, the default) its value is the taint's value.

Real Kubernetes keeps these rules in k8s.io/api's core/v1 helpers, shared by the scheduler,
the taint-eviction controller and the kubelet; so does kubelab, here.
"""
from __future__ import annotations

from typing import Callable

NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE = "NoSchedule", "PreferNoSchedule", "NoExecute"


def tolerates(toleration: dict, taint: dict) -> bool:
    """Does this one toleration match this one taint?"""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def tolerations_tolerate(tolerations: list[dict], taint: dict) -> bool:
    """Does any of these tolerations match the taint?"""
    return any(tolerates(toleration, taint) for toleration in tolerations)


def find_untolerated_taint(taints: list[dict], tolerations: list[dict],
                           considered: Callable[[dict], bool]) -> dict | None:
    """The first considered taint no toleration matches, in the node's order, or None."""
    for taint in taints:
        if considered(taint) and not tolerations_tolerate(tolerations, taint):
            return taint
    return None
