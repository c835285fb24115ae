"""The scheduling framework's vocabulary: Status, the extension points, cluster events.

The scheduler itself knows no policy. It walks each pod through fixed *extension points*, and
plugins hook into the ones they need (a plugin may implement several):

    queue:            PreEnqueue (may the pod even wait in activeQ?)  QueueSort (which pod next?)
    scheduling cycle: PreFilter ─▶ Filter, node by node ─┬─ none passed ─▶ PostFilter (preemption)
                                                         └─ some passed ─▶ PreScore ─▶ Score, node by node
                                                              ─▶ NormalizeScore (to 0..100) ─▶ × weight, summed
                      ─▶ Reserve (claim what the chosen node offers) ─▶ Permit (approve, reject)
    binding cycle:    PreBind ─▶ Bind (DefaultBinder: POST pods/<name>/binding) ─▶ PostBind

A plugin answers with a `Status`: Success; Unschedulable ("not now, maybe after something
changes"); UnschedulableAndUnresolvable ("not here, whatever happens to other pods" — so
preemption won't try this node); Skip (PreFilter/PreScore: "I have nothing to say about this
pod", so its Filter/Score is not run); Wait (Permit); or Error. A plugin that *raises* is an
Error too: the pod is retried after its backoff and the error is told in its event, as upstream
does when a plugin returns an error — the scheduler itself never stops.

Each plugin also says which cluster events could make a pod it rejected schedulable
(`events_to_register`, upstream's EnqueueExtensions, with an optional *queueing hint* function
that looks at the event's objects): the queue moves an unschedulable pod back only on those.

The runner that calls the plugins in profile order is runtime.py (upstream's frameworkImpl).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .node_info import NodeInfo, Resource, pod_requests  # noqa: F401  (part of the framework's vocabulary)

SUCCESS = "Success"
ERROR = "Error"
UNSCHEDULABLE = "Unschedulable"
UNSCHEDULABLE_AND_UNRESOLVABLE = "UnschedulableAndUnresolvable"
WAIT = "Wait"
SKIP = "Skip"

MAX_NODE_SCORE = 100  # what NormalizeScore scales to; weights multiply it
MIN_NODE_SCORE = 0

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

    def is_skip(self) -> bool:
        return self.code == SKIP

    def is_rejected(self) -> bool:
        """Unschedulable or UnschedulableAndUnresolvable: the pod can't go there (not a failure)."""
        return self.code in (UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE)

    @property
    def message(self) -> str:
        return ", ".join(self.reasons)

    def __str__(self) -> str:
        return self.code if self.is_success() else f"{self.code}: {self.message}"


OK = Status()
SKIPPED = Status(SKIP)  # (a Status never changes: the common answers are shared)


def unschedulable(plugin: str, *reasons: str) -> Status:
    return Status(UNSCHEDULABLE, reasons, plugin)


def unresolvable(plugin: str, *reasons: str) -> Status:
    return Status(UNSCHEDULABLE_AND_UNRESOLVABLE, reasons, plugin)


# -- cluster events (upstream's framework.ClusterEvent: a resource and what happened to it) -----
@dataclass(frozen=True)
class ClusterEvent:
    resource: str   # "Node", "Pod" (assigned pods), "UnscheduledPod", "Namespace", "PersistentVolumeClaim", ...
    action: str     # "Add", "Update", "Delete", or an update's detail: "UpdateNodeLabel", ...
    label: str      # upstream's name for it, what the queue's history shows: "NodeAdd", "AssignedPodDelete"

    def matches(self, registered: "ClusterEvent") -> bool:
        """Does this event fall under one a plugin registered? (Update covers every Update* detail.)"""
        return registered.resource == self.resource and (
            registered.action == self.action or (registered.action == "Update" and self.action.startswith("Update"))
            or registered.action == "All")


NODE_ADD = ClusterEvent("Node", "Add", "NodeAdd")
NODE_DELETE = ClusterEvent("Node", "Delete", "NodeDelete")
NODE_LABEL_CHANGE = ClusterEvent("Node", "UpdateNodeLabel", "NodeLabelChange")
NODE_TAINT_CHANGE = ClusterEvent("Node", "UpdateNodeTaint", "NodeTaintChange")
NODE_ALLOCATABLE_CHANGE = ClusterEvent("Node", "UpdateNodeAllocatable", "NodeAllocatableChange")
NODE_CONDITION_CHANGE = ClusterEvent("Node", "UpdateNodeCondition", "NodeConditionChange")
NODE_SPEC_UNSCHEDULABLE_CHANGE = ClusterEvent("Node", "UpdateNodeTaint", "NodeSpecUnschedulableChange")
ASSIGNED_POD_ADD = ClusterEvent("Pod", "Add", "AssignedPodAdd")
ASSIGNED_POD_UPDATE = ClusterEvent("Pod", "Update", "AssignedPodUpdate")
ASSIGNED_POD_DELETE = ClusterEvent("Pod", "Delete", "AssignedPodDelete")
UNSCHEDULED_POD_UPDATE = ClusterEvent("UnscheduledPod", "Update", "UnscheduledPodUpdate")
NAMESPACE_CHANGE = ClusterEvent("Namespace", "All", "NamespaceChange")
UNSCHEDULABLE_TIMEOUT = ClusterEvent("", "", "UnschedulableTimeout")
FORCE_ACTIVATE = ClusterEvent("", "", "ForceActivate")

