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


def scheduling_widget(scheduler):
    """Pick one of the scheduler's recent decisions: its table, then its nodes coloured by verdict."""
    import html

    import ipywidgets
    from IPython.display import display

    decisions = list(scheduler.decisions)
    if not decisions:
        raise ValueError("scheduling_widget: the scheduler has made no decision yet")
    labels = [f"{index}: {decision.pod} → {decision.node_name or 'none'}" for index, decision in enumerate(decisions)]
    choice = ipywidgets.Dropdown(options=list(zip(labels, range(len(decisions)))), value=len(decisions) - 1,
                                 description="decision")
    output = ipywidgets.Output()

    def redraw(change=None) -> None:
        decision = decisions[choice.value]
        rows = scheduling_table(decision)
        columns = list(rows[0]) if rows else []
        table = "<table><tr>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in columns) + "</tr>" + "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(row[c]))}</td>" for c in columns) + "</tr>" for row in rows) + \
            "</table>"
        output.clear_output(wait=True)
        with output:
            display(ipywidgets.HTML(table))
            display(scheduling(decision))

    choice.observe(redraw, names="value")
    redraw()
    return ipywidgets.VBox([choice, output])
