"""DefaultPreemption: when no node fits, evict lower-priority pods to make room.

Extension points: PostFilter.

Upstream's preemption, step by step:
  1. May this pod preempt? Not with spec.preemptionPolicy Never ("not eligible due to
     preemptionPolicy=Never."), nor while the node it was already nominated for still has a
     lower-priority pod terminating ("not eligible due to a terminating pod on the nominated node.").
  2. Candidates: the nodes rejected as Unschedulable (UnschedulableAndUnresolvable ones are
     hopeless: "Preemption is not helpful for scheduling").
  3. On each, in thought: remove every pod of lower priority; if the pod still doesn't fit, the
     node is no candidate (its filter's reason is reported); a node without lower-priority pods
     reports "No preemption victims found for incoming pod". Then *reprieve*: put the removed
     pods back one by one, keeping each that still leaves room — those that can't come back are
     the victims. Pods whose eviction would break a PodDisruptionBudget (its
     status.disruptionsAllowed, spent pod by pod, would go below 0) are tried first, so they
     are the ones most likely kept; within each group, most important first (higher priority,
     then earlier start). A victim from that first group counts as one PDB violation.
  4. Pick one node: fewest PodDisruptionBudget violations, then the lowest "most important
     victim" priority, then the smallest sum of victim priorities, then the fewest victims, then
     the latest-started most important victim, then the first in node order.
  5. Act: each victim gets the condition DisruptionTarget (reason PreemptionByScheduler), an
     event "Preempted by pod <uid> on node <node>", and a graceful delete; the preemptor gets
     status.nominatedNodeName and waits. When the victims are gone it is retried, trying its
     nominated node first.

Deliberate simplifications: the simulation re-runs every Filter on the node without the victims,
with the PreFilter state computed for the real node (upstream updates InterPodAffinity's and
PodTopologySpread's counts with AddPod/RemovePod); every candidate node is examined (upstream
samples at least 10 % or 100 of them). As upstream, a budget is respected, not obeyed: when
only violating victims make room, they are preempted (deleted, not evicted).
"""
from __future__ import annotations

from ...client import ApiError
from ...objects.disruption_budget import guards_pod
from ..framework import (SUCCESS, UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE, CycleState, NodeInfo,
                         PostFilterPlugin, Status, fit_error_message)

Name = "DefaultPreemption"

REASON_NOT_HELPFUL = "Preemption is not helpful for scheduling"
REASON_NO_VICTIMS = "No preemption victims found for incoming pod"
REASON_NOT_ELIGIBLE = "not eligible due to preemptionPolicy=Never."
REASON_TERMINATING = "not eligible due to a terminating pod on the nominated node."


def priority(pod: dict) -> int:
    return pod["spec"].get("priority") or 0


def start_time(pod: dict) -> str:
    return (pod.get("status") or {}).get("startTime") or pod["metadata"].get("creationTimestamp") or ""


