"""PodTopologySpread's PreScore and Score over the node table (schedule_columns.py's path).

What it models. The same sums as `PodTopologySpread.pre_score` / `score` (the definition, kept
node by node in pod_topology_spread.py): for each soft constraint, the matching pods of every
domain, counted over *all* nodes that carry the constraints' keys and pass the inclusion
policies, and each feasible node's Σ count × log(domains + 2) + (maxSkew − 1).

Why. Node by node, PreScore walks every pod of the cluster once per pod scheduled (each node's
pods, matched against the selector), and Score walks each feasible node's pods again: a
Deployment's pods carry the system default constraints, so scheduling P pods cost P × P pod
matches — the term that made a 200-node cluster's settle grow faster than its pods. Here the
matching pods per node come from the node table's pods-by-label index (one vector per kind of
pod, `NodeTable.pods_matching`), summed by domain with `bincount`: per pod the work is the
kinds of pod in the namespace plus a few array operations over the nodes.

Invariant: the choices, raw and normalized scores are those of the node-by-node code (the same
float operations in the same order); tests/scheduler/test_node_table.py schedules random pods
both ways. Left out: nothing of the plugin; the node-by-node code stays the reference.
"""
from __future__ import annotations

import math

from ...objects.node_selector import RequiredNodeAffinity
from ...objects.selector import matches
from ..node_table import MAX_NODE_SCORE, np

Key = "PreScoreColumnsPodTopologySpread"   # CycleState: what score_array needs beyond PreScore's own
HOSTNAME = "kubernetes.io/hostname"


def pre_score(pod: dict, namespace: str, constraints: list, require_all: bool, feasible_rows, table):
    """PreScore's state as `PodTopologySpread.pre_score` makes it — (constraints, ignored node names,
    pair counts, weights) — and what `score_array` reads besides: (ignored rows, matching pods per
    node, per constraint)."""
    size = len(table)
    has_keys = np.ones(size, bool)
    if require_all:
        for constraint in constraints:
            has_keys &= table.label_present(constraint.topology_key)
    feasible = np.zeros(size, bool)
    feasible[feasible_rows] = True
    ignored_rows = feasible & ~has_keys
    ignored = {table.names[row] for row in np.flatnonzero(ignored_rows).tolist()}
    counted = feasible & has_keys
    required = RequiredNodeAffinity(pod)
    pair_counts: dict[tuple[str, str], int] = {}
    weights, per_nodes, by_selector, domains_of = [], [], {}, {}
    for constraint in constraints:
        per_node = by_selector.get(constraint.selector)
        if per_node is None:   # the system defaults' two constraints share one selector
            requirements = list(constraint.selector)
            per_node = by_selector[constraint.selector] = table.pods_matching(
                lambda placed: not placed["metadata"].get("deletionTimestamp")
                and matches(requirements, placed["metadata"]["labels"]), namespace=namespace)
        per_nodes.append(per_node)
        key = constraint.topology_key
        if key == HOSTNAME:   # per-node counts: Score reads them
            weights.append(math.log(len(feasible_rows) - len(ignored) + 2))
            continue
        column, codes = table.label_codes(key)
        new = key not in domains_of   # a second constraint on the key finds its domains counted
        if new:
            values = table.label_values(key)
            found = [values[code] for code in np.unique(column[counted & (column >= 0)]).tolist()]
            if (counted & (column < 0)).any():   # node_info.labels.get(key, ""): no label is the domain ""
                found.append("")
            domains_of[key] = list(dict.fromkeys(found))
        domains = domains_of[key]
        weights.append(math.log((len(domains) if new else 0) + 2))
        included = has_keys & inclusion_mask(constraint, pod, required, table)
        labelled = included & (column >= 0)
        sums = np.bincount(column[labelled], weights=per_node[labelled], minlength=len(codes))
        for value in domains:
            count = int(sums[codes[value]]) if value in codes else 0
            if value == "":
                count += int(per_node[included & (column < 0)].sum())
            pair_counts[(key, value)] = pair_counts.get((key, value), 0) + count
    return (constraints, ignored, pair_counts, weights), (ignored_rows, per_nodes)


def inclusion_mask(constraint, pod: dict, required: RequiredNodeAffinity, table) -> np.ndarray:
    """`Constraint.matches_node_inclusion_policies` of every node."""
    rows = np.ones(len(table), bool)
    if constraint.node_affinity_policy == "Honor":
        rows &= table.match_labels_mask(required.node_selector)
        if required.required is not None:
            rows &= table.node_selector_mask(required.required)
    if constraint.node_taints_policy == "Honor" and table.any_tainted:
        for row in np.flatnonzero(rows & table.tainted).tolist():
            rows[row] = constraint.matches_node_inclusion_policies(pod, table.infos[row], required)
    return rows


def score_array(pre_score_state: tuple, columns_state: tuple, table, rows) -> np.ndarray:
    """`PodTopologySpread.score` of the table's `rows`."""
    constraints, _, pair_counts, weights = pre_score_state
    ignored_rows, per_nodes = columns_state
    score = np.zeros(len(rows), np.float64)
    for index, constraint in enumerate(constraints):
        column, codes = table.label_codes(constraint.topology_key)
        present = column[rows] >= 0
        if constraint.topology_key == HOSTNAME:
            count = per_nodes[index][rows]
        else:
            by_code = np.zeros(len(codes) + 1, np.int64)   # the last entry: nodes without the label
            for value, code in codes.items():
                by_code[code] = pair_counts.get((constraint.topology_key, value), 0)
            count = by_code[column[rows]]
        score += np.where(present, count * weights[index] + (constraint.max_skew - 1), 0.0)
    scores = np.floor(score + 0.5).astype(np.int64)   # Go's math.Round: halves away from zero
    scores[ignored_rows[rows]] = 0
    return scores


def normalize_array(scores: np.ndarray, ignored: np.ndarray) -> np.ndarray:
    """`PodTopologySpread.normalize_score` over the rows' scores (`ignored`: rows it leaves at 0)."""
    counted = scores[~ignored]
    lowest, highest = (int(counted.min()), int(counted.max())) if len(counted) else (0, 0)
    if highest == 0:
        normalized = np.full(len(scores), MAX_NODE_SCORE, np.int64)
    else:
        normalized = MAX_NODE_SCORE * (highest + lowest - scores) // highest
    normalized[ignored] = 0
    return normalized
