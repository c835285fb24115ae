"""SchedulingGates: a pod with spec.schedulingGates waits outside activeQ until they are all removed.

Extension points: PreEnqueue.

    spec:
      schedulingGates: [{name: example.com/quota-check}]

Some other controller (a quota system, a batch queue) removes its gate when it is satisfied;
only removal is allowed after creation. While any gate remains, PreEnqueue answers
UnschedulableAndUnresolvable "waiting for scheduling gates: [example.com/quota-check]" and the
queue parks the pod in unschedulablePods without trying it; the API server has already set its
condition PodScheduled=False, reason SchedulingGated, "Scheduling is blocked due to non-empty
scheduling gates". The pod update that removes the last gate brings it to activeQ.
"""
from __future__ import annotations

from ..framework import OK, UNSCHEDULED_POD_UPDATE, PreEnqueuePlugin, Status, unresolvable

Name = "SchedulingGates"


def gate_names(pod: dict) -> list[str]:
    return [gate.get("name", "") for gate in pod["spec"].get("schedulingGates") or []]


class SchedulingGates(PreEnqueuePlugin):
    name = Name

    def events_to_register(self):
        return [(UNSCHEDULED_POD_UPDATE, lambda pod, old, new: new is not None and not gate_names(new))]

    def pre_enqueue(self, pod: dict) -> Status:
        gates = gate_names(pod)
        if not gates:
            return OK
        return unresolvable(Name, f"waiting for scheduling gates: [{' '.join(gates)}]")


def new(arguments: dict | None = None, handle=None) -> SchedulingGates:
    """The plugin's factory, as the registry calls it."""
    return SchedulingGates()
