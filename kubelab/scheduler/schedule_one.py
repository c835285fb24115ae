"""One scheduling decision: filter every node, score the survivors, pick the best.

    nodes ──Filter──▶ feasible ──Score──▶ totals ──▶ highest total (ties: a seeded random pick)
             │
             └─ none feasible ──▶ PostFilter (preemption) ──▶ "0/3 nodes are available: ..."

`schedule_pod` is a pure function of the framework, the pod, the nodes and a random
generator, and returns a `Decision` that keeps every node's verdict and score, so a lesson can
print the table the scheduler decided from (`print(scheduler.last_decision)`).

Upstream's shortcuts are kept: with no nodes at all the answer is "no nodes available to
schedule pods"; with exactly one feasible node, scoring is skipped and that node is chosen.

Real Kubernetes also stops filtering once it has found enough feasible nodes in a large
cluster (percentageOfNodesToScore: every node below 100 nodes, about 42 % of 1,000) and
starts each search where the last one stopped; kubelab always filters every node, in name
order, so the table shows them all.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..objects import meta
from .framework import CycleState, Framework, NodeInfo, Status, fit_error_message

NO_NODES_AVAILABLE = "no nodes available to schedule pods"


@dataclass
class Decision:
    """What the scheduler saw and chose for one pod."""
    pod: str                                                  # "namespace/name"
    time: float
    filter_results: dict[str, dict[str, Status]] = field(default_factory=dict)  # node -> plugin -> verdict
    scores: dict[str, dict[str, int]] = field(default_factory=dict)  # feasible node -> plugin -> weighted score
    node_name: str | None = None                              # the chosen node, or None
    message: str = ""                                         # why none, upstream's wording
    unschedulable_plugins: set[str] = field(default_factory=set)

    @property
    def feasible_nodes(self) -> list[str]:
        return [node for node, verdicts in self.filter_results.items()
                if all(status.is_success() for status in verdicts.values())]

    def total(self, node: str) -> int | None:
        return sum(self.scores[node].values()) if node in self.scores else None

    def rows(self) -> list[dict]:
        """One row per node: each filter's verdict ("" when it didn't run), each score, the total."""
        filters = list(dict.fromkeys(name for verdicts in self.filter_results.values() for name in verdicts))
        scorers = list(dict.fromkeys(name for scores in self.scores.values() for name in scores))
        table = []
        for node, verdicts in self.filter_results.items():
            row = {"node": node}
            for name in filters:
                status = verdicts.get(name)
                row[name] = "" if status is None else ("ok" if status.is_success() else status.message)
            for name in scorers:
                row[f"score {name}"] = self.scores.get(node, {}).get(name, "")
            row["total"] = "" if self.total(node) is None else self.total(node)
            row["chosen"] = node == self.node_name
            table.append(row)
        return table

    def __str__(self) -> str:
        rows = self.rows()
        outcome = f"→ {self.node_name}" if self.node_name else f"✗ {self.message}"
        if not rows:
            return f"{self.pod}: {outcome}"
        columns = list(rows[0])
        cells = [[str(column) for column in columns]] + \
                [["*" if row[c] is True else "" if row[c] is False else str(row[c]) for c in columns] for row in rows]
        widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
        lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip() for line in cells]
        return "\n".join([f"{self.pod}: {outcome}", *lines])


def schedule_pod(framework: Framework, pod: dict, node_infos: list[NodeInfo], rng: random.Random,
                 now: float) -> Decision:
    """Decide where `pod` goes among `node_infos` (or why nowhere)."""
    decision = Decision(meta.key(pod), now)
    if not node_infos:
        decision.message = NO_NODES_AVAILABLE
        return decision
    state: CycleState = {}
    pre_filter = framework.run_pre_filter_plugins(state, pod)
    if not pre_filter.is_success():
        decision.message = fit_error_message(len(node_infos), {}, pre_filter_message=pre_filter.message)
        decision.unschedulable_plugins = {pre_filter.plugin}
        return decision
    feasible = find_nodes_that_fit(framework, state, pod, node_infos, decision)
    if not feasible:
        rejections = {node: _rejection(verdicts) for node, verdicts in decision.filter_results.items()}
        post_filter = framework.run_post_filter_plugins(state, pod, rejections)
        decision.message = fit_error_message(len(node_infos), rejections, post_filter_message=post_filter.message)
        decision.unschedulable_plugins = {status.plugin for status in rejections.values()}
        return decision
    if len(feasible) == 1:
        decision.node_name = feasible[0].name
        return decision
    decision.scores = framework.run_score_plugins(state, pod, feasible)
    decision.node_name = select_host(decision, rng)
    return decision


def find_nodes_that_fit(framework: Framework, state: CycleState, pod: dict, node_infos: list[NodeInfo],
                        decision: Decision) -> list[NodeInfo]:
    """Run the filters on every node; record each verdict; return the nodes that passed."""
    feasible = []
    for info in node_infos:
        verdicts = framework.run_filter_plugins(state, pod, info)
        decision.filter_results[info.name] = verdicts
        if all(status.is_success() for status in verdicts.values()):
            feasible.append(info)
    return feasible


def select_host(decision: Decision, rng: random.Random) -> str:
    """The node with the highest total score; among equals, a random one (upstream picks randomly too)."""
    totals = {node: decision.total(node) for node in decision.scores}
    best = max(totals.values())
    return rng.choice(sorted(node for node, total in totals.items() if total == best))


def _rejection(verdicts: dict[str, Status]) -> Status:
    return next(status for status in verdicts.values() if not status.is_success())
