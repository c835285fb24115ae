"""PodTopologySpread: spread matching pods evenly over topology domains (zones, nodes, ...).

Extension points: PreFilter, Filter, PreScore, Score (with NormalizeScore).

    topologySpreadConstraints:
    - maxSkew: 1                              # at most 1 more matching pod than the emptiest domain
      topologyKey: topology.kubernetes.io/zone
      whenUnsatisfiable: DoNotSchedule        # Filter (hard); ScheduleAnyway: Score (soft)
      labelSelector: {matchLabels: {app: web}}
      minDomains: 3                           # fewer domains than this: the minimum counts as 0
      nodeAffinityPolicy: Honor               # only nodes the pod's nodeSelector/affinity accept count
      nodeTaintsPolicy: Ignore                # Honor: only nodes whose taints the pod tolerates count
      matchLabelKeys: [pod-template-hash]     # also match on the pod's own value of these labels

PreFilter counts, for each hard constraint, the matching pods (same namespace, not being
deleted) in every domain — over the nodes that carry every constraint's topologyKey and pass
the inclusion policies. Filter, per node: skew = pods in the node's domain + 1 (if the pod
matches its own selector) - the smallest domain's count; skew > maxSkew → Unschedulable
"node(s) didn't match pod topology spread constraints"; a node without the topologyKey label is
UnschedulableAndUnresolvable "... (missing required label)".

Score, for soft constraints: each node gets Σ over constraints of count × log(domains + 2) +
(maxSkew - 1), fewer being better; NormalizeScore flips it so the emptiest domain scores 100.
Weight 2.

A pod with no constraints of its own gets the *system default* ones — soft, maxSkew 3 over
kubernetes.io/hostname and 5 over topology.kubernetes.io/zone — with a selector made from the
Services and ReplicaSets that select it (upstream's DefaultSelector): this is why a
Deployment's replicas spread over nodes even when their resources alone wouldn't say so.
(StatefulSets and ReplicationControllers join when kubelab serves them.)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ...objects import meta
from ...objects.selector import Requirement, from_label_selector, matches
from ..framework import (ASSIGNED_POD_ADD, ASSIGNED_POD_DELETE, ASSIGNED_POD_UPDATE, MAX_NODE_SCORE, NODE_ADD,
                         NODE_LABEL_CHANGE, NODE_TAINT_CHANGE, OK, SKIPPED, CycleState, FilterPlugin, NodeInfo,
                         PreFilterPlugin, PreScorePlugin, ScorePlugin, Status, unresolvable, unschedulable)
from ...objects.node_selector import RequiredNodeAffinity
from .. import schedule_columns
from . import topology_spread_scores
from ..node_table import frozen, np
from ..taints import NO_EXECUTE, NO_SCHEDULE, find_untolerated_taint

Name = "PodTopologySpread"

ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
LABEL_NOT_MATCH = unresolvable(Name, ERR_REASON_NODE_LABEL_NOT_MATCH)
CONSTRAINTS_NOT_MATCH = unschedulable(Name, ERR_REASON_CONSTRAINTS_NOT_MATCH)

DO_NOT_SCHEDULE, SCHEDULE_ANYWAY = "DoNotSchedule", "ScheduleAnyway"
HONOR, IGNORE = "Honor", "Ignore"
LABEL_HOSTNAME, LABEL_ZONE = "kubernetes.io/hostname", "topology.kubernetes.io/zone"
SYSTEM_DEFAULT_CONSTRAINTS = [
    {"maxSkew": 3, "topologyKey": LABEL_HOSTNAME, "whenUnsatisfiable": SCHEDULE_ANYWAY},
    {"maxSkew": 5, "topologyKey": LABEL_ZONE, "whenUnsatisfiable": SCHEDULE_ANYWAY},
]
_PRE_FILTER, _PRE_SCORE = "PreFilter" + Name, "PreScore" + Name
_SELECTING = ("services", "replicasets", "statefulsets", "replicationcontrollers")  # DefaultSelector's owners
_MASKS = "Masks" + Name
_IGNORED_ROWS = "IgnoredRows" + Name


@dataclass(frozen=True)
class Constraint:
    max_skew: int
    topology_key: str
    selector: tuple[Requirement, ...]
    min_domains: int
    node_affinity_policy: str
    node_taints_policy: str

    def matches_node_inclusion_policies(self, pod: dict, node_info: NodeInfo, required: RequiredNodeAffinity) -> bool:
        if self.node_affinity_policy == HONOR and not required.match(node_info.labels, node_info.name):
            return False
        if self.node_taints_policy == HONOR:
            taints = (node_info.node.get("spec") or {}).get("taints") or []
            if find_untolerated_taint(taints, pod["spec"].get("tolerations") or [],
                                      lambda t: t.get("effect") in (NO_SCHEDULE, NO_EXECUTE)) is not None:
                return False
        return True


def count_pods_matching(node_info: NodeInfo, selector: tuple[Requirement, ...], namespace: str) -> int:
    """Pods on the node in `namespace`, not being deleted, whose labels match `selector`."""
    count = 0
    requirements = list(selector)
    for pod in node_info.pods.values():
        metadata = pod["metadata"]
        if metadata.get("namespace") != namespace or metadata.get("deletionTimestamp"):
            continue
        if matches(requirements, metadata.get("labels") or {}):
            count += 1
    return count


def node_has_all_keys(labels: dict[str, str], constraints: list[Constraint]) -> bool:
    return all(constraint.topology_key in labels for constraint in constraints)


class PodTopologySpread(PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin):
    name = Name

    def __init__(self, handle, default_constraints: list[dict] | None = None, defaulting_type: str = "System"):
        self.handle = handle
        self.system_defaulted = defaulting_type == "System"
        self.default_constraints = SYSTEM_DEFAULT_CONSTRAINTS if self.system_defaulted else (default_constraints or [])
        self._selectors: dict[tuple, tuple] = {}   # default_selector's answers while the listers stay the same

    def events_to_register(self):
        return [(ASSIGNED_POD_ADD, None), (ASSIGNED_POD_UPDATE, None), (ASSIGNED_POD_DELETE, None),
                (NODE_ADD, None), (NODE_LABEL_CHANGE, None), (NODE_TAINT_CHANGE, None)]

    # -- which constraints apply ----------------------------------------------------------------
    def constraints(self, pod: dict, action: str) -> list[Constraint]:
        """The pod's constraints with this whenUnsatisfiable, or the defaults if it has none."""
        own = pod["spec"].get("topologySpreadConstraints") or []
        if own:
            return [self._constraint(c, meta.labels(pod), c.get("labelSelector")) for c in own
                    if c.get("whenUnsatisfiable") == action]
        defaults = [c for c in self.default_constraints if c.get("whenUnsatisfiable") == action]
        if not defaults:
            return []  # (the system defaults are all ScheduleAnyway: PreFilter needs no selector)
        selector = self.default_selector(pod)
        if not selector:
            return []
        return [Constraint(c["maxSkew"], c["topologyKey"], selector, 1, HONOR, IGNORE) for c in defaults]

    @staticmethod
    def _constraint(c: dict, pod_labels: dict, label_selector: dict | None) -> Constraint:
        requirements = list(from_label_selector(label_selector)) if label_selector is not None else [("", "in", ())]
        for key in c.get("matchLabelKeys") or []:
            if key in pod_labels:
                requirements.append((key, "in", (pod_labels[key],)))
        return Constraint(c.get("maxSkew", 1), c.get("topologyKey", ""), tuple(requirements), c.get("minDomains") or 1,
                          c.get("nodeAffinityPolicy") or HONOR, c.get("nodeTaintsPolicy") or IGNORE)

    def default_selector(self, pod: dict) -> tuple[Requirement, ...]:
        """Requirements from the Services and ReplicaSets selecting the pod (empty: none do).

        Kept per namespace and label set while the listers hold the same objects (their informers'
        last resourceVersion unchanged): the pods of one workload ask the same question."""
        labels, namespace = meta.labels(pod), meta.namespace(pod)
        listers = [self.handle.lister(resource) for resource in _SELECTING]
        versions = tuple(getattr(lister, "last_resource_version", None) if lister is not None else ""
                         for lister in listers)
        key = None
        if None not in versions:   # (a lister that can't say when it changed: asked every time)
            try:
                key = (namespace, frozenset(labels.items()), versions)
            except TypeError:
                key = None
            found = self._selectors.get(key) if key is not None else None
            if found is not None:
                return found
        selector = self._default_selector(labels, namespace)
        if key is not None:
            if len(self._selectors) >= 1024:
                self._selectors.clear()
            self._selectors[key] = selector
        return selector

    def _default_selector(self, labels: dict, namespace: str) -> tuple[Requirement, ...]:
        match_labels: dict[str, str] = {}
        requirements: list[Requirement] = []
        services = self.handle.lister("services")
        for service in services.list(namespace) if services is not None else []:
            selector = (service.get("spec") or {}).get("selector") or {}
            if selector and all(labels.get(k) == v for k, v in selector.items()):
                match_labels.update(selector)
        for resource in ("replicasets", "statefulsets", "replicationcontrollers"):
            lister = self.handle.lister(resource)
            for owner in lister.list(namespace) if lister is not None else []:
                selector = (owner.get("spec") or {}).get("selector")
                if resource == "replicationcontrollers":
                    selector = {"matchLabels": selector} if selector else None
                if selector and (selector.get("matchLabels") or selector.get("matchExpressions")) \
                        and matches(from_label_selector(selector), labels):
                    requirements += from_label_selector(selector)
        return tuple([(k, "=", (v,)) for k, v in sorted(match_labels.items())] + requirements)

    # -- filtering -----------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        constraints = self.constraints(pod, DO_NOT_SCHEDULE)
        if not constraints:
            return SKIPPED
        required = RequiredNodeAffinity(pod)
        namespace = meta.namespace(pod)
        snapshot = self.handle.snapshot()
        if schedule_columns.ENABLED and snapshot is not None and snapshot.node_info_list:
            state[_PRE_FILTER] = (constraints, self._domain_counts(pod, constraints, required, namespace,
                                                                   snapshot.table))
            return OK
        counts: list[dict[str, int]] = [{} for _ in constraints]  # per constraint: domain value -> matching pods
        for node_info in snapshot.node_info_list:
            if not node_has_all_keys(node_info.labels, constraints):
                continue
            for index, constraint in enumerate(constraints):
                if not constraint.matches_node_inclusion_policies(pod, node_info, required):
                    continue
                value = node_info.labels[constraint.topology_key]
                counts[index][value] = counts[index].get(value, 0) + \
                    count_pods_matching(node_info, constraint.selector, namespace)
        state[_PRE_FILTER] = (constraints, counts)
        return OK

    def _domain_counts(self, pod: dict, constraints: list, required: RequiredNodeAffinity, namespace: str,
                       table) -> list[dict[str, int]]:
        """PreFilter's counts over the node table and its pods-by-label index (the loop above, at once)."""
        keys = tuple(constraint.topology_key for constraint in constraints)
        counts = []
        for constraint in constraints:
            def eligible(constraint=constraint):  # the nodes this constraint counts: every key, the policies
                rows = np.ones(len(table), bool)
                for key in keys:
                    rows &= table.label_present(key)
                if constraint.node_affinity_policy == HONOR:
                    rows &= table.match_labels_mask(required.node_selector)
                    if required.required is not None:
                        rows &= table.node_selector_mask(required.required)
                if constraint.node_taints_policy == HONOR and table.any_tainted:
                    for row in np.flatnonzero(rows & table.tainted).tolist():
                        rows[row] = constraint.matches_node_inclusion_policies(pod, table.infos[row], required)
                return rows
            if constraint.node_taints_policy == HONOR and table.any_tainted:
                rows = eligible()   # (depends on the pod's tolerations too: not kept)
            else:   # only the nodes' labels and the pod's node selectors: kept for the table's life
                rows = table.by_labels((Name, keys, constraint.node_affinity_policy,
                                        frozen(required.node_selector) if constraint.node_affinity_policy == HONOR
                                        else None,
                                        frozen(required.required) if constraint.node_affinity_policy == HONOR
                                        else None), eligible)
            requirements = list(constraint.selector)
            per_node = table.pods_matching(   # count_pods_matching's rule, once per kind of pod
                lambda placed: placed["metadata"]["namespace"] == namespace
                and not placed["metadata"].get("deletionTimestamp")
                and matches(requirements, placed["metadata"]["labels"]))
            counts.append(table.count_by_value(constraint.topology_key, per_node, rows))
        return counts

    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        constraints, counts = state[_PRE_FILTER]
        pod_labels = meta.labels(pod)
        for index, constraint in enumerate(constraints):
            value = node_info.labels.get(constraint.topology_key)
            if value is None:
                return LABEL_NOT_MATCH
            domains = counts[index]
            min_match = min(domains.values()) if domains else 0
            if len(domains) < constraint.min_domains:
                min_match = 0
            self_match = 1 if matches(list(constraint.selector), pod_labels) else 0
            skew = domains.get(value, 0) + self_match - min_match
            if skew > constraint.max_skew:
                return CONSTRAINTS_NOT_MATCH
        return OK

    def _constraint_masks(self, state: CycleState, pod: dict, table) -> list[tuple[np.ndarray, np.ndarray]]:
        """`filter` over the label columns, per constraint: the label column and, by label code, whether
        a node of that domain keeps the skew within maxSkew (the last entry: nodes without the label)."""
        kept = state.get(_MASKS)
        if kept is not None and kept[0] is table:
            return kept[1]   # filter_statuses asks again after filter_mask
        constraints, counts = state[_PRE_FILTER]
        pod_labels = meta.labels(pod)
        masks = []
        state[_MASKS] = (table, masks)
        for index, constraint in enumerate(constraints):
            column, codes = table.label_codes(constraint.topology_key)
            domains = counts[index]
            min_match = min(domains.values()) if domains else 0
            if len(domains) < constraint.min_domains:
                min_match = 0
            self_match = 1 if matches(list(constraint.selector), pod_labels) else 0
            by_code = np.zeros(len(codes) + 1, np.int64)  # the last entry: nodes without the label
            for value, code in codes.items():
                by_code[code] = domains.get(value, 0)
            masks.append((column, by_code + self_match - min_match <= constraint.max_skew))
        return masks

    def filter_mask(self, state: CycleState, pod: dict, table):
        mask = None
        for (column, within_by_code), constraint in zip(self._constraint_masks(state, pod, table),
                                                        state[_PRE_FILTER][0]):
            allowed = within_by_code.copy()
            allowed[-1] = False   # a node without the label never passes
            # which domains pass is all the mask depends on (and the labels): kept for the table's life
            passes = table.by_labels((Name, "domains", constraint.topology_key, tuple(allowed.tolist())),
                                     lambda column=column, allowed=allowed: allowed[column])
            mask = passes if mask is None else mask & passes
        return mask if mask is not None else table.everywhere

    def filter_statuses(self, state: CycleState, pod: dict, table, rows):
        """The first constraint each rejected row breaks, in `filter`'s order."""
        verdict = np.zeros(len(rows), np.int8)  # 0: passes, 1: label missing, 2: skew too big
        for column, within_by_code in self._constraint_masks(state, pod, table):
            codes = column[rows]
            has_key, within = codes >= 0, within_by_code[codes]
            undecided = verdict == 0
            verdict[undecided & ~has_key] = 1
            verdict[undecided & has_key & ~within] = 2
        statuses = (OK, LABEL_NOT_MATCH, CONSTRAINTS_NOT_MATCH)
        return [statuses[code] for code in verdict.tolist()]

    # -- scoring -------------------------------------------------------------------------------
    def pre_score(self, state: CycleState, pod: dict, node_infos: list[NodeInfo]) -> Status:
        all_nodes = self.handle.snapshot().node_info_list
        if not node_infos or not all_nodes:
            return SKIPPED
        constraints = self.constraints(pod, SCHEDULE_ANYWAY)
        if not constraints:
            return SKIPPED
        require_all = bool(pod["spec"].get("topologySpreadConstraints")) or not self.system_defaulted
        table = self.handle.snapshot().table
        if isinstance(node_infos, schedule_columns.FeasibleNodes) and table is not None:   # the same sums at once
            state[_PRE_SCORE], state[topology_spread_scores.Key] = topology_spread_scores.pre_score(
                pod, meta.namespace(pod), constraints, require_all, node_infos.rows, table)
            return OK
        ignored: set[str] = set()
        pair_counts: dict[tuple[str, str], int] = {}
        domain_sizes = [0] * len(constraints)
        for node_info in node_infos:
            if require_all and not node_has_all_keys(node_info.labels, constraints):
                ignored.add(node_info.name)
                continue
            for index, constraint in enumerate(constraints):
                if constraint.topology_key == LABEL_HOSTNAME:
                    continue  # per-node counts are made in Score
                pair = (constraint.topology_key, node_info.labels.get(constraint.topology_key, ""))
                if pair not in pair_counts:
                    pair_counts[pair] = 0
                    domain_sizes[index] += 1
        weights = []
        for index, constraint in enumerate(constraints):
            size = len(node_infos) - len(ignored) if constraint.topology_key == LABEL_HOSTNAME else domain_sizes[index]
            weights.append(math.log(size + 2))
        required = RequiredNodeAffinity(pod)
        namespace = meta.namespace(pod)
        for node_info in all_nodes:
            if require_all and not node_has_all_keys(node_info.labels, constraints):
                continue
            for constraint in constraints:
                if not constraint.matches_node_inclusion_policies(pod, node_info, required):
                    continue
                pair = (constraint.topology_key, node_info.labels.get(constraint.topology_key, ""))
                if pair in pair_counts:
                    pair_counts[pair] += count_pods_matching(node_info, constraint.selector, namespace)
        state[_PRE_SCORE] = (constraints, ignored, pair_counts, weights)
        return OK

    def score(self, state: CycleState, pod: dict, node_info: NodeInfo) -> int:
        constraints, ignored, pair_counts, weights = state[_PRE_SCORE]
        if node_info.name in ignored:
            return 0
        score = 0.0
        for index, constraint in enumerate(constraints):
            value = node_info.labels.get(constraint.topology_key)
            if value is None:
                continue
            if constraint.topology_key == LABEL_HOSTNAME:
                count = count_pods_matching(node_info, constraint.selector, meta.namespace(pod))
            else:
                count = pair_counts[(constraint.topology_key, value)]
            score += count * weights[index] + (constraint.max_skew - 1)
        return math.floor(score + 0.5)  # Go's math.Round: halves away from zero

    def score_array(self, state: CycleState, pod: dict, table, rows):
        columns = state.get(topology_spread_scores.Key)
        if columns is None:
            return None
        state[_IGNORED_ROWS] = columns[0][rows]   # for normalize_array, which is given no rows
        return topology_spread_scores.score_array(state[_PRE_SCORE], columns, table, rows)

    def normalize_array(self, state: CycleState, pod: dict, scores):
        ignored = state.get(_IGNORED_ROWS)
        return None if ignored is None else topology_spread_scores.normalize_array(scores, ignored)

    def normalize_score(self, state: CycleState, pod: dict, scores: dict[str, int]) -> dict[str, int]:
        if _PRE_SCORE not in state:
            return scores
        ignored = state[_PRE_SCORE][1]
        counted = [score for node, score in scores.items() if node not in ignored]
        lowest, highest = (min(counted), max(counted)) if counted else (0, 0)
        normalized = {}
        for node, score in scores.items():
            if node in ignored:
                normalized[node] = 0
            elif highest == 0:
                normalized[node] = MAX_NODE_SCORE
            else:
                normalized[node] = MAX_NODE_SCORE * (highest + lowest - score) // highest
        return normalized


def new(arguments: dict | None = None, handle=None) -> PodTopologySpread:
    """The plugin's factory, as the registry calls it (args: PodTopologySpreadArgs)."""
    arguments = arguments or {}
    return PodTopologySpread(handle, arguments.get("defaultConstraints"), arguments.get("defaultingType", "System"))
