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
recorded — a node the masks reject passed every filter before the first mask that says no, and
that plugin's status is its `filter_statuses` (the reasons worked out from the columns) or, for a
plugin without one, its reference `filter` asked of that node — the same scores and the same
random tie-break.

The Decision's tables (filter_results, scores, raw and normalized scores) are kept as arrays
until something reads them: building 500 dicts per pod would cost more than deciding.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .framework import ERROR, OK, CycleState, NodeInfo, Status
from .node_table import NodeTable, is_constant

ENABLED = True  # False: every plugin asks node by node (tests compare both ways)
DISAGREEMENTS: list[tuple[str, str]] = []  # (pod, node) where a filter_mask said no and its filter yes


class Columns:
    """What the column path found, turned into the Decision's dicts on first read."""

    def __init__(self, table: NodeTable, visit: tuple[int, int], rejected: "Rejections", plugins: list,
                 rows: np.ndarray):
        self.names, self.visit, self.rows = table.names, visit, rows  # rows: the feasible rows
        self.rejected = rejected          # each rejected row: the first filter that rejects it, its status
        self.filters = [plugin.name for plugin in plugins]
        self.scored = False
        self.wrapped = False              # the visit went past the last row and on from row 0
        self.plugins: list[tuple[str, int, np.ndarray, np.ndarray]] = []  # (name, weight, raw, normalized)

    def expand(self, decision) -> None:
        names, rejected, filters = self.names, self.rejected.by_row(), self.filters
        ok = dict.fromkeys(filters, OK)
        passed = [{name: OK for name in filters[:index]} for index in range(len(filters))]
        results = {}
        for row in visited_rows(*self.visit, len(names)).tolist():
            found = rejected.get(row)
            if found is None:
                results[names[row]] = ok
            else:  # the filters before the one that rejects it passed; the run stopped there
                index, status = found
                results[names[row]] = {**passed[index], filters[index]: status}
        decision._filter_results = results
        if not self.scored:
            return
        feasible = [names[row] for row in self.rows.tolist()]
        decision._raw_scores = {name: dict(zip(feasible, raw.tolist())) for name, _, raw, _ in self.plugins}
        decision._normalized_scores = {name: dict(zip(feasible, normalized.tolist()))
                                       for name, _, _, normalized in self.plugins}
        weighted = [(name, (normalized * weight).tolist()) for name, weight, _, normalized in self.plugins]
        decision._scores = {node: {name: values[i] for name, values in weighted} for i, node in enumerate(feasible)}


def visited_rows(start: int, count: int, size: int) -> np.ndarray:
    """The rows a search from `start` visits when it stops after `count` of them (wrapping round)."""
    rows = np.arange(start, start + count)
    return rows % size if start + count > size else rows


def find_feasible(framework, state: CycleState, pod: dict, table: NodeTable, plugins: list, start: int,
                  wanted: int, decision) -> "Sequence[NodeInfo] | None":
    """The feasible nodes from `start` until `wanted` were found, or None: decide node by node."""
    size = len(table)
    mask = everywhere = table.everywhere
    masks = []
    try:
        for plugin in plugins:
            answer = plugin.filter_mask(state, pod, table)
            if answer is None:
                return None
            masks.append(answer)
            if answer is not everywhere:  # (masks are only read: a plugin's own array is never written)
                mask = answer if mask is everywhere else mask & answer
    except Exception:  # noqa: BLE001  (the node-by-node path reports the plugin's error as upstream)
        return None
    # the feasible rows in visiting order: from `start` to the end, then from 0 (round robin); most
    # rows usually pass, so look at the first `wanted` rows, then a window a little past them
    if start + wanted <= size and (mask is everywhere or np.count_nonzero(mask[start:start + wanted]) == wanted):
        rows = np.arange(start, start + wanted)
    else:
        window = start + 2 * wanted + 64
        rows = mask[start:window].nonzero()[0] + start
        if len(rows) < wanted and window < size:
            rows = mask[start:].nonzero()[0] + start
    if len(rows) >= wanted:
        rows = rows[:wanted]
        count = int(rows[-1]) - start + 1
    elif start:
        wrapped = mask[:start].nonzero()[0]
        if len(rows) + len(wrapped) >= wanted:
            wrapped = wrapped[:wanted - len(rows)]
            count = size - start + int(wrapped[-1]) + 1
        else:
            count = size
        rows = np.concatenate((rows, wrapped))
    else:
        count = size
    rejected = Rejections()
    if len(rows) < count:  # some visited rows were rejected: by which filter, and why
        visited = visited_rows(start, count, size)
        rejected = _rejections(state, pod, table, plugins, masks, visited[~mask[visited]], decision)
        if rejected is None:
            return None
    decision._columns = Columns(table, (start, count), rejected, plugins, rows)
    decision._columns.wrapped = start + count > size   # (rows then are not in ascending order)
    decision.processed, decision.by_columns = count, True
    return FeasibleNodes(table.infos, rows)


