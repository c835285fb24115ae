"""schedule_one's Filter and Score asked of the NodeTable's columns: the same decision, faster.

    node by node (schedule_one.py)            columns (here)
    for each node from the start index:       mask = AND of every filter's filter_mask(table)
        every filter's verdict                 feasible = the first `wanted` True rows from the start
    for each feasible node:                    per score plugin: score_array(rows) -> normalize_array
        every plugin's score                   totals = Σ weight × normalized;  the best, ties by the rng

The column path runs only when every active filter plugin answers `filter_mask` (and falls back to
node-by-node scoring for a plugin without `score_array`); otherwise, or when a plugin raises,
schedule_one's node-by-node loop decides, as before. Nothing about the decision changes: the
same nodes are visited (percentageOfNodesToScore and the round-robin start), the same verdicts
recorded — a node the mask rejects gets its verdicts from the reference `filter` methods, so the
reasons are the plugins' own words — the same scores and the same random tie-break.

The Decision's tables (filter_results, scores, raw and normalized scores) are kept as arrays
until something reads them: building 500 dicts per pod would cost more than deciding.
"""
from __future__ import annotations

import numpy as np

from .framework import ERROR, OK, CycleState, NodeInfo
from .node_table import NodeTable

ENABLED = True  # False: every plugin asks node by node (tests compare both ways)
DISAGREEMENTS: list[tuple[str, str]] = []  # (pod, node) where a filter_mask said no and its filter yes


class Columns:
    """What the column path found, turned into the Decision's dicts on first read."""

    def __init__(self, table: NodeTable, visited: np.ndarray, failed: dict[int, dict], ok: dict, rows: np.ndarray):
        self.names, self.visited, self.failed, self.ok = table.names, visited, failed, ok
        self.rows = rows  # the feasible rows
        self.scored = False
        self.plugins: list[tuple[str, int, np.ndarray, np.ndarray]] = []  # (name, weight, raw, normalized)

    def expand(self, decision) -> None:
        names, failed, ok = self.names, self.failed, self.ok
        decision._filter_results = {names[row]: failed.get(row, ok) for row in self.visited.tolist()}
        if not self.scored:
            return
        feasible = [names[row] for row in self.rows.tolist()]
        decision._raw_scores = {name: dict(zip(feasible, raw.tolist())) for name, _, raw, _ in self.plugins}
        decision._normalized_scores = {name: dict(zip(feasible, normalized.tolist()))
                                       for name, _, _, normalized in self.plugins}
        weighted = [(name, (normalized * weight).tolist()) for name, weight, _, normalized in self.plugins]
        decision._scores = {node: {name: values[i] for name, values in weighted} for i, node in enumerate(feasible)}


def find_feasible(framework, state: CycleState, pod: dict, table: NodeTable, plugins: list, start: int,
                  wanted: int, decision) -> list[NodeInfo] | None:
    """The feasible nodes from `start` until `wanted` were found, or None: decide node by node."""
    size = len(table)
    mask = np.ones(size, bool)
    try:
        for plugin in plugins:
            answer = plugin.filter_mask(state, pod, table)
            if answer is None:
                return None
            mask &= answer
    except Exception:  # noqa: BLE001  (the node-by-node path reports the plugin's error as upstream)
        return None
    order = np.concatenate((np.arange(start, size), np.arange(0, start)))
    hits = np.flatnonzero(mask[order])
    if len(hits) >= wanted:
        hits = hits[:wanted]
        visited = order[:hits[-1] + 1]
    else:
        visited = order
    rows = order[hits]
    infos = table.infos
    failed: dict[int, dict] = {}
    for row in np.flatnonzero(~mask[visited]).tolist():
        row = int(visited[row])
        verdicts = framework.run_filter_plugins(state, pod, infos[row], plugins)
        outcome = next((status for status in verdicts.values() if not status.is_success()), None)
        if outcome is None:  # a mask rejected a node its plugin accepts: a bug; the reference decides
            DISAGREEMENTS.append((decision.pod, table.names[row]))
            return None
        if outcome.code == ERROR:
            return None  # a plugin failed: the node-by-node path reports it as upstream
        failed[row] = verdicts
    ok = {plugin.name: OK for plugin in plugins}
    decision._columns = Columns(table, visited, failed, ok, rows)
    decision.processed, decision.by_columns = len(visited), True
    return [infos[row] for row in rows.tolist()]


def score(framework, state: CycleState, pod: dict, table: NodeTable, decision, rng) -> bool:
    """Score the feasible rows and choose; False: let the node-by-node path do it instead."""
    columns: Columns = decision._columns
    rows = columns.rows
    infos = table.infos
    skipped = state.get("__skip_score__", set())
    found = []
    totals = np.zeros(len(rows), np.int64)
    try:
        for plugin in framework.score_plugins:
            if plugin.name in skipped:
                continue
            raw = plugin.score_array(state, pod, table, rows)
            if raw is None:
                raw = np.array([plugin.score(state, pod, infos[row]) for row in rows.tolist()], np.int64)
            normalized = plugin.normalize_array(state, pod, raw)
            if normalized is None:
                names = [table.names[row] for row in rows.tolist()]
                by_node = plugin.normalize_score(state, pod, dict(zip(names, raw.tolist())))
                normalized = np.array([by_node[name] for name in names], np.int64)
            weight = framework.weights.get(plugin.name, 1)
            totals += normalized * weight
            found.append((plugin.name, weight, raw, normalized))
    except Exception:  # noqa: BLE001  (the node-by-node path reports the plugin's error as upstream)
        return False
    columns.plugins, columns.scored = found, True
    ties = np.sort(rows[totals == totals.max()])  # rows are in name order: select_host's sorted names
    decision.node_name = table.names[int(ties[rng.randrange(len(ties))])]  # (rng.choice draws the same)
    return True
