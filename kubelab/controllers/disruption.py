"""The disruption controller: for each PodDisruptionBudget, how many pods may go right now.

    pdbs, pods ──informers──▶ enqueue the PDB's key ──▶ sync(key):
        pods        = the namespace's pods its selector picks (none: event NoPods)
        expected    = how many there should be: the pods' controllers' replicas (a Deployment's
                      through its ReplicaSet) — or, for an integer minAvailable, the pods found
        desired     = minAvailable (scaled by `expected` if a percent)
                      or expected - maxUnavailable (rounded up)
        disrupted   = pods an eviction promised to delete less than 2 min ago (status.disruptedPods)
        healthy     = Ready pods, neither being deleted nor disrupted
        allowed     = max(0, healthy - desired)   → status, condition DisruptionAllowed
                      (True SufficientPods / False InsufficientPods)

Invariant: status.disruptionsAllowed never counts a pod twice. An eviction (the API server's
pods/eviction) spends one allowed disruption and names the pod in status.disruptedPods in the
same write; this controller keeps that pod out of `healthy` until it is gone, or until 2 min
have passed and it plainly was not deleted (event NotDeleted), so two drains racing cannot
both take the last spare pod.

A pod with no controller makes `expected` unknowable for maxUnavailable or a percent (event
UnmanagedPods; the pod is left out); a controller without a scale (a DaemonSet) makes the
sync fail safe: disruptionsAllowed 0, condition DisruptionAllowed False, reason SyncFailed.

A pod marked DisruptionTarget (by an eviction or a preemption) that is still not being
deleted 2 min later gets the condition back to False: the disruption did not happen
(upstream's stale pod disruption worker, here keys "stale-pod:<ns>/<name>" on the same queue).

As upstream (pkg/controller/disruption, v1.32); left out: the scale subresource of custom kinds.
"""
from __future__ import annotations

import copy
import math

from ..api.resources import BY_KIND
from ..client import ApiError, Controller
from ..objects import conditions, meta, selector
from ..objects.disruption_budget import counts_pod, set_condition, with_disruption_allowed
from ..objects.timefmt import parse, rfc3339
from .active_pods import is_ready
from .label_index import LABEL_INDEX, label_index, pods_selected

DELETION_TIMEOUT = 120.0    # seconds an eviction's pod may take to be deleted (DeletionTimeout)
STALE_POD_DISRUPTION_TIMEOUT = 120.0   # seconds a DisruptionTarget may stand without a delete
STALE = "stale-pod:"
UNMANAGED = ('Pods selected by this PodDisruptionBudget (selector: {selector}) were found to be unmanaged. '
             'As a result, the status of the PDB cannot be calculated correctly, which may result in '
             'undefined behavior. To account for these pods please set ".spec.minAvailable" field of the '
             'PDB to an integer value.')


class SyncFailed(Exception):
    """The expected pod count cannot be known; the budget fails safe."""