class DefaultPreemption(PostFilterPlugin):
    name = Name

    def __init__(self, handle):
        self.handle = handle

    def events_to_register(self):
        return []

    def post_filter(self, state: CycleState, pod: dict, node_statuses: dict[str, Status]) -> tuple[Status, str]:
        if pod["spec"].get("preemptionPolicy") == "Never":
            return Status(UNSCHEDULABLE, ("preemption: " + REASON_NOT_ELIGIBLE,), Name), ""
        snapshot = self.handle.snapshot()
        nominated = (pod.get("status") or {}).get("nominatedNodeName")
        if nominated and snapshot.get(nominated) is not None and any(
                p["metadata"].get("deletionTimestamp") and priority(p) < priority(pod)
                for p in snapshot.get(nominated).pods.values()):
            return Status(UNSCHEDULABLE, ("preemption: " + REASON_TERMINATING,), Name), ""
        outcomes: dict[str, Status] = {}
        candidates: list[tuple[str, list[dict]]] = []
        for node_name, status in node_statuses.items():
            if status.code == UNSCHEDULABLE_AND_UNRESOLVABLE:
                outcomes[node_name] = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, (REASON_NOT_HELPFUL,), Name)
                continue
            victims, why = self.select_victims_on_node(state, pod, snapshot.get(node_name))
            if victims:
                candidates.append((node_name, victims))
            else:
                outcomes[node_name] = why
        if not candidates:
            return Status(UNSCHEDULABLE, ("preemption: " + fit_error_message(len(node_statuses), outcomes),), Name), ""
        node_name, victims = pick_one_node_for_preemption(candidates)
        self.prepare_candidate(pod, node_name, victims)
        return Status(SUCCESS, (), Name), node_name

    def select_victims_on_node(self, state: CycleState, pod: dict, info: NodeInfo) -> tuple[list[dict], Status]:
        """The fewest lower-priority pods whose removal lets `pod` fit on this node (or why none);
        `victims.violations` counts those whose eviction breaks a PodDisruptionBudget."""
        lower = [p for p in info.pods.values() if priority(p) < priority(pod)]
        if not lower:
            return [], Status(UNSCHEDULABLE, (REASON_NO_VICTIMS,), Name)
        keep = [p for p in info.pods.values() if priority(p) >= priority(pod)]
        status = self._fits(state, pod, info, keep)
        if not status.is_success():
            return [], status
        victims = Victims()
        violating, non_violating = filter_pods_with_pdb_violation(
            sorted(lower, key=lambda p: (-priority(p), start_time(p))), self.budgets())  # most important first
        for group, violates in ((violating, True), (non_violating, False)):
            for candidate in group:
                if self._fits(state, pod, info, keep + [candidate]).is_success():
                    keep.append(candidate)   # reprieved: it can stay
                else:
                    victims.append(candidate)
                    victims.violations += violates
        return victims, Status()

    def budgets(self) -> list[dict]:
        lister = self.handle.lister("poddisruptionbudgets")
        return lister.list() if lister is not None else []

    def _fits(self, state: CycleState, pod: dict, info: NodeInfo, pods: list[dict]) -> Status:
        trial = NodeInfo(info.node)
        for placed in pods:
            trial.add_pod(placed)
        verdicts = self.handle.framework.run_filter_plugins(state, pod, trial)
        return next((s for s in verdicts.values() if not s.is_success()), Status())

    def prepare_candidate(self, pod: dict, node_name: str, victims: list[dict]) -> None:
        """Mark, tell and gracefully delete each victim."""
        client, recorder = self.handle.client, getattr(self.handle, "recorder", None)
        scheduler_name = pod["spec"].get("schedulerName") or "default-scheduler"
        condition = {"type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler",
                     "message": f"{scheduler_name}: preempting to accommodate a higher priority pod"}
        for victim in victims:
            name, namespace = victim["metadata"]["name"], victim["metadata"].get("namespace")
            try:
                conditions = [c for c in (victim.get("status") or {}).get("conditions") or []
                              if c.get("type") != "DisruptionTarget"] + [condition]
                client.patch("pods", name, {"status": {"conditions": conditions}}, namespace, subresource="status")
                if recorder is not None:
                    recorder.event(victim, "Normal", "Preempted",
                                   f"Preempted by pod {pod['metadata'].get('uid', '')} on node {node_name}")
                client.delete("pods", name, namespace)
            except ApiError:
                continue  # already gone: that is what we wanted


class Victims(list):
    """A node's victims, and how many of them a PodDisruptionBudget wanted kept."""
    violations = 0


def filter_pods_with_pdb_violation(pods: list[dict], budgets: list[dict]) -> tuple[list[dict], list[dict]]:
    """(violating, non-violating): spend each matching budget's disruptionsAllowed pod by pod, in
    order; a pod that takes one below 0 violates it. A pod already in a budget's disruptedPods was
    counted by the API server and spends nothing (upstream's filterPodsWithPDBViolation)."""
    allowed = [(budget.get("status") or {}).get("disruptionsAllowed", 0) for budget in budgets]
    violating, non_violating = [], []
    for pod in pods:
        violated = False
        for index, budget in enumerate(budgets):
            if not guards_pod(budget, pod) or \
                    pod["metadata"]["name"] in ((budget.get("status") or {}).get("disruptedPods") or {}):
                continue
            allowed[index] -= 1
            violated |= allowed[index] < 0
        (violating if violated else non_violating).append(pod)
    return violating, non_violating


def pick_one_node_for_preemption(candidates: list[tuple[str, list[dict]]]) -> tuple[str, list[dict]]:
    """upstream's pickOneNodeForPreemption: fewest PDB violations first."""
    def key(candidate):
        node_name, victims = candidate
        highest = max(priority(v) for v in victims)
        earliest_of_highest = min(start_time(v) for v in victims if priority(v) == highest)
        # sort ascending: fewest violations, lowest highest-priority, smallest sum, fewest victims,
        # latest start (negated)
        return (getattr(victims, "violations", 0), highest, sum(priority(v) + 2 ** 31 for v in victims),
                len(victims), tuple(-ord(c) for c in earliest_of_highest))
    best = min(candidates, key=key)
    return best


def new(arguments: dict | None = None, handle=None) -> DefaultPreemption:
    """The plugin's factory, as the registry calls it."""
    return DefaultPreemption(handle)
