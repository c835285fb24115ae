"""One scheduling decision, drawn: every node the scheduler looked at, coloured by its verdict.

    viz.scheduling(cluster.scheduler.last_decision)

    ┌ node-1 ┐  green: feasible, with its total score (the chosen one bold, double border)
    ┌ node-2 ┐  red: a filter rejected it — the plugin and its reason
    ┌ node-3 ┐  grey: not visited (percentageOfNodesToScore stopped the search before it)

The caption is the outcome; `scheduling_table(decision)` gives the same as rows for a table.
"""
from __future__ import annotations

import textwrap

from ..scheduler.explain import explain
from .render import Diagram
from .style import html_label, new_digraph

FEASIBLE, REJECTED, CHOSEN = "#d9ead3", "#f4cccc", "#b6d7a8"


def scheduling_table(decision) -> list[dict]:
    """The decision as rows (node, verdict, each plugin's raw→normalized, total, chosen)."""
    return [{key: (f"{value[0]}→{value[1]}" if isinstance(value, tuple) else value) for key, value in row.items()}
            for row in explain(decision)]


def scheduling(decision, columns: int = 4) -> Diagram:
    """The nodes of one decision, coloured by verdict, in rows of `columns`."""
    graph = new_digraph("scheduling", rankdir="TB")
    graph.attr(label=f"{decision.pod}: " + (f"→ {decision.node_name}" if decision.node_name else "no node fits"),
               labelloc="t")
    previous = None
    for index, row in enumerate(explain(decision)):
        name = f"n{index}"
        if row["verdict"] == "feasible":
            detail = "feasible" + ("" if row["total"] is None else f", total {row['total']}")
            fill = CHOSEN if row["chosen"] else FEASIBLE
        else:
            detail, fill = row["verdict"], REJECTED
        graph.node(name, html_label(row["node"], *textwrap.wrap(detail, 30)[:3]), fillcolor=fill,
                   peripheries="2" if row["chosen"] else "1")
        if previous is not None and index % columns:
            graph.edge(previous, name, style="invis")
        previous = name
    message = decision.node_name or decision.error or decision.message
    return Diagram(graph.source, f"{decision.pod}: {message}")
