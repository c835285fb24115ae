"""Elastic tabstops: how kubectl lines up its columns (Go's text/tabwriter).

kubectl never computes column widths itself. It writes cells separated by tabs and lets a
tabwriter pad them: `kubectl get` with minimum width 6 and padding 3 (the familiar
three-space gaps), `kubectl describe` with minimum width 0 and padding 2.

The rule, as Go implements it: a *cell* is text ended by a tab; the text after a line's last
tab is not a cell and is never padded. A *column block* is a run of consecutive lines that
all have a cell in that column; every cell of the block is padded to the block's widest cell
plus the padding. A line with fewer cells ends the block, so the next block is measured
afresh. That is why, in `describe`, the lines under "Containers:" align among themselves but
not with "Name:" above them.

Left out: Go's escapes, right alignment and tab padding, which kubectl does not use.
"""
from __future__ import annotations


def tabwrite(text: str, *, minwidth: int, padding: int) -> str:
    """Pad the tab-separated cells of `text` into aligned columns."""
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    _format(lines, [], 0, len(lines), minwidth, padding, out)
    return "\n".join(out)


def _format(lines: list[list[str]], widths: list[int], line0: int, line1: int,
            minwidth: int, padding: int, out: list[str]) -> None:
    """Lay out lines[line0:line1], whose columns left of len(widths) are already measured."""
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        # A block of lines with a cell in `column` starts here: write what came before it.
        _write_lines(lines, widths, line0, this, out)
        line0 = this
        width = minwidth
        while this < line1 and column < len(lines[this]) - 1:
            width = max(width, len(lines[this][column]) + padding)
            this += 1
        _format(lines, widths + [width], line0, this, minwidth, padding, out)
        line0 = this
    _write_lines(lines, widths, line0, line1, out)


def _write_lines(lines: list[list[str]], widths: list[int], line0: int, line1: int,
                 out: list[str]) -> None:
    for cells in lines[line0:line1]:
        text = ""
        for index, cell in enumerate(cells):
            text += cell
            if index < len(widths) and index < len(cells) - 1:
                text += " " * (widths[index] - len(cell))
        out.append(text)


def get_table(rows: list[list[str]]) -> str:
    """Rows of cells as `kubectl get` prints them (minimum width 6, three spaces between)."""
    text = "\n".join("\t".join(row) for row in rows) + "\n"
    return tabwrite(text, minwidth=6, padding=3)