class DisruptionController(Controller):
    name = "disruption-controller"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.budgets = factory.informer("poddisruptionbudgets")
        self.pods = factory.informer("pods")
        self.pods.add_indexers({LABEL_INDEX: label_index})   # a budget's pods, not the namespace's
        self.replicasets = factory.informer("replicasets")
        self.deployments = factory.informer("deployments")
        self.budgets.add_handlers(self.enqueue, lambda old, new: self.enqueue(new), self.enqueue)
        self.pods.add_handlers(self.on_pod, lambda old, new: self.on_pod(new), self.on_pod)

    def on_pod(self, pod: dict) -> None:
        """A pod changed: every budget selecting it needs a look (and a stale disruption, one)."""
        for budget in self.budgets.list(meta.namespace(pod)):
            if counts_pod(budget, pod):
                self.enqueue(budget)
        since = disruption_target_since(pod)
        if since is not None:
            self.look_again_at(STALE + meta.key(pod), since + STALE_POD_DISRUPTION_TIMEOUT)

    # -- reconcile --------------------------------------------------------------------
    def sync(self, key: str) -> None:
        if key.startswith(STALE):
            return self.sync_stale_pod_disruption(key[len(STALE):])
        budget = self.budgets.get(key)
        if budget is None:
            return
        pods = [pod for pod in pods_selected(self.pods, meta.namespace(budget), budget["spec"].get("selector"))
                if counts_pod(budget, pod)]
        if not pods:
            self.recorder.event(budget, "Normal", "NoPods", "No matching pods found")
        try:
            expected, desired, unmanaged = self.expected_pod_count(budget, pods)
        except SyncFailed as error:
            self.recorder.event(budget, "Warning", "CalculateExpectedPodCountFailed",
                                f"Failed to calculate the number of expected pods: {error}")
            self.fail_safe(budget, str(error))
            return
        if unmanaged:
            self.recorder.event(budget, "Normal", "UnmanagedPods", UNMANAGED.format(
                selector=selector.to_string(selector.from_label_selector(budget["spec"].get("selector")))))
        now = self.clock.now()
        disrupted, recheck = self.disrupted_pods(budget, pods, now)
        healthy = sum(1 for pod in pods if is_ready(pod) and not meta.is_being_deleted(pod)
                      and meta.name(pod) not in disrupted)
        self.write_status(budget, healthy, desired, expected, disrupted)
        if recheck is not None:
            self.queue.add_after(key, max(0.0, recheck - now))

    def look_again_at(self, key: str, when: float) -> None:
        """Housekeeping, not work the cluster waits for: a daemon timer (settle() does not run it)."""
        self.clock.call_later(max(0.0, when - self.clock.now()), self.enqueue, key, daemon=True)

    def sync_stale_pod_disruption(self, key: str) -> None:
        """DisruptionTarget True for 2 min and the pod still not being deleted: set it False."""
        pod = self.pods.get(key)
        since = disruption_target_since(pod) if pod is not None else None
        if since is None:
            return
        if self.clock.now() < since + STALE_POD_DISRUPTION_TIMEOUT:
            self.look_again_at(STALE + key, since + STALE_POD_DISRUPTION_TIMEOUT)
            return
        updated = [{**c, "status": "False", "lastTransitionTime": rfc3339(self.clock.now())}
                   if c.get("type") == "DisruptionTarget" else c for c in pod["status"]["conditions"]]
        self.client.patch("pods", meta.name(pod), {"status": {"conditions": updated}}, meta.namespace(pod),
                          subresource="status")

    def expected_pod_count(self, budget: dict, pods: list[dict]) -> tuple[int, int, list[str]]:
        """(expectedPods, desiredHealthy, unmanaged pod names): upstream's getExpectedPodCount."""
        spec = budget["spec"]
        if spec.get("maxUnavailable") is not None:
            expected, unmanaged = self.expected_scale(pods)
            max_unavailable = scaled_value(spec["maxUnavailable"], expected)
            return expected, max(0, expected - max_unavailable), unmanaged
        min_available = spec.get("minAvailable")
        if isinstance(min_available, str):
            expected, unmanaged = self.expected_scale(pods)
            return expected, scaled_value(min_available, expected), unmanaged
        return len(pods), min_available or 0, []

    def expected_scale(self, pods: list[dict]) -> tuple[int, list[str]]:
        """The sum of the replicas the pods' controllers want, each controller counted once."""
        scales: dict[str, int] = {}
        unmanaged = []
        for pod in pods:
            reference = meta.controller_of(pod)
            if reference is None:
                unmanaged.append(meta.name(pod))
                continue
            if reference.get("uid") in scales:
                continue
            found = self.controller_scale(reference, meta.namespace(pod))
            if found is None:
                raise SyncFailed(f'found no controllers for pod "{meta.name(pod)}"')
            uid, replicas = found
            scales[uid] = replicas
        return sum(scales.values()), unmanaged

    def controller_scale(self, reference: dict, namespace: str) -> tuple[str, int] | None:
        """(uid, replicas) of the controller that owns the pods: a ReplicaSet's Deployment if it
        has one, else the ReplicaSet; another kind through its scale subresource."""
        if reference.get("kind") == "ReplicaSet":
            replicaset = self.replicasets.get(f"{namespace}/{reference['name']}")
            if replicaset is None or meta.uid(replicaset) != reference.get("uid"):
                return None
            owner = meta.controller_of(replicaset)
            if owner is not None and owner.get("kind") == "Deployment":
                deployment = self.deployments.get(f"{namespace}/{owner['name']}")
                if deployment is not None and meta.uid(deployment) == owner.get("uid"):
                    return meta.uid(deployment), deployment["spec"].get("replicas", 1)
            return meta.uid(replicaset), replicaset["spec"].get("replicas", 1)
        resource = BY_KIND.get(reference.get("kind", ""))
        if resource is None or "scale" not in resource.subresources:
            return None   # a DaemonSet, a Job, a bare owner: no scale to read
        try:
            scale = self.client.get(resource.plural, reference["name"], namespace, subresource="scale")
        except ApiError:
            return None
        if scale["metadata"].get("uid") != reference.get("uid"):
            return None
        return reference["uid"], (scale.get("spec") or {}).get("replicas", 0)

    def disrupted_pods(self, budget: dict, pods: list[dict], now: float) -> tuple[dict[str, str], float | None]:
        """status.disruptedPods still pending (upstream's buildDisruptedPodMap), and when to look again."""
        promised = (budget.get("status") or {}).get("disruptedPods") or {}
        disrupted, recheck = {}, None
        for pod in pods:
            if meta.is_being_deleted(pod) or meta.name(pod) not in promised:
                continue
            since = promised[meta.name(pod)]
            deadline = parse(since) + DELETION_TIMEOUT
            if deadline < now:
                self.recorder.event(pod, "Warning", "NotDeleted",
                                    f"Pod was expected by PDB {meta.key(budget)} to be deleted but it wasn't")
                continue
            disrupted[meta.name(pod)] = since
            recheck = deadline if recheck is None else min(recheck, deadline)
        return disrupted, recheck

    def write_status(self, budget: dict, healthy: int, desired: int, expected: int,
                     disrupted: dict[str, str]) -> None:
        allowed = healthy - desired
        if expected <= 0 or allowed <= 0:
            allowed = 0
        status = {"disruptionsAllowed": allowed, "currentHealthy": healthy, "desiredHealthy": desired,
                  "expectedPods": expected, "observedGeneration": budget["metadata"].get("generation", 1)}
        if disrupted:
            status["disruptedPods"] = dict(sorted(disrupted.items()))
        status["conditions"] = (budget.get("status") or {}).get("conditions") or []
        self.update_status(budget, with_disruption_allowed(status, self.clock.now()))

    def fail_safe(self, budget: dict, message: str) -> None:
        """Allow no disruption while the budget cannot be computed (upstream's failSafe)."""
        status = copy.deepcopy(budget.get("status") or {})
        status["disruptionsAllowed"] = 0
        status["conditions"] = set_condition(status.get("conditions") or [], {
            "type": "DisruptionAllowed", "status": "False", "reason": "SyncFailed", "message": message,
            "observedGeneration": status.get("observedGeneration", 0)}, self.clock.now())
        self.update_status(budget, status)

    def update_status(self, budget: dict, status: dict) -> None:
        if (budget.get("status") or {}) == status:
            return   # unchanged: no write
        updated = copy.deepcopy(budget)
        updated["status"] = status
        self.client.update_status("poddisruptionbudgets", updated, meta.namespace(budget))


def disruption_target_since(pod: dict) -> float | None:
    """When a pod not being deleted was marked DisruptionTarget True (None if it is not)."""
    condition = conditions.get(pod, "DisruptionTarget")
    if meta.is_being_deleted(pod) or not condition or condition.get("status") != "True":
        return None
    return parse(condition["lastTransitionTime"]) if condition.get("lastTransitionTime") else 0.0


def scaled_value(value, total: int) -> int:
    """An int, or a percent of `total` rounded up (GetScaledValueFromIntOrPercent, roundUp)."""
    if isinstance(value, int):
        return value
    return math.ceil(int(value.rstrip("%")) * total / 100)
