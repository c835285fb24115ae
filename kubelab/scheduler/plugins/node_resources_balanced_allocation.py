"""NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory stay used in the same proportion.

Extension points: PreScore, Score.

A node at 90 % cpu and 10 % memory wastes memory nobody can use: the next pod needing cpu
won't fit. For each resource (cpu and memory by default) the fraction requested/allocatable
once the pod is placed, capped at 1; with two resources the standard deviation is
|f1 - f2| / 2 (more: the usual formula); the score is (1 - std) × 100. Weight 1.

Unlike NodeResourcesFit's score, this one counts requests as written (useRequested: a pod
without requests adds nothing) — the notes' "inter-workload interference", in one number.

Real Kubernetes v1.33 skips this score for pods that request nothing (issue 129138); v1.32,
which kubelab follows, still scores them.
"""
from __future__ import annotations

import math

from ..node_table import np
from ..framework import (ASSIGNED_POD_DELETE, MAX_NODE_SCORE, NODE_ADD, NODE_ALLOCATABLE_CHANGE, OK, CycleState,
                         NodeInfo, PreScorePlugin, ScorePlugin, Status, pod_requests)

Name = "NodeResourcesBalancedAllocation"

DEFAULT_RESOURCES = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]
_PRE_SCORE = "PreScore" + Name


def balanced_resource_score(requested: list[int], allocatable: list[int]) -> int:
    """(1 - standard deviation of the used fractions) × 100, upstream's balancedResourceScorer."""
    fractions = [min(used / offered, 1.0) for used, offered in zip(requested, allocatable) if offered]
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = sum(fractions) / len(fractions)
        std = math.sqrt(sum((fraction - mean) ** 2 for fraction in fractions) / len(fractions))
    return int((1 - std) * MAX_NODE_SCORE)


class BalancedAllocation(PreScorePlugin, ScorePlugin):
    name = Name

    def __init__(self, arguments: dict | None = None):
        self.resources = [r["name"] for r in (arguments or {}).get("resources") or DEFAULT_RESOURCES]

    def events_to_register(self):
        return [(ASSIGNED_POD_DELETE, None), (NODE_ADD, None), (NODE_ALLOCATABLE_CHANGE, None)]

    def pre_score(self, state: CycleState, pod: dict, node_infos: list[NodeInfo]) -> Status:
        state[_PRE_SCORE] = pod_requests(pod)
        return OK

    def score(self, state: CycleState, pod: dict, node_info: NodeInfo) -> int:
        request = state.get(_PRE_SCORE) or pod_requests(pod)
        if self.resources == ["cpu", "memory"]:  # the default, read directly (runs per node and pod)
            offered, used = node_info.allocatable, node_info.requested
            cpu, memory = offered.milli_cpu, offered.memory
            if cpu and memory:
                f1 = min((used.milli_cpu + request.milli_cpu) / cpu, 1.0)
                f2 = min((used.memory + request.memory) / memory, 1.0)
                return int((1 - abs((f1 - f2) / 2)) * MAX_NODE_SCORE)
        requested, allocatable = [], []
        for resource in self.resources:
            offered = node_info.allocatable.get(resource)
            if offered == 0:
                continue
            requested.append(node_info.requested.get(resource) + request.get(resource))
            allocatable.append(offered)
        return balanced_resource_score(requested, allocatable)

    def score_array(self, state: CycleState, pod: dict, table, rows):
        """cpu and memory over the columns; a node offering neither is asked on its own."""
        if self.resources != ["cpu", "memory"]:
            return None
        request = state.get(_PRE_SCORE) or pod_requests(pod)

        def balance(rows):
            cpu, memory = table.alloc_cpu[rows], table.alloc_memory[rows]
            both = (cpu > 0) & (memory > 0)
            f1 = np.minimum((table.req_cpu[rows] + request.milli_cpu) / np.where(both, cpu, 1), 1.0)
            f2 = np.minimum((table.req_memory[rows] + request.memory) / np.where(both, memory, 1), 1.0)
            return ((1 - np.abs((f1 - f2) / 2)) * MAX_NODE_SCORE).astype(np.int64)
        infos = table.infos
        scores = table.kept((Name, "balance", request.milli_cpu, request.memory), balance,
                            lambda row: self.score(state, pod, infos[row]))[rows]
        if not table.any_without_cpu_or_memory:
            return scores
        both = (table.alloc_cpu[rows] > 0) & (table.alloc_memory[rows] > 0)
        for i in np.flatnonzero(~both).tolist():
            scores[i] = self.score(state, pod, table.infos[int(rows[i])])
        return scores


def new(arguments: dict | None = None, handle=None) -> BalancedAllocation:
    """The plugin's factory, as the registry calls it (args: NodeResourcesBalancedAllocationArgs)."""
    return BalancedAllocation(arguments)