# a queueing hint: (pod waiting, old object, new object) -> True to retry the pod ("Queue")
QueueingHint = Callable[[dict, "dict | None", "dict | None"], bool]
ClusterEventWithHint = tuple[ClusterEvent, "QueueingHint | None"]

NODE_EVENTS = (NODE_ADD, ClusterEvent("Node", "Update", "NodeUpdate"))


# -- the extension points: a plugin subclasses the ones it implements --------------------------
class Plugin:
    name = ""

    def events_to_register(self) -> list[ClusterEventWithHint]:
        """Cluster events that could make a pod this plugin rejected fit (default: any node change)."""
        return [(event, None) for event in NODE_EVENTS]


class PreEnqueuePlugin(Plugin):
    def pre_enqueue(self, pod: dict) -> Status:
        """May the pod join activeQ at all? (SchedulingGates says no while gates remain.)"""
        raise NotImplementedError


class QueueSortPlugin(Plugin):
    def less(self, a, b) -> bool:
        """Should queued pod `a` be tried before `b`? (one QueueSort plugin per scheduler)"""
        raise NotImplementedError

    def sort_key(self, info) -> tuple:
        """The same order as a heap key (kubelab's activeQ is a heap, upstream's too)."""
        raise NotImplementedError


class PreFilterPlugin(Plugin):
    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        """Look at the pod once, before any node; may write to `state` for later points (Skip: no Filter)."""
        raise NotImplementedError


class FilterPlugin(Plugin):
    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        """Can `pod` run on this node? Success, or a rejection with reasons."""
        raise NotImplementedError

    def filter_mask(self, state: CycleState, pod: dict, table):
        """The same question asked of every node at once (node_table.py): a bool array, True where
        `filter` would succeed — or None to be asked node by node. `filter` stays the definition.
        The caller only reads the array, so a plugin may hand out one it keeps (`table.everywhere`:
        no node rejected; `NodeTable.kept`)."""
        return None

    def filter_statuses(self, state: CycleState, pod: dict, table, rows) -> list[Status] | None:
        """The Status `filter` gives each of the table's `rows` (rows its mask rejected), from the
        columns; None: `filter` is asked for each of them (the explanation needs every reason)."""
        return None


class PostFilterPlugin(Plugin):
    def post_filter(self, state: CycleState, pod: dict, node_statuses: dict[str, Status]) -> tuple[Status, str]:
        """Every node rejected the pod: try to make room (preemption). Returns (status, nominated node)."""
        raise NotImplementedError


class PreScorePlugin(Plugin):
    def pre_score(self, state: CycleState, pod: dict, node_infos: list[NodeInfo]) -> Status:
        """Look once at the feasible nodes before scoring them (Skip: no Score for this pod)."""
        raise NotImplementedError


class ScorePlugin(Plugin):
    def score(self, state: CycleState, pod: dict, node_info: NodeInfo) -> int:
        """How much this plugin likes the node for the pod (0..100 unless NormalizeScore follows)."""
        raise NotImplementedError

    def normalize_score(self, state: CycleState, pod: dict, scores: dict[str, int]) -> dict[str, int]:
        """Bring every node's score to 0..100; by default scores are already there."""
        return scores

    def score_array(self, state: CycleState, pod: dict, table, rows):
        """`score` for the table's `rows` at once (an int array, only read: it may be shared, e.g.
        `node_table.constant_array`), or None to be asked node by node."""
        return None

    def normalize_array(self, state: CycleState, pod: dict, scores):
        """`normalize_score` over an array of the rows' scores, or None to go through the dict form."""
        return scores if type(self).normalize_score is ScorePlugin.normalize_score else None


class ReservePlugin(Plugin):
    def reserve(self, state: CycleState, pod: dict, node_name: str) -> Status:
        """The pod is assumed on `node_name`: claim what it needs there before the next pod's cycle."""
        raise NotImplementedError

    def unreserve(self, state: CycleState, pod: dict, node_name: str) -> None:
        """A later point failed: give back what reserve claimed."""


class PermitPlugin(Plugin):
    def permit(self, state: CycleState, pod: dict, node_name: str) -> tuple[Status, float]:
        """Approve (Success), reject, or Wait up to the returned seconds for someone to allow it."""
        raise NotImplementedError


class PreBindPlugin(Plugin):
    def pre_bind(self, state: CycleState, pod: dict, node_name: str) -> Status:
        """Before the binding: e.g. bind the pod's volumes."""
        raise NotImplementedError


class BindPlugin(Plugin):
    def bind(self, state: CycleState, pod: dict, node_name: str) -> Status:
        """Write the decision (Skip: leave it to the next Bind plugin)."""
        raise NotImplementedError


class PostBindPlugin(Plugin):
    def post_bind(self, state: CycleState, pod: dict, node_name: str) -> None:
        """Informational: the pod is bound."""


def default_normalize_score(scores: dict[str, int], reverse: bool = False) -> dict[str, int]:
    """Scale scores so the highest becomes 100 (reverse: the highest becomes 0), as upstream's helper."""
    highest = max(scores.values(), default=0)
    if highest == 0:
        return {node: MAX_NODE_SCORE if reverse else 0 for node in scores}
    scaled = {node: MAX_NODE_SCORE * score // highest for node, score in scores.items()}
    return {node: MAX_NODE_SCORE - score for node, score in scaled.items()} if reverse else scaled


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