class FeasibleNodes(Sequence):
    """The feasible rows' NodeInfos, as a list would give them, looked up only if someone walks them
    (most PreScore plugins only ask how many; the column path scores the rows themselves)."""

    def __init__(self, infos: list[NodeInfo], rows: np.ndarray):
        self.infos, self.rows = infos, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.infos[row] for row in self.rows[index].tolist()]
        return self.infos[int(self.rows[index])]

    def __iter__(self):
        infos = self.infos
        return (infos[row] for row in self.rows.tolist())


def _rejections(state: CycleState, pod: dict, table: NodeTable, plugins: list, masks: list,
                rejected_rows: np.ndarray, decision) -> "Rejections | None":
    """For each rejected row, the first filter that rejects it and the status its `filter` gives
    (from the plugin's `filter_statuses` when it has one, else asked of that plugin alone)."""
    found = Rejections()
    remaining = rejected_rows
    for index, (plugin, answer) in enumerate(zip(plugins, masks)):
        if not len(remaining):
            break
        here = ~answer[remaining]
        if not here.any():
            continue
        chosen, remaining = remaining[here], remaining[~here]
        rows = chosen.tolist()
        try:
            statuses = plugin.filter_statuses(state, pod, table, chosen)
            if statuses is None:
                infos = table.infos
                statuses = [plugin.filter(state, pod, infos[row]) for row in rows]
        except Exception:  # noqa: BLE001  (the node-by-node path reports the plugin's error as upstream)
            return None
        for status in {id(status): status for status in statuses}.values():  # (a few distinct ones)
            if status.is_success():  # a mask rejected a node its plugin accepts: a bug; the reference decides
                DISAGREEMENTS.append((decision.pod, table.names[rows[statuses.index(status)]]))
                return None
            if status.code == ERROR:
                return None  # a plugin failed: the node-by-node path reports it as upstream
        found.rows += rows
        found.filters += [index] * len(rows)
        found.statuses += statuses
    return found


class Rejections:
    """The rejected rows, the index of the filter that rejected each, and its status (parallel lists)."""

    def __init__(self):
        self.rows: list[int] = []
        self.filters: list[int] = []
        self.statuses: list[Status] = []

    def by_row(self) -> dict[int, tuple[int, Status]]:
        return dict(zip(self.rows, zip(self.filters, self.statuses)))


def score(framework, state: CycleState, pod: dict, table: NodeTable, decision, rng) -> bool:
    """Score the feasible rows and choose; False: let the node-by-node path do it instead."""
    columns: Columns = decision._columns
    rows = columns.rows
    infos = table.infos
    skipped = state.get("__skip_score__", set())
    found = []
    totals = None   # Σ weight × normalized, leaving out the plugins that give every row the same
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
            found.append((plugin.name, weight, raw, normalized))
            if is_constant(normalized):
                continue  # (the same for every row: it changes no total's rank)
            weighted = normalized * weight if weight != 1 else normalized
            totals = weighted if totals is None else totals + weighted
    except Exception:  # noqa: BLE001  (the node-by-node path reports the plugin's error as upstream)
        return False
    columns.plugins, columns.scored = found, True
    # rows are in name order: select_host's sorted names
    ties = rows if totals is None else rows[totals == totals.max()]
    if columns.wrapped:
        ties = np.sort(ties)
    decision.node_name = table.names[int(ties[rng.randrange(len(ties))])]  # (rng.choice draws the same)
    return True
