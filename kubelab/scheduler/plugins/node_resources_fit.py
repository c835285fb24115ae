"""NodeResourcesFit: a pod goes only where its requests fit; among those, a scoring strategy ranks.

Extension points: PreFilter, Filter, Score.

PreFilter adds up the pod's requests once (node_info.pod_requests), for every node's Filter.

Filter compares, for each resource, what the node's pods already request plus what this pod
requests, with the node's allocatable. Every shortage is a reason, in upstream's order:
"Too many pods", "Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage",
then extended resources ("Insufficient nvidia.com/gpu"). The rejection is Unschedulable
(not "unresolvable"): evicting pods could make room, so preemption may try this node. What
counts is requests, not what containers actually use — a node full of idle pods is full.

Score, by the args' scoringStrategy (resources cpu and memory, weight 1 each, by default):
  LeastAllocated (default)   (allocatable - requested) * 100 / allocatable: spread pods out
  MostAllocated              requested * 100 / allocatable: pack them (fewer, fuller nodes)
  RequestedToCapacityRatio   a broken-line function of utilization, `shape` points
                             {utilization: 0..100, score: 0..10}: any curve in between
each resource's score is weighted and averaged. "requested" includes this pod, and here pods
without requests count 100m cpu and 200Mi memory (non_zero_requested), so they still spread.

Args (NodeResourcesFitArgs): ignoredResources, ignoredResourceGroups ("example.com" ignores
every "example.com/..." resource in Filter), scoringStrategy {type, resources, requestedToCapacityRatio}.
"""
from __future__ import annotations

import math

from ..node_table import np
from ..framework import (ASSIGNED_POD_DELETE, MAX_NODE_SCORE, NODE_ADD, NODE_ALLOCATABLE_CHANGE, OK, CycleState,
                         FilterPlugin, NodeInfo, PreFilterPlugin, Resource, ScorePlugin, Status, pod_requests,
                         unschedulable)

Name = "NodeResourcesFit"

ERR_REASON_TOO_MANY_PODS = "Too many pods"
ERR_REASON_INSUFFICIENT_CPU = "Insufficient cpu"
ERR_REASON_INSUFFICIENT_MEMORY = "Insufficient memory"
_REASONS = (ERR_REASON_TOO_MANY_PODS, ERR_REASON_INSUFFICIENT_CPU, ERR_REASON_INSUFFICIENT_MEMORY)

LEAST_ALLOCATED, MOST_ALLOCATED, REQUESTED_TO_CAPACITY_RATIO = \
    "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"
STRATEGIES = (LEAST_ALLOCATED, MOST_ALLOCATED, REQUESTED_TO_CAPACITY_RATIO)
DEFAULT_RESOURCES = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]  # defaultResourceSpec
MAX_CUSTOM_PRIORITY_SCORE = 10  # a shape's scores are 0..10, scaled to 0..100
MAX_UTILIZATION = 100

_REQUESTS = "PreFilter" + Name                  # CycleState key: the pod's requests as written
_NON_ZERO_REQUESTS = "PreFilter" + Name + "/non-zero"  # ... and with the scoring defaults


def least_requested_score(requested: int, allocatable: int) -> int:
    """0..100: the share of the resource still free once the pod is placed (integer maths, as upstream)."""
    if allocatable == 0 or requested > allocatable:
        return 0
    return (allocatable - requested) * MAX_NODE_SCORE // allocatable


def most_requested_score(requested: int, allocatable: int) -> int:
    """0..100: the share of the resource used once the pod is placed (full counts as 100)."""
    if allocatable == 0:
        return 0
    return min(requested, allocatable) * MAX_NODE_SCORE // allocatable


def broken_linear_function(shape: list[tuple[int, int]]):
    """(utilization, score) points -> the piecewise-linear function through them (flat outside)."""
    def function(utilization: int) -> int:
        for index, (point_utilization, point_score) in enumerate(shape):
            if utilization <= point_utilization:
                if index == 0:
                    return point_score
                previous_utilization, previous_score = shape[index - 1]
                return previous_score + (point_score - previous_score) * (utilization - previous_utilization) \
                    // (point_utilization - previous_utilization)
        return shape[-1][1]
    return function


