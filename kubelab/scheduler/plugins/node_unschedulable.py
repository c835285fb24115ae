"""NodeUnschedulable: a cordoned node (spec.unschedulable: true) takes no new pods.

Extension points: Filter.

`kubectl cordon node-2` sets spec.unschedulable; from then on this filter rejects node-2 for
every pod, except pods that tolerate the taint node.kubernetes.io/unschedulable:NoSchedule
(DaemonSet pods carry that toleration, so they still land on cordoned nodes). The rejection is
UnschedulableAndUnresolvable: evicting other pods would not uncordon the node.

Real Kubernetes also rejects a NodeInfo whose Node is missing ("node(s) had unknown
conditions"); kubelab's snapshot only holds nodes it has seen, so that case cannot arise.
"""
from __future__ import annotations

from ..framework import (NODE_ADD, NODE_SPEC_UNSCHEDULABLE_CHANGE, OK, UNSCHEDULABLE_AND_UNRESOLVABLE, CycleState,
                         FilterPlugin, NodeInfo, Status)
from ..node_table import np
from ..taints import NO_SCHEDULE, tolerations_tolerate

Name = "NodeUnschedulable"

ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
UNSCHEDULABLE_NODE = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, (ERR_REASON_UNSCHEDULABLE,), Name)

# The taint a cordoned node behaves as if it had (the node lifecycle controller also adds it for real).
UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": NO_SCHEDULE}


class NodeUnschedulable(FilterPlugin):
    name = Name

    def events_to_register(self):
        # worth a retry only if the node is (now) schedulable: upstream's isSchedulableAfterNodeChange
        def now_schedulable(pod, old, new):
            return new is not None and not (new.get("spec") or {}).get("unschedulable")
        return [(NODE_ADD, now_schedulable), (NODE_SPEC_UNSCHEDULABLE_CHANGE, now_schedulable)]

    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        if not (node_info.node.get("spec") or {}).get("unschedulable"):
            return OK
        if tolerations_tolerate(pod["spec"].get("tolerations") or [], UNSCHEDULABLE_TAINT):
            return OK
        return UNSCHEDULABLE_NODE

    def filter_statuses(self, state: CycleState, pod: dict, table, rows):
        return [UNSCHEDULABLE_NODE] * len(rows)

    def filter_mask(self, state: CycleState, pod: dict, table):
        if not table.any_unschedulable or tolerations_tolerate(pod["spec"].get("tolerations") or [],
                                                               UNSCHEDULABLE_TAINT):
            return table.everywhere
        return ~table.unschedulable


def new(arguments: dict | None = None, handle=None) -> NodeUnschedulable:
    """The plugin's factory, as the registry calls it."""
    return NodeUnschedulable()
