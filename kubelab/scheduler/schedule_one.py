"""One scheduling decision: filter the nodes, score the survivors, pick the best.

    nodes ──PreFilter──Filter──▶ feasible ──PreScore──Score──▶ totals ──▶ highest total (ties: seeded pick)
                         │
                         └─ none feasible ──▶ PostFilter (preemption) ──▶ "0/3 nodes are available: ..."

`schedule_pod` is a pure function of the framework, the pod, the snapshot and a random
generator (plus where the last search stopped), and returns a `Decision` that keeps every
visited node's verdict and each plugin's raw, normalized and weighted score, so a lesson can
print the table the scheduler decided from (`print(scheduler.last_decision)`) and replay it
with another profile (explain.py).

percentageOfNodesToScore: in a big cluster, filtering stops once enough feasible nodes are
found — every node below 100 nodes; otherwise `percentage` of them (0 = adaptive: 50 % minus
1 % per 125 nodes, at least 5 %), and never fewer than 100. The search starts where the last one
stopped (round robin), so every node gets its turn. At 5,000 nodes that is 500 nodes per pod,
a tenth of the work, for a choice that is "good, not perfect" — upstream's trade.

Upstream's shortcuts are kept: with no nodes at all the answer is "no nodes available to
schedule pods"; with exactly one feasible node, scoring is skipped and that node is chosen;
a pod with status.nominatedNodeName (set by preemption) tries that node first.

Nominated pods: a pod that preempted others waits for its victims to go, with
status.nominatedNodeName set. Meanwhile, other pods are filtered as if the nominated pods of
equal or higher priority were already on their node, so the room made by preemption is not
taken by someone else. (Upstream also runs the filters a second time without them, for pod
affinity that only the nominated pods would satisfy; kubelab runs them once, with.)
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..objects import meta
from .framework import ERROR, CycleState, NodeInfo, Status, fit_error_message
from . import schedule_columns
from .node_table import NodeTable
from .runtime import Framework

NO_NODES_AVAILABLE = "no nodes available to schedule pods"
MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5


def num_feasible_nodes_to_find(percentage: int | None, num_all_nodes: int) -> int:
    """How many feasible nodes are enough: upstream's numFeasibleNodesToFind."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if not percentage:
        percentage = max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    return max(num_all_nodes * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


@dataclass
class Decision:
    """What the scheduler saw and chose for one pod."""
    pod: str                                                  # "namespace/name"
    time: float
    profile: str = "default-scheduler"
    weights: dict[str, int] = field(default_factory=dict)
    node_name: str | None = None                              # the chosen node, or None
    message: str = ""                                         # why none, upstream's wording
    error: str = ""                                           # a plugin failed: the cycle stopped
    nominated_node_name: str = ""                             # preemption's nominee
    unschedulable_plugins: set[str] = field(default_factory=set)
    num_all_nodes: int = 0
    num_nodes_to_find: int = 0
    start_index: int = 0
    processed: int = 0                                        # nodes Filter visited (the next search starts after)
    by_columns: bool = False                                  # Filter ran over the NodeTable (schedule_columns.py)
    # node -> plugin -> verdict; feasible node -> plugin -> weighted score; plugin -> node -> raw / 0..100.
    # The column path (schedule_columns.py) leaves them as arrays until someone reads them.
    _filter_results: dict = field(default_factory=dict, repr=False)
    _scores: dict = field(default_factory=dict, repr=False)
    _raw_scores: dict = field(default_factory=dict, repr=False)
    _normalized_scores: dict = field(default_factory=dict, repr=False)
    _columns: object = field(default=None, repr=False)

    def _expand(self) -> None:
        if self._columns is not None:
            columns, self._columns = self._columns, None
            columns.expand(self)

    @property
    def filter_results(self) -> dict[str, dict[str, Status]]:
        self._expand()
        return self._filter_results

    @filter_results.setter
    def filter_results(self, value) -> None:
        self._filter_results = value

    @property
    def scores(self) -> dict[str, dict[str, int]]:
        self._expand()
        return self._scores

    @scores.setter
    def scores(self, value) -> None:
        self._scores = value

    @property
    def raw_scores(self) -> dict[str, dict[str, int]]:
        self._expand()
        return self._raw_scores

    @raw_scores.setter
    def raw_scores(self, value) -> None:
        self._raw_scores = value

    @property
    def normalized_scores(self) -> dict[str, dict[str, int]]:
        self._expand()
        return self._normalized_scores

    @normalized_scores.setter
    def normalized_scores(self, value) -> None:
        self._normalized_scores = value
    state: CycleState | None = field(default=None, repr=False, compare=False)  # the cycle's, for Reserve..PreBind

    @property
    def feasible_nodes(self) -> list[str]:
        return [node for node, verdicts in self.filter_results.items()
                if all(status.is_success() for status in verdicts.values())]

    def total(self, node: str) -> int | None:
        return sum(self.scores[node].values()) if node in self.scores else None

    def rows(self) -> list[dict]:
        """One row per visited node: each filter's verdict ("" when it didn't run), each score, the total."""
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
        outcome = f"→ {self.node_name}" if self.node_name else f"✗ {self.error or self.message}"
        if not rows:
            return f"{self.pod}: {outcome}"
        columns = list(rows[0])
        cells = [[str(column) for column in columns]] + \
                [["*" if row[c] is True else "" if row[c] is False else str(row[c]) for c in columns] for row in rows]
        widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
        lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip() for line in cells]
        return "\n".join([f"{self.pod}: {outcome}", *lines])


