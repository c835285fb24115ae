"""NodeAffinity: a pod goes only to nodes its nodeSelector and required node affinity accept,
and prefers the nodes its preferred terms name.

Extension points: PreFilter, Filter, PreScore, Score (with NormalizeScore).

    nodeSelector: {disktype: ssd}
    affinity.nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:  {nodeSelectorTerms: [...]}   (Filter)
      preferredDuringSchedulingIgnoredDuringExecution: [{weight: 1..100, preference: term}]  (Score)

PreFilter skips the plugin's Filter for a pod with neither a nodeSelector nor required terms.
Filter rejects UnschedulableAndUnresolvable (evicting pods never relabels a node):
"node(s) didn't match Pod's node affinity/selector". Score adds the weights of the preferred
terms the node matches; NormalizeScore scales the best node to 100; the default weight is 2.

Plugin args (NodeAffinityArgs) `addedAffinity`: a node affinity the profile adds to every pod
("node(s) didn't match scheduler-enforced node affinity" when it fails). The rules of matching
(operators In, NotIn, Exists, DoesNotExist, Gt, Lt; terms ORed, expressions ANDed) live in
node_selector.py. "IgnoredDuringExecution": relabelling a node never evicts a running pod.
"""
from __future__ import annotations

from ..framework import (OK, SKIPPED, CycleState, FilterPlugin, NodeInfo, PreFilterPlugin, PreScorePlugin,
                         ScorePlugin, Status, default_normalize_score, unresolvable)
from ..framework import NODE_ADD, ClusterEvent
from ..node_table import default_normalize_array, np
from ...objects.node_selector import RequiredNodeAffinity, node_selector_matches, preferred_terms, term_matches

Name = "NodeAffinity"

ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"
POD_NOT_MATCH = unresolvable(Name, ERR_REASON_POD)
ENFORCED_NOT_MATCH = unresolvable(Name, ERR_REASON_ENFORCED)

_PRE_FILTER = "PreFilter" + Name
_PRE_SCORE = "PreScore" + Name


class NodeAffinity(PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin):
    name = Name

    def __init__(self, added_affinity: dict | None = None):
        self.added_affinity = added_affinity or {}
        self.added_required = self.added_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
        self.added_preferred = [(t.get("weight", 0), t.get("preference") or {})
                                for t in self.added_affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or []]

    def events_to_register(self):
        # a node added, or its labels changed, may now match; the hint checks it really does
        def node_now_matches(pod, old, new):
            return new is not None and RequiredNodeAffinity(pod).match(new["metadata"].get("labels") or {},
                                                                       new["metadata"]["name"])
        return [(NODE_ADD, node_now_matches), (ClusterEvent("Node", "UpdateNodeLabel", "NodeLabelChange"),
                                               node_now_matches)]

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        required = RequiredNodeAffinity(pod)
        if required.empty and self.added_required is None:
            return SKIPPED
        state[_PRE_FILTER] = required
        return OK

    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        if self.added_required is not None and not node_selector_matches(self.added_required, node_info.labels,
                                                                         node_info.name):
            return ENFORCED_NOT_MATCH
        required = state.get(_PRE_FILTER) or RequiredNodeAffinity(pod)
        if not required.match(node_info.labels, node_info.name):
            return POD_NOT_MATCH
        return OK

    def pre_score(self, state: CycleState, pod: dict, node_infos: list[NodeInfo]) -> Status:
        terms = preferred_terms(pod) + self.added_preferred
        if not terms:
            return SKIPPED
        state[_PRE_SCORE] = terms
        return OK

    def score(self, state: CycleState, pod: dict, node_info: NodeInfo) -> int:
        terms = state.get(_PRE_SCORE)
        if terms is None:
            terms = preferred_terms(pod) + self.added_preferred
        return sum(weight for weight, term in terms if weight and term_matches(term, node_info.labels, node_info.name))

    def normalize_score(self, state: CycleState, pod: dict, scores: dict[str, int]) -> dict[str, int]:
        return default_normalize_score(scores)

    # -- the same over the node table's label columns ------------------------------------------
    def filter_mask(self, state: CycleState, pod: dict, table):
        required = state.get(_PRE_FILTER) or RequiredNodeAffinity(pod)

        def mask():
            answer = table.match_labels_mask(required.node_selector)
            if required.required is not None:
                answer &= table.node_selector_mask(required.required)
            if self.added_required is not None:
                answer &= table.node_selector_mask(self.added_required)
            return answer
        # the same selectors ask the same of the nodes' labels: kept for the table's life
        # (repr: a JSON value's text, cheaper than a frozen copy; equal texts are equal selectors)
        return table.by_labels((Name, repr(required.node_selector), repr(required.required),
                                repr(self.added_required)), mask)

    def filter_statuses(self, state: CycleState, pod: dict, table, rows):
        """Enforced affinity is asked first, as in `filter`."""
        if self.added_required is None:
            return [POD_NOT_MATCH] * len(rows)
        enforced = table.node_selector_mask(self.added_required)[rows].tolist()
        return [POD_NOT_MATCH if ok else ENFORCED_NOT_MATCH for ok in enforced]

    def score_array(self, state: CycleState, pod: dict, table, rows):
        terms = state.get(_PRE_SCORE)
        if terms is None:
            terms = preferred_terms(pod) + self.added_preferred
        scores = np.zeros(len(rows), np.int64)
        for weight, term in terms:
            if weight:
                scores += table.term_mask(term)[rows] * weight
        return scores

    def normalize_array(self, state: CycleState, pod: dict, scores):
        return default_normalize_array(scores)


def new(arguments: dict | None = None, handle=None) -> NodeAffinity:
    """The plugin's factory, as the registry calls it (args: NodeAffinityArgs)."""
    return NodeAffinity((arguments or {}).get("addedAffinity"))
