"""NodeResourcesFit: a pod goes only where its requests fit; among those, the emptier the better.

Extension points: PreFilter, Filter, Score.

PreFilter adds up the pod's requests once (node_info.pod_requests), for every node's Filter.

Filter compares, for each resource, what the node's pods already request plus what this pod
requests, with the node's allocatable. Every shortage is a reason, in this order:
"Too many pods", "Insufficient cpu", "Insufficient memory". The rejection is Unschedulable
(not "unresolvable"): evicting pods could make room, so preemption may try this node. What
counts is requests, not what containers actually use — a node full of idle pods is full.

Score, with upstream's default strategy LeastAllocated, resources cpu and memory, weight 1
each: for each resource (allocatable - requested) * 100 / allocatable, where requested
includes this pod, then the weighted average. Here pods without requests count 100m cpu and
200Mi memory (non_zero_requested), so empty-looking pods still spread out.

Real Kubernetes also checks ephemeral storage and extended resources (GPUs), and offers the
MostAllocated and RequestedToCapacityRatio strategies (bin packing); kubelab skips them
because its nodes offer cpu, memory and pods only.
"""
from __future__ import annotations

from ..framework import (MAX_NODE_SCORE, OK, UNSCHEDULABLE, CycleState, FilterPlugin, NodeInfo,
                         PreFilterPlugin, Resource, ScorePlugin, Status, pod_requests)

Name = "NodeResourcesFit"

ERR_REASON_TOO_MANY_PODS = "Too many pods"
ERR_REASON_INSUFFICIENT_CPU = "Insufficient cpu"
ERR_REASON_INSUFFICIENT_MEMORY = "Insufficient memory"

# LeastAllocated's default resources and their weights (upstream's defaultResourceSpec)
SCORING_RESOURCES = {"cpu": 1, "memory": 1}

_REQUESTS = "PreFilter" + Name                  # CycleState key: the pod's requests as written
_NON_ZERO_REQUESTS = "PreFilter" + Name + "/non-zero"  # ... and with the scoring defaults


class NodeResourcesFit(PreFilterPlugin, FilterPlugin, ScorePlugin):
    name = Name

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        state[_REQUESTS] = pod_requests(pod)
        state[_NON_ZERO_REQUESTS] = pod_requests(pod, non_zero=True)
        return OK

    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        reasons = insufficient_resources(state[_REQUESTS], node_info)
        return Status(UNSCHEDULABLE, tuple(reasons), Name) if reasons else OK

    def score(self, state: CycleState, pod: dict, node_info: NodeInfo) -> int:
        requested = node_info.non_zero_requested + state[_NON_ZERO_REQUESTS]
        allocatable = node_info.allocatable
        scores = {"cpu": least_requested_score(requested.milli_cpu, allocatable.milli_cpu),
                  "memory": least_requested_score(requested.memory, allocatable.memory)}
        total_weight = sum(SCORING_RESOURCES.values())
        return sum(scores[resource] * weight for resource, weight in SCORING_RESOURCES.items()) // total_weight


def insufficient_resources(request: Resource, node_info: NodeInfo) -> list[str]:
    """The reasons `request` does not fit on the node, in upstream's order (empty: it fits)."""
    reasons = []
    allocatable, requested = node_info.allocatable, node_info.requested
    if len(node_info.pods) + 1 > allocatable.pods:
        reasons.append(ERR_REASON_TOO_MANY_PODS)
    if request.milli_cpu == 0 and request.memory == 0:
        return reasons  # a pod that requests nothing fits wherever there is a pod slot
    if allocatable.milli_cpu < requested.milli_cpu + request.milli_cpu:
        reasons.append(ERR_REASON_INSUFFICIENT_CPU)
    if allocatable.memory < requested.memory + request.memory:
        reasons.append(ERR_REASON_INSUFFICIENT_MEMORY)
    return reasons


def least_requested_score(requested: int, allocatable: int) -> int:
    """0..100: the share of the resource still free once the pod is placed (integer maths, as upstream)."""
    if allocatable == 0 or requested > allocatable:
        return 0
    return (allocatable - requested) * MAX_NODE_SCORE // allocatable


def new(arguments: dict | None = None) -> NodeResourcesFit:
    """The plugin's factory, as the registry calls it."""
    return NodeResourcesFit()
