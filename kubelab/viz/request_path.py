"""One request's way through the API server, drawn from its record.

    viz.request_path(cluster.apiserver.chain.records[-1])

    client ─▶ authentication ─▶ authorization ─▶ admission ─▶ validation ─▶ store
               user, groups      the rule that    each plugin    the kind's    resourceVersion
                                 allowed it       by name        rules

Each box is one step of `handler_chain.RequestRecord.steps`, as the step recorded itself:
green when the request passed it, red (and the end of the road) when the step refused it,
grey when the step does not apply (a read is neither admitted nor validated). The admission
plugins that ran share one box, one line each. A refusal's whole message is in the last box,
the Status sent back, wrapped but never cut.
"""
from __future__ import annotations

import textwrap

from .render import Diagram
from .style import MUTED, html_label, new_digraph

PASSED, REFUSED, SKIPPED = "#d9ead3", "#f4cccc", "#eeeeee"
_FILL = {"passed": PASSED, "refused": REFUSED, "skipped": SKIPPED}
_PLUGIN = "admission: "


def request_path(record) -> Diagram:
    """The steps of one request (a handler_chain.RequestRecord), left to right."""
    graph = new_digraph("request_path", rankdir="LR")
    target = f"{record.resource}{'/' + record.subresource if record.subresource else ''}"
    where = f"{record.namespace}/" if record.namespace else ""
    graph.node("client", html_label(record.user or "(no user yet)", f"{record.verb} {target} {where}{record.name}"),
               shape="box", style="rounded,dashed")
    previous = "client"
    for index, (title, outcome, details, refusal) in enumerate(_boxes(record.steps)):
        name = f"step{index}"
        graph.node(name, html_label(title, outcome, *details), fillcolor=_FILL.get(outcome, "white"))
        graph.edge(previous, name, color=MUTED if outcome == "skipped" else None)
        previous = name
        if outcome == "refused":
            graph.node("answer", html_label(f"{record.code}", "sent back to the client", *_wrap(refusal, 56)),
                       fillcolor=REFUSED, shape="box")
            graph.edge(name, "answer")
            break
    refused = record.refused_at
    summary = f"{record.verb} {target}: " + (f"refused at {refused} ({record.code})" if refused else "served")
    return Diagram(graph.source, summary)


def _boxes(steps) -> list[tuple[str, str, list[str], str]]:
    """(title, outcome, detail lines, refusal message) per box; consecutive plugins share one."""
    boxes: list[tuple[str, str, list[str], str]] = []
    for step in steps:
        if step.name.startswith(_PLUGIN):
            line = f"{step.name[len(_PLUGIN):]}: {step.outcome if step.outcome == 'refused' else step.detail}"
            if boxes and boxes[-1][0] == "admission" and boxes[-1][1] == "passed" and boxes[-1][2]:
                title, _, lines, _ = boxes.pop()
                boxes.append((title, step.outcome, lines + [line], step.detail))
            else:
                boxes.append(("admission", step.outcome, [line], step.detail))
        elif step.outcome == "refused":
            code = step.detail.split(":", 1)[0]   # "422 Invalid"; the message goes in the answer's box
            boxes.append((step.name, step.outcome, [code], step.detail))
        else:
            boxes.append((step.name, step.outcome, _wrap(step.detail, 38), ""))
    return boxes


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, broken only at spaces, so nothing is lost or split."""
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) if text else []
