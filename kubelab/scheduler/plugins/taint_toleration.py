"""TaintToleration: a node's taints keep away the pods that don't tolerate them.

Extension points: Filter, Score (with NormalizeScore).

Filter: the first NoSchedule or NoExecute taint the pod does not tolerate rejects the node,
UnschedulableAndUnresolvable, naming the taint: "node(s) had untolerated taint {key: value}"
(v1.32's wording). PreferNoSchedule taints never reject; they only lower the score.

Score: count the node's PreferNoSchedule taints the pod does not tolerate (only tolerations
with effect PreferNoSchedule or no effect count). NormalizeScore turns the counts around, so
the node with the most untolerated taints scores 0 and a node with none scores 100; the
default profile weighs this plugin 3.

Queueing hint: a pod this plugin rejected is retried when a node is added or its taints
change, and only if the pod now tolerates that node's taints.
"""
from __future__ import annotations

from ..framework import (NODE_ADD, NODE_TAINT_CHANGE, OK, UNSCHEDULABLE_AND_UNRESOLVABLE, CycleState, FilterPlugin,
                         NodeInfo, ScorePlugin, Status, default_normalize_score)
from ..node_table import constant_array, default_normalize_array, np
from ..taints import NO_EXECUTE, NO_SCHEDULE, PREFER_NO_SCHEDULE, find_untolerated_taint, tolerations_tolerate

Name = "TaintToleration"

ERR_REASON_UNTOLERATED_TAINT = "node(s) had untolerated taint {{{key}: {value}}}"


def _taints(node_info: NodeInfo) -> list[dict]:
    return node_info.taints


def _tolerations(pod: dict) -> list[dict]:
    return pod["spec"].get("tolerations") or []


class TaintToleration(FilterPlugin, ScorePlugin):
    name = Name

    def events_to_register(self):
        def now_tolerated(pod, old, new):
            return new is not None and find_untolerated_taint(
                (new.get("spec") or {}).get("taints") or [], _tolerations(pod),
                lambda t: t.get("effect") in (NO_SCHEDULE, NO_EXECUTE)) is None
        return [(NODE_ADD, now_tolerated), (NODE_TAINT_CHANGE, now_tolerated)]

    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        if not node_info.taints:
            return OK
        taint = find_untolerated_taint(_taints(node_info), _tolerations(pod),
                                       lambda t: t.get("effect") in (NO_SCHEDULE, NO_EXECUTE))
        if taint is None:
            return OK
        reason = ERR_REASON_UNTOLERATED_TAINT.format(key=taint.get("key", ""), value=taint.get("value", ""))
        return Status(UNSCHEDULABLE_AND_UNRESOLVABLE, (reason,), Name)

    def score(self, state: CycleState, pod: dict, node_info: NodeInfo) -> int:
        """How many PreferNoSchedule taints the pod does not tolerate (fewer is better)."""
        if not node_info.taints:
            return 0
        tolerations = [t for t in _tolerations(pod) if t.get("effect", "") in ("", PREFER_NO_SCHEDULE)]
        return sum(1 for taint in _taints(node_info)
                   if taint.get("effect") == PREFER_NO_SCHEDULE and not tolerations_tolerate(tolerations, taint))

    def normalize_score(self, state: CycleState, pod: dict, scores: dict[str, int]) -> dict[str, int]:
        return default_normalize_score(scores, reverse=True)

    # -- the same over the node table's columns (only tainted nodes are asked one by one) ---------
    def filter_mask(self, state: CycleState, pod: dict, table):
        if not table.any_tainted:
            return table.everywhere
        mask = ~table.tainted
        for row in np.flatnonzero(table.tainted).tolist():
            mask[row] = self.filter(state, pod, table.infos[row]).is_success()
        return mask

    def score_array(self, state: CycleState, pod: dict, table, rows):
        if not table.any_tainted:
            return constant_array(len(rows), 0)
        scores = np.zeros(len(rows), np.int64)
        for i in np.flatnonzero(table.tainted[rows]).tolist():
            scores[i] = self.score(state, pod, table.infos[int(rows[i])])
        return scores

    def normalize_array(self, state: CycleState, pod: dict, scores):
        return default_normalize_array(scores, reverse=True)


def new(arguments: dict | None = None, handle=None) -> TaintToleration:
    """The plugin's factory, as the registry calls it."""
    return TaintToleration()
