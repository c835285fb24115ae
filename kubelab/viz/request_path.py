"""One request's way through the API server, drawn from its record.

    viz.request_path(cluster.apiserver.chain.records[-1])

    client ─▶ authentication ─▶ authorization ─▶ admission ─▶ validation ─▶ store
               user, groups      the rule that      (skipped for a read)      resourceVersion
                                 allowed it

Each box is one step of `handler_chain.RequestRecord.steps`: green when the request passed
it, red (and the end of the road, with the Status code) when the step refused it, grey when
the step does not apply (a read is neither admitted nor validated).
"""
from __future__ import annotations

import textwrap

from .render import Diagram
from .style import MUTED, html_label, new_digraph

PASSED, REFUSED, SKIPPED = "#d9ead3", "#f4cccc", "#eeeeee"
_FILL = {"passed": PASSED, "refused": REFUSED, "skipped": SKIPPED}


def request_path(record) -> Diagram:
    """The steps of one request (a handler_chain.RequestRecord), left to right."""
    graph = new_digraph("request_path", rankdir="LR")
    target = f"{record.resource}{'/' + record.subresource if record.subresource else ''}"
    where = f"{record.namespace}/" if record.namespace else ""
    graph.node("client", html_label(record.user or "(no user yet)", f"{record.verb} {target} {where}{record.name}"),
               shape="box", style="rounded,dashed")
    previous = "client"
    for index, step in enumerate(record.steps):
        name = f"step{index}"
        details = textwrap.wrap(step.detail, 38)[:3] if step.detail else []
        graph.node(name, html_label(step.name, step.outcome, *details), fillcolor=_FILL.get(step.outcome, "white"))
        graph.edge(previous, name, color=MUTED if step.outcome == "skipped" else None)
        previous = name
        if step.outcome == "refused":
            graph.node("answer", html_label(f"{record.code}", "sent back to the client"), fillcolor=REFUSED,
                       shape="box")
            graph.edge(name, "answer")
            break
    refused = record.refused_at
    summary = f"{record.verb} {target}: " + (f"refused at {refused} ({record.code})" if refused else "served")
    return Diagram(graph.source, summary)
