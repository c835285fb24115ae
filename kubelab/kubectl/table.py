"""One resource's objects as a `kubectl get` table: headers, decorations, padding.

The cells come from the API server's printers (kubelab.api.printers.TABLES); this file adds what kubectl's table printer adds on the
client side, in the same order: a NAMESPACE column first with `-A`, the kind in front of the
name (`pod/web-1`) when several resource types print together, a LABELS column last with
`--show-labels`. Headers are upstream's column names in capitals (as kubectl prints a Table); a table with no rows prints
nothing at all, not even its headers.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..api.printers.table import CUSTOM_TABLES

from .printers import NAME_COLUMN, TABLES, format_labels
from .resources import ResourceType
from .tabwriter import get_table


@dataclass(frozen=True)
class TableOptions:
    wide: bool = False
    with_namespace: bool = False   # -A: a NAMESPACE column first
    with_kind: bool = False        # several types requested: NAME cells read `kind/name`
    show_labels: bool = False
    no_headers: bool = False


def render(resource: ResourceType, objects: list[dict], now: float, options: TableOptions) -> str:
    """The table text, or "" when there are no objects."""
    if not objects:
        return ""
    columns, row_of = TABLES.get(resource.plural) or _generic_table(resource)
    keep = [index for index, (_, wide_only) in enumerate(columns) if options.wide or not wide_only]
    with_namespace = options.with_namespace
    headers = [columns[index][0].upper() for index in keep]
    rows = []
    for obj in objects:
        cells = row_of(obj, now)
        if options.with_kind:
            name_index = NAME_COLUMN.get(resource.plural, 0)
            cells[name_index] = f"{resource.kind_prefix}/{cells[name_index]}"
        cells = [cells[index] for index in keep]
        if with_namespace:
            cells.insert(0, obj.get("metadata", {}).get("namespace", ""))
        if options.show_labels:
            cells.append(format_labels(obj.get("metadata", {}).get("labels")))
        rows.append(cells)
    if with_namespace:
        headers.insert(0, "NAMESPACE")
    if options.show_labels:
        headers.append("LABELS")
    return get_table(rows if options.no_headers else [headers] + rows)


def _generic_table(resource: ResourceType):
    """A kind without a table of its own: its CRD's printer columns when this process's API server
    has them (in-process), else the server's default columns, Name and Created At."""
    strategy = CUSTOM_TABLES.get(resource.plural)
    if strategy is not None:
        columns = [(column["name"], column.get("priority", 0) > 0) for column in strategy.table_columns()]
        return columns, lambda obj, now: [_cell(cell) for cell in strategy.table_row(obj, now)]
    return [("Name", False), ("Created At", False)], \
        lambda obj, now: [obj["metadata"].get("name", ""), obj["metadata"].get("creationTimestamp", "")]


def _cell(value) -> str:
    if value is None:
        return "<none>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
