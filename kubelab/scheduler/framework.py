"""The scheduling framework: extension points, the Status plugins answer with, and the runner.

The scheduler itself knows no policy. It walks each pod through fixed *extension points*, and
plugins hook into the ones they need (a plugin may implement several):

    PreFilter ─▶ Filter, node by node ─┬─ none passed ─▶ PostFilter (preemption)
    (once per pod)                     └─ some passed ─▶ Score, node by node
                                                          ─▶ NormalizeScore (to 0..100)
                                                          ─▶ × weight, summed ─▶ highest wins

A Filter answers with a `Status`: Success, Unschedulable ("not now, maybe after something
changes"), UnschedulableAndUnresolvable ("not here, whatever happens to other pods" — so
preemption won't try this node) or Error. A Score answers with a number, which NormalizeScore
brings to 0..100 and the plugin's weight multiplies.

Invariant: plugins run in the profile's order, and a node's Filter stops at the first plugin
that rejects it — so its status names one plugin's reasons, as upstream reports it.

Real Kubernetes also has PreEnqueue, QueueSort, PreScore, Reserve, Permit, PreBind, Bind and
PostBind points, runs Filter and Score on many goroutines, and lets one scheduler run several
profiles; kubelab keeps the points its plugins use, runs one profile, and binds in
scheduler.py, because those are what a first look at scheduling needs.
"""
from __future__ import annotations

from dataclasses import dataclass

from .node_info import NodeInfo, Resource, pod_requests  # noqa: F401  (NodeInfo is part of the framework)

SUCCESS = "Success"
UNSCHEDULABLE = "Unschedulable"
UNSCHEDULABLE_AND_UNRESOLVABLE = "UnschedulableAndUnresolvable"
ERROR = "Error"

MAX_NODE_SCORE = 100  # what NormalizeScore scales to; weights multiply it

# "0/3 nodes are available" — upstream's NoNodeAvailableMsg
NO_NODE_AVAILABLE_MESSAGE = "0/{} nodes are available"

CycleState = dict  # what plugins share during one pod's cycle, e.g. its requests from PreFilter


@dataclass(frozen=True)
class Status:
    """A plugin's verdict: a code and, unless it is Success, the reasons in upstream's words."""
    code: str = SUCCESS
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    def is_success(self) -> bool:
        return self.code == SUCCESS

    def is_rejected(self) -> bool:
        """Unschedulable or UnschedulableAndUnresolvable: the pod can't go there (not a failure)."""
        return self.code in (UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE)

    @property
    def message(self) -> str:
        return ", ".join(self.reasons)

    def __str__(self) -> str:
        return self.code if self.is_success() else f"{self.code}: {self.message}"


OK = Status()


# -- the extension points: a plugin subclasses the ones it implements --------------------------
class Plugin:
    name = ""


class PreFilterPlugin(Plugin):
    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        """Look at the pod once, before any node; may write to `state` for later points."""
        raise NotImplementedError


class FilterPlugin(Plugin):
    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        """Can `pod` run on this node? Success, or a rejection with reasons."""
        raise NotImplementedError


class PostFilterPlugin(Plugin):
    def post_filter(self, state: CycleState, pod: dict, node_statuses: dict[str, Status]) -> Status:
        """Every node rejected the pod: try to make room (preemption). Its message joins the event."""
        raise NotImplementedError


class ScorePlugin(Plugin):
    def score(self, state: CycleState, pod: dict, node_info: NodeInfo) -> int:
        """How much this plugin likes the node for the pod (0..100 unless NormalizeScore follows)."""
        raise NotImplementedError

    def normalize_score(self, state: CycleState, pod: dict, scores: dict[str, int]) -> dict[str, int]:
        """Bring every node's score to 0..100; by default scores are already there."""
        return scores


def default_normalize_score(scores: dict[str, int], reverse: bool = False) -> dict[str, int]:
    """Scale scores so the highest becomes 100 (reverse: the highest becomes 0), as upstream's helper."""
    highest = max(scores.values(), default=0)
    if highest == 0:
        return {node: MAX_NODE_SCORE if reverse else 0 for node in scores}
    scaled = {node: MAX_NODE_SCORE * score // highest for node, score in scores.items()}
    return {node: MAX_NODE_SCORE - score for node, score in scaled.items()} if reverse else scaled


# -- the runner -------------------------------------------------------------------------------
class Framework:
    """One scheduling profile: plugins in order, with the weights of the score plugins."""

    def __init__(self, plugins: list[tuple[Plugin, int]]):
        self.plugins = [plugin for plugin, _ in plugins]
        self.weights = {plugin.name: weight for plugin, weight in plugins}
        # each extension point's plugins, in profile order (computed once: Filter runs per node)
        self.pre_filter_plugins = [p for p in self.plugins if isinstance(p, PreFilterPlugin)]
        self.filter_plugins = [p for p in self.plugins if isinstance(p, FilterPlugin)]
        self.post_filter_plugins = [p for p in self.plugins if isinstance(p, PostFilterPlugin)]
        self.score_plugins = [p for p in self.plugins if isinstance(p, ScorePlugin)]

    def run_pre_filter_plugins(self, state: CycleState, pod: dict) -> Status:
        for plugin in self.pre_filter_plugins:
            status = plugin.pre_filter(state, pod)
            if not status.is_success():
                return status
        return OK

    def run_filter_plugins(self, state: CycleState, pod: dict, node_info: NodeInfo) -> dict[str, Status]:
        """Each filter's verdict on one node, stopping at the first that rejects it."""
        verdicts: dict[str, Status] = {}
        for plugin in self.filter_plugins:
            status = plugin.filter(state, pod, node_info)
            verdicts[plugin.name] = status
            if not status.is_success():
                break
        return verdicts

    def run_post_filter_plugins(self, state: CycleState, pod: dict, node_statuses: dict[str, Status]) -> Status:
        """Run PostFilter plugins until one succeeds; the last status carries the message."""
        status = Status(UNSCHEDULABLE)
        for plugin in self.post_filter_plugins:
            status = plugin.post_filter(state, pod, node_statuses)
            if status.is_success():
                break
        return status

    def run_score_plugins(self, state: CycleState, pod: dict,
                          node_infos: list[NodeInfo]) -> dict[str, dict[str, int]]:
        """node -> plugin -> score, normalized to 0..100 and multiplied by the plugin's weight."""
        scores: dict[str, dict[str, int]] = {info.name: {} for info in node_infos}
        for plugin in self.score_plugins:
            raw = {info.name: plugin.score(state, pod, info) for info in node_infos}
            normalized = plugin.normalize_score(state, pod, raw)
            for node, score in normalized.items():
                scores[node][plugin.name] = score * self.weights.get(plugin.name, 1)
        return scores


def fit_error_message(num_all_nodes: int, node_statuses: dict[str, Status], pre_filter_message: str = "",
                      post_filter_message: str = "") -> str:
    """Why no node fits, as upstream's FitError words it.

    "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: ..."
    Each reason is counted over the nodes, written "<count> <reason>", and the strings are
    sorted as text; PostFilter's message (preemption's) follows.
    """
    message = NO_NODE_AVAILABLE_MESSAGE.format(num_all_nodes) + ":"
    if pre_filter_message:
        message += f" {pre_filter_message}."
    else:
        counts: dict[str, int] = {}
        for status in node_statuses.values():
            for reason in status.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        histogram = sorted(f"{count} {reason}" for reason, count in counts.items())
        if histogram:
            message += f" {', '.join(histogram)}."
    if post_filter_message:
        message += f" {post_filter_message}"
    return message
