"""DefaultPreemption: when no node fits, could evicting lower-priority pods make room?

Extension points: PostFilter.

Upstream's preemption, in outline: a pod that may preempt (spec.preemptionPolicy is not
Never) looks at every node that rejected it. Nodes rejected UnschedulableAndUnresolvable are
hopeless ("Preemption is not helpful for scheduling"). On the others it removes, in thought,
every pod of lower priority; if the pod would then fit, those pods are victims, the best node
is nominated (status.nominatedNodeName) and the victims are deleted. A node with no
lower-priority pod has nothing to offer ("No preemption victims found for incoming pod").
The outcome is worded like the main message and appended to it after "preemption: ".

kubelab stops at that last step: it never picks victims, so every node that might have been
helped reports "No preemption victims found for incoming pod" — exactly upstream's message
whenever no running pod has a lower priority than the incoming one, which is every lesson
where pods keep the default priority 0. Choosing and evicting victims (and PodDisruptionBudgets)
is left for a later lesson on priority.
"""
from __future__ import annotations

from ..framework import (UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE, CycleState, PostFilterPlugin, Status,
                         fit_error_message)

Name = "DefaultPreemption"

REASON_NOT_HELPFUL = "Preemption is not helpful for scheduling"
REASON_NO_VICTIMS = "No preemption victims found for incoming pod"
REASON_NOT_ELIGIBLE = "not eligible due to preemptionPolicy=Never."


class DefaultPreemption(PostFilterPlugin):
    name = Name

    def events_to_register(self):
        return []

    def post_filter(self, state: CycleState, pod: dict, node_statuses: dict[str, Status]) -> tuple[Status, str]:
        if pod["spec"].get("preemptionPolicy") == "Never":
            return Status(UNSCHEDULABLE, ("preemption: " + REASON_NOT_ELIGIBLE,), Name), ""
        outcomes = {node: Status(UNSCHEDULABLE_AND_UNRESOLVABLE, (REASON_NOT_HELPFUL,), Name)
                    if status.code == UNSCHEDULABLE_AND_UNRESOLVABLE
                    else Status(UNSCHEDULABLE, (REASON_NO_VICTIMS,), Name)
                    for node, status in node_statuses.items()}
        return Status(UNSCHEDULABLE, ("preemption: " + fit_error_message(len(outcomes), outcomes),), Name), ""


def new(arguments: dict | None = None, handle=None) -> DefaultPreemption:
    """The plugin's factory, as the registry calls it."""
    return DefaultPreemption()
