"""NodeName: a pod that names its node (spec.nodeName) fits that node only.

Extension points: Filter.

A pod created with spec.nodeName set never reaches the scheduler — the kubelet of that node
simply runs it. The filter still exists so that anything that runs the filters for such a pod
(preemption simulations, a "what if" replay, a DaemonSet controller) gets the same answer:
"node(s) didn't match the requested node name", UnschedulableAndUnresolvable.
"""
from __future__ import annotations

from ..node_table import np
from ..framework import NODE_ADD, OK, CycleState, FilterPlugin, NodeInfo, Status, unresolvable

Name = "NodeName"

ERR_REASON = "node(s) didn't match the requested node name"
NAME_NOT_MATCH = unresolvable(Name, ERR_REASON)


class NodeName(FilterPlugin):
    name = Name

    def events_to_register(self):
        return [(NODE_ADD, lambda pod, old, new: new is not None
                 and new["metadata"]["name"] == pod["spec"].get("nodeName"))]

    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        wanted = pod["spec"].get("nodeName")
        if wanted and wanted != node_info.name:
            return NAME_NOT_MATCH
        return OK

    def filter_statuses(self, state: CycleState, pod: dict, table, rows):
        return [NAME_NOT_MATCH] * len(rows)

    def filter_mask(self, state: CycleState, pod: dict, table):
        wanted = pod["spec"].get("nodeName")
        if not wanted:
            return table.everywhere
        mask = np.zeros(len(table), bool)
        if wanted in table.index:
            mask[table.index[wanted]] = True
        return mask


def new(arguments: dict | None = None, handle=None) -> NodeName:
    """The plugin's factory, as the registry calls it."""
    return NodeName()