def schedule_pod(framework: Framework, pod: dict, node_infos: list[NodeInfo], rng: random.Random,
                 now: float, start_index: int = 0, nominated: dict[str, list[dict]] | None = None,
                 table: NodeTable | None = None) -> Decision:
    """Decide where `pod` goes among `node_infos` (or why nowhere), visiting nodes from `start_index`.

    With `table` (the same nodes as columns), filters and scores that can answer for every node
    at once do (schedule_columns.py); the decision is the same either way.
    """
    decision = Decision(meta.key(pod), now, framework.profile_name, weights=dict(framework.weights),
                        num_all_nodes=len(node_infos), start_index=start_index)
    if not node_infos:
        decision.message = NO_NODES_AVAILABLE
        return decision
    state: CycleState = {}
    decision.state = state   # the binding cycle goes on with it (upstream passes one CycleState through)
    pre_filter = framework.run_pre_filter_plugins(state, pod)
    if pre_filter.code == ERROR:
        decision.error = pre_filter.message
        return decision
    if not pre_filter.is_success():
        decision.message = fit_error_message(len(node_infos), {}, pre_filter_message=pre_filter.message)
        decision.unschedulable_plugins = {pre_filter.plugin}
        return decision
    feasible = find_nodes_that_fit(framework, state, pod, node_infos, decision, nominated or {}, table)
    if decision.error:
        return decision
    if not feasible:
        rejections = {node: _rejection(verdicts) for node, verdicts in decision.filter_results.items()}
        post_filter, nominated = framework.run_post_filter_plugins(state, pod, rejections)
        decision.nominated_node_name = nominated
        decision.message = fit_error_message(len(node_infos), rejections, post_filter_message=post_filter.message)
        decision.unschedulable_plugins = {status.plugin for status in rejections.values()}
        return decision
    if len(feasible) == 1:
        decision.node_name = feasible[0].name
        return decision
    pre_score = framework.run_pre_score_plugins(state, pod, feasible)
    if pre_score.code == ERROR:
        decision.error = pre_score.message
        return decision
    if decision._columns is not None and schedule_columns.score(framework, state, pod, table, decision, rng):
        return decision
    explain: dict = {}
    decision.scores, score_status = framework.run_score_plugins(state, pod, feasible, explain)
    if score_status.code == ERROR:
        decision.error = score_status.message
        return decision
    decision.raw_scores = {name: raw for name, (raw, _) in explain.items()}
    decision.normalized_scores = {name: normalized for name, (_, normalized) in explain.items()}
    decision.node_name = select_host(decision, rng)
    return decision


def with_nominated_pods(pod: dict, info: NodeInfo, nominated: dict[str, list[dict]]) -> NodeInfo:
    """The node as filters should see it: plus the pods of equal or higher priority nominated to it."""
    others = [p for p in nominated.get(info.name, ())
              if meta.key(p) != meta.key(pod) and (p["spec"].get("priority") or 0) >= (pod["spec"].get("priority") or 0)]
    if not others:
        return info
    copy = NodeInfo(info.node)
    for placed in [*info.pods.values(), *others]:
        copy.add_pod(placed)
    return copy


def find_nodes_that_fit(framework: Framework, state: CycleState, pod: dict, node_infos: list[NodeInfo],
                        decision: Decision, nominated_pods: dict[str, list[dict]] | None = None,
                        table: NodeTable | None = None) -> list[NodeInfo]:
    """Run the filters from the start index until enough nodes passed; record each verdict."""
    nominated_pods = nominated_pods or {}
    nominated = (pod.get("status") or {}).get("nominatedNodeName")
    plugins = framework.active_filter_plugins(state)
    if nominated:
        for info in node_infos:
            if info.name == nominated:
                verdicts = framework.run_filter_plugins(state, pod, with_nominated_pods(pod, info, nominated_pods),
                                                        plugins)
                if all(status.is_success() for status in verdicts.values()):
                    decision.filter_results[info.name] = verdicts
                    decision.processed = 1
                    return [info]
                break
    total = len(node_infos)
    decision.num_nodes_to_find = wanted = num_feasible_nodes_to_find(framework.percentage_of_nodes_to_score, total)
    start = decision.start_index % total
    if table is not None and schedule_columns.ENABLED and not nominated_pods and len(table) == total:
        feasible = schedule_columns.find_feasible(framework, state, pod, table, plugins, start, wanted, decision)
        if feasible is not None:
            return feasible
    feasible = []
    for offset in range(total):
        info = node_infos[(start + offset) % total]
        seen = with_nominated_pods(pod, info, nominated_pods) if nominated_pods else info
        verdicts = framework.run_filter_plugins(state, pod, seen, plugins)
        decision.filter_results[info.name] = verdicts
        failed = next((status for status in verdicts.values() if not status.is_success()), None)
        if failed is None:
            feasible.append(info)
            if len(feasible) >= wanted:
                break
        elif failed.code == ERROR:
            decision.error = failed.message
            break
    decision.processed = len(decision.filter_results)
    return feasible


def select_host(decision: Decision, rng: random.Random) -> str:
    """The node with the highest total score; among equals, a random one (upstream picks randomly too)."""
    totals = {node: decision.total(node) for node in decision.scores}
    best = max(totals.values())
    return rng.choice(sorted(node for node, total in totals.items() if total == best))


def _rejection(verdicts: dict[str, Status]) -> Status:
    return next(status for status in verdicts.values() if not status.is_success())