class NodeResourcesFit(PreFilterPlugin, FilterPlugin, ScorePlugin):
    name = Name

    def __init__(self, arguments: dict | None = None):
        arguments = arguments or {}
        self.ignored_resources = set(arguments.get("ignoredResources") or [])
        self.ignored_groups = set(arguments.get("ignoredResourceGroups") or [])
        strategy = arguments.get("scoringStrategy") or {}
        self.strategy = strategy.get("type") or LEAST_ALLOCATED
        self.resources = [(r["name"], r.get("weight", 1)) for r in strategy.get("resources") or DEFAULT_RESOURCES]
        if self.strategy == REQUESTED_TO_CAPACITY_RATIO:
            shape = (strategy.get("requestedToCapacityRatio") or {}).get("shape") or []
            scale = MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE
            self.shape_function = broken_linear_function([(p["utilization"], p["score"] * scale) for p in shape])

    def events_to_register(self):
        return [(ASSIGNED_POD_DELETE, None), (NODE_ADD, None), (NODE_ALLOCATABLE_CHANGE, None)]

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        state[_REQUESTS] = pod_requests(pod)
        state[_NON_ZERO_REQUESTS] = pod_requests(pod, non_zero=True)
        return OK

    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        request = state.get(_REQUESTS) or pod_requests(pod)
        reasons = insufficient_resources(request, node_info, self._ignored)
        return unschedulable(Name, *reasons) if reasons else OK

    def _ignored(self, resource: str) -> bool:
        return resource in self.ignored_resources or resource.split("/")[0] in self.ignored_groups

    def score(self, state: CycleState, pod: dict, node_info: NodeInfo) -> int:
        request = state.get(_NON_ZERO_REQUESTS) or pod_requests(pod, non_zero=True)
        node_score = weight_sum = 0
        offered, used = node_info.allocatable, node_info.non_zero_requested
        for resource, weight in self.resources:
            if resource == "cpu":  # (the common two read directly: this runs for every node and pod)
                allocatable, requested = offered.milli_cpu, used.milli_cpu + request.milli_cpu
            elif resource == "memory":
                allocatable, requested = offered.memory, used.memory + request.memory
            else:
                allocatable, requested = offered.get(resource), used.get(resource) + request.get(resource)
            if allocatable == 0:
                continue  # the node doesn't offer it (an extended resource): it doesn't count
            node_score += self.resource_score(requested, allocatable) * weight
            weight_sum += weight
        if weight_sum == 0:
            return 0
        if self.strategy == REQUESTED_TO_CAPACITY_RATIO:
            return math.floor(node_score / weight_sum + 0.5)  # Go's math.Round
        return node_score // weight_sum

    # -- the same over the node table's columns (cpu, memory and pods; extended resources: None) --
    def filter_mask(self, state: CycleState, pod: dict, table):
        request = state.get(_REQUESTS) or pod_requests(pod)
        if any(request.scalar.values()):
            return None
        def fits(rows):
            mask = table.num_pods[rows] + 1 <= table.alloc_pods[rows]
            if request.milli_cpu == 0 and request.memory == 0:
                return mask
            mask &= table.alloc_cpu[rows] >= table.req_cpu[rows] + request.milli_cpu
            mask &= table.alloc_memory[rows] >= table.req_memory[rows] + request.memory
            return mask
        def fits_row(row):  # (no extended resources asked: `filter` asks exactly what `fits` does)
            return not insufficient_resources(request, table.infos[row])
        return table.kept((Name, "fits", request.milli_cpu, request.memory), fits, fits_row)

    def filter_statuses(self, state: CycleState, pod: dict, table, rows):
        """insufficient_resources' reasons from the columns (pods, cpu, memory: what filter_mask asks)."""
        request = state.get(_REQUESTS) or pod_requests(pod)
        too_many = (table.num_pods[rows] + 1 > table.alloc_pods[rows]).tolist()
        if request.milli_cpu == 0 and request.memory == 0:
            cpu = memory = [False] * len(rows)
        else:
            cpu = (table.alloc_cpu[rows] < table.req_cpu[rows] + request.milli_cpu).tolist()
            memory = (table.alloc_memory[rows] < table.req_memory[rows] + request.memory).tolist()
        statuses = {}  # one Status per combination of reasons
        answer = []
        for reasons in zip(too_many, cpu, memory):
            status = statuses.get(reasons)
            if status is None:
                words = [word for word, present in zip(_REASONS, reasons) if present]
                status = statuses[reasons] = unschedulable(Name, *words) if words else OK
            answer.append(status)
        return answer

    def score_array(self, state: CycleState, pod: dict, table, rows):
        if self.strategy == REQUESTED_TO_CAPACITY_RATIO or any(r not in ("cpu", "memory") for r, _ in self.resources):
            return None
        request = state.get(_NON_ZERO_REQUESTS) or pod_requests(pod, non_zero=True)

        def scores(rows):
            node_score = np.zeros(len(rows), np.int64)
            weight_sum = np.zeros(len(rows), np.int64)
            for resource, weight in self.resources:
                if resource == "cpu":
                    allocatable, requested = table.alloc_cpu[rows], table.nz_cpu[rows] + request.milli_cpu
                else:
                    allocatable, requested = table.alloc_memory[rows], table.nz_memory[rows] + request.memory
                offered = allocatable > 0
                safe = np.where(offered, allocatable, 1)
                if self.strategy == MOST_ALLOCATED:
                    score = np.minimum(requested, allocatable) * MAX_NODE_SCORE // safe
                else:
                    score = np.where(requested > allocatable, 0, (allocatable - requested) * MAX_NODE_SCORE // safe)
                node_score += np.where(offered, score * weight, 0)
                weight_sum += np.where(offered, weight, 0)
            return np.where(weight_sum == 0, 0, node_score // np.maximum(weight_sum, 1))
        # (kept per plugin instance: strategy and resource weights are its own)
        infos = table.infos
        return table.kept((self, "scores", request.milli_cpu, request.memory), scores,
                          lambda row: self.score(state, pod, infos[row]))[rows]

    def resource_score(self, requested: int, allocatable: int) -> int:
        if self.strategy == MOST_ALLOCATED:
            return most_requested_score(requested, allocatable)
        if self.strategy == REQUESTED_TO_CAPACITY_RATIO:
            if requested > allocatable:
                return self.shape_function(MAX_UTILIZATION)
            return self.shape_function(requested * MAX_UTILIZATION // allocatable)
        return least_requested_score(requested, allocatable)


def insufficient_resources(request: Resource, node_info: NodeInfo, ignored=lambda resource: False) -> list[str]:
    """The reasons `request` does not fit on the node, in upstream's order (empty: it fits)."""
    reasons = []
    allocatable, requested = node_info.allocatable, node_info.requested
    if len(node_info.pods) + 1 > allocatable.pods:
        reasons.append(ERR_REASON_TOO_MANY_PODS)
    if request.milli_cpu == 0 and request.memory == 0 and not any(request.scalar.values()):
        return reasons  # a pod that requests nothing fits wherever there is a pod slot
    if allocatable.milli_cpu < requested.milli_cpu + request.milli_cpu:
        reasons.append(ERR_REASON_INSUFFICIENT_CPU)
    if allocatable.memory < requested.memory + request.memory:
        reasons.append(ERR_REASON_INSUFFICIENT_MEMORY)
    scalars = sorted(request.scalar, key=lambda name: (name != "ephemeral-storage", name))
    for name in scalars:
        amount = request.scalar[name]
        if amount == 0 or (name != "ephemeral-storage" and ignored(name)):
            continue
        if allocatable.scalar.get(name, 0) < requested.scalar.get(name, 0) + amount:
            reasons.append(f"Insufficient {name}")
    return reasons


def validate_args(arguments: dict) -> str | None:
    """The first thing wrong with NodeResourcesFitArgs, as a field path and rule, or None."""
    strategy = (arguments or {}).get("scoringStrategy") or {}
    kind = strategy.get("type", LEAST_ALLOCATED)
    if kind not in STRATEGIES:
        return f'scoringStrategy.type: Unsupported value: "{kind}": supported values: "' + '", "'.join(STRATEGIES) + '"'
    for index, resource in enumerate(strategy.get("resources") or []):
        weight = resource.get("weight", 1)
        if not isinstance(weight, int) or not 1 <= weight <= 100:
            return f"scoringStrategy.resources[{index}].weight: Invalid value: {weight!r}: resource weight of " \
                   f"{resource.get('name')} should be in the range [1, 100]"
    if kind == REQUESTED_TO_CAPACITY_RATIO:
        shape = (strategy.get("requestedToCapacityRatio") or {}).get("shape") or []
        if not shape:
            return "scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified"
        for index, point in enumerate(shape):
            if not 0 <= point.get("utilization", -1) <= 100:
                return f"scoringStrategy.requestedToCapacityRatio.shape[{index}].utilization: Invalid value: " \
                       f"{point.get('utilization')!r}: not in valid range [0, 100]"
            if not 0 <= point.get("score", -1) <= 10:
                return f"scoringStrategy.requestedToCapacityRatio.shape[{index}].score: Invalid value: " \
                       f"{point.get('score')!r}: not in valid range [0, 10]"
    return None


def new(arguments: dict | None = None, handle=None) -> NodeResourcesFit:
    """The plugin's factory, as the registry calls it (args: NodeResourcesFitArgs)."""
    return NodeResourcesFit(arguments)
