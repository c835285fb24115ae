"""House style of kubelab's pictures: one font, rounded boxes, a small palette.

Every diagram starts from `new_digraph`, so all pictures look like one book. Labels are
Graphviz HTML-like labels (`<<b>name</b><br/>...>`): a bold title line and smaller detail
lines read better than one run of text, and `html_label` escapes what objects contain.

Colours are pale fills with dark text, so they print and survive colour-blindness; every
coloured thing also says its state in words (a pod's label carries its status).
"""
from __future__ import annotations

import html

import graphviz

FONT = "Helvetica"
TEXT = "#222222"
MUTED = "#666666"      # detail lines, "(gone)" boxes, arrows that carry no story
BORDER = "#555555"
CLUSTER_FILL = "#f5f7fa"
HIGHLIGHT_FILL = "#ffd966"
HIGHLIGHT_BORDER = "#b8860b"


def new_digraph(name: str, rankdir: str = "TB") -> graphviz.Digraph:
    """An empty directed graph in kubelab's style."""
    return graphviz.Digraph(
        name,
        graph_attr={
            "rankdir": rankdir, "fontname": FONT, "fontsize": "12", "fontcolor": TEXT,
            "nodesep": "0.3", "ranksep": "0.45", "newrank": "true",
        },
        node_attr={
            "shape": "box", "style": "rounded,filled", "fillcolor": "white", "color": BORDER,
            "fontname": FONT, "fontsize": "11", "fontcolor": TEXT, "margin": "0.12,0.06",
        },
        edge_attr={"fontname": FONT, "fontsize": "9", "fontcolor": MUTED, "color": BORDER,
                   "arrowsize": "0.7"},
    )


def html_label(title: str, *details: str, bold: bool = True, align: str = "center") -> str:
    """An HTML-like label: a title line and smaller grey detail lines, all escaped.

    align="left" suits a box's label, which sits in the box's top-left corner."""
    head = f"<b>{html.escape(title, quote=False)}</b>" if bold else html.escape(title, quote=False)
    lines = [head] + [f'<font point-size="9" color="{MUTED}">{html.escape(line, quote=False)}</font>'
                      for line in details if line]
    if align == "center":
        return "<" + "<br/>".join(lines) + ">"
    # In Graphviz, a <br align=.../> aligns the line it ends, so every line gets one.
    return "<" + "".join(f'{line}<br align="{align}"/>' for line in lines) + ">"
