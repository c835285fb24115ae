"""`kubectl get -w`: the table, then one row per change, as the changes happen.

    kubectl get pods -w
    NAME                   READY   STATUS    RESTARTS   AGE
    web-7d4b9-abcde        1/1     Running   0          5m
    web-7d4b9-fghij        0/1     Pending   0          0s
    web-7d4b9-fghij        0/1     ContainerCreating   0          0s

kubectl lists, prints the table, then watches from the list's resourceVersion and prints the
object of every event as one more row (`--watch-only`: no list, the header comes with the
first event; `--output-watch-events`: an EVENT column, ADDED for what the list held). Rows
are aligned by cli-runtime's tabwriter with RememberWidths: a column only ever widens, so a
long STATUS pushes the columns after it right from that row on. AGE is worked out when the
row is printed.

In a notebook, `Cluster.kubectl("get pods -w")` runs the cluster's virtual clock a second at
a time and stops when nothing is left to do (only heartbeats remain) or after
`--request-timeout` virtual seconds (kubectl's own flag: the watch request ends then);
without a clock it prints the table once. Left out: -w with -o yaml/json, several types at once.
"""
from __future__ import annotations

from kubelab.client import ApiError

from . import flags
from .errors import KubectlError, api_error_message
from .printers import TABLES, format_labels
from .table import _generic_table

UNBOUNDED_WAIT = 600.0   # virtual seconds: a cell always ends
PADDING, MIN_WIDTH = 3, 6
# cli-runtime's formattedEventType: the EVENT cells are padded to one width
EVENT_TYPES = {"ADDED": "ADDED   ", "MODIFIED": "MODIFIED", "DELETED": "DELETED ", "ERROR": "ERROR   "}


def watch(client, targets, options: dict, namespace: str, now: float, clock) -> str:
    """Print the table, then a row per event until the watch ends."""
    if len(targets) != 1:
        raise KubectlError(f"error: watch is only supported on individual resources and resource collections, "
                           f"but {len(targets)} resources were found")
    resource, name = targets[0].resource, targets[0].name
    scope = None if options["all_namespaces"] or not resource.namespaced else namespace
    field_selector = ",".join(part for part in (options["field_selector"], name and f"metadata.name={name}") if part)
    try:
        listed = client.list(resource.plural, scope, label_selector=options["selector"] or None,
                             field_selector=field_selector or None)
    except ApiError as error:
        raise KubectlError(api_error_message(error)) from None
    columns = Columns(resource, options)
    printer = RowPrinter(columns.header(), with_header=not options["no_headers"])
    shown = ""
    if not options["watch_only"]:
        rows = [columns.row("ADDED", obj, now) for obj in listed.get("items") or []]
        if rows:
            shown += printer.print(rows)
        elif not name:
            shown += f"No resources found in {namespace} namespace.\n" if scope else "No resources found\n"
    if clock is None:
        return shown
    events: list[tuple[str, dict]] = []
    handle = client.watch(resource.plural, lambda kind, obj: events.append((kind, obj)), scope,
                          resource_version=listed.get("metadata", {}).get("resourceVersion"),
                          label_selector=options["selector"] or None, field_selector=field_selector or None)
    bounded = bool(options["request_timeout"])
    limit = flags.duration_seconds("get", "request-timeout", options["request_timeout"]) if bounded else UNBOUNDED_WAIT
    deadline = clock.now() + limit
    settles = hasattr(clock, "settle")   # the virtual clock knows when nothing is left to do
    try:
        while clock.now() < deadline:
            clock.run(min(1.0, deadline - clock.now()))
            rows = [columns.row(kind, obj, clock.now()) for kind, obj in events if kind not in ("BOOKMARK", "ERROR")]
            events.clear()
            shown += printer.print(rows)
            if settles and not bounded and not clock.pending_work():
                break
    finally:
        handle.stop()
    return shown


class Columns:
    """The table's header and one object's row, as cells (the columns `kubectl get` would print)."""

    def __init__(self, resource, options: dict):
        self.resource = resource
        self.options = options
        columns, self.row_of = TABLES.get(resource.plural) or _generic_table(resource)
        self.keep = [index for index, (_, wide_only) in enumerate(columns)
                     if options["output"] == "wide" or not wide_only]
        self.titles = [columns[index][0].upper() for index in self.keep]

    def header(self) -> list[str]:
        return (["EVENT"] if self.options["output_watch_events"] else []) + \
            (["NAMESPACE"] if self.options["all_namespaces"] else []) + self.titles + \
            (["LABELS"] if self.options["show_labels"] else [])

    def row(self, event: str, obj: dict, now: float) -> list[str]:
        cells = self.row_of(obj, now)
        return (([EVENT_TYPES.get(event, event)] if self.options["output_watch_events"] else []) +
                ([obj.get("metadata", {}).get("namespace", "")] if self.options["all_namespaces"] else []) +
                [cells[index] for index in self.keep] +
                ([format_labels(obj.get("metadata", {}).get("labels"))] if self.options["show_labels"] else []))


class RowPrinter:
    """cli-runtime's tabwriter with RememberWidths: each flush pads to the widest cell seen so far;
    the header goes out with the first rows printed."""

    def __init__(self, header: list[str], with_header: bool) -> None:
        self.header = header if with_header else None
        self.widths: list[int] = []

    def print(self, rows: list[list[str]]) -> str:
        if not rows:
            return ""
        if self.header is not None:
            rows, self.header = [self.header] + rows, None
        for row in rows:
            for index, cell in enumerate(row[:-1]):
                width = max(MIN_WIDTH, len(cell) + PADDING)
                if index < len(self.widths):
                    self.widths[index] = max(self.widths[index], width)
                else:
                    self.widths.append(width)
        return "".join("".join(cell.ljust(self.widths[index]) for index, cell in enumerate(row[:-1])) + row[-1] + "\n"
                       for row in rows)
