"""The building blocks every `kubectl describe` shares: indented lines, label lists, events.

A description is written as lines at indentation levels (two spaces each) with tabs between
a field and its value; at the end a tabwriter (padding 2) lines the values up, block by
block. So `Name:\tweb` and `Namespace:\tdefault` come out as

    Name:         web
    Namespace:    default

The sections here appear in most descriptions: Labels and Annotations (one per line, sorted;
kubectl hides its own last-applied-configuration annotation and shortens values over 140
characters), taints and tolerations, and the Events table at the end, which lists the events
whose involvedObject is the described object, oldest first.
"""
from __future__ import annotations

from kubelab.client import ApiError
from kubelab.objects.timefmt import parse

from .tabwriter import tabwrite
from .timestamps import since

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LENGTH = 140


class Writer:
    """Collects a description; `str()` aligns it (Go's tabwriter: min width 0, padding 2)."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def write(self, level: int, text: str) -> None:
        self._parts.append("  " * level + text)

    def line(self, level: int, text: str) -> None:
        self.write(level, text + "\n")

    def unaligned(self) -> str:
        """The lines as written, tabs kept (how `kubectl rollout history --revision` prints a template)."""
        return "".join(self._parts)

    def __str__(self) -> str:
        return tabwrite("".join(self._parts), minwidth=0, padding=2)


def labels_multiline(w: Writer, title: str, labels: dict | None, indent: str = "") -> None:
    """`Labels:  a=1` then `         b=2` under it; `<none>` when empty."""
    w.write(0, f"{indent}{title}:\t")
    if not labels:
        w.write(0, "<none>\n")
        return
    for index, key in enumerate(sorted(labels)):
        if index:
            w.write(0, f"{indent}\t")
        w.write(0, f"{key}={labels[key]}\n")


def annotations_multiline(w: Writer, title: str, annotations: dict | None) -> None:
    w.write(0, f"{title}:\t")
    keys = sorted(key for key in (annotations or {}) if key != LAST_APPLIED)
    if not keys:
        w.write(0, "<none>\n")
        return
    for index, key in enumerate(keys):
        if index:
            w.write(0, "\t")
        value = annotations[key].removesuffix("\n")
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LENGTH or "\n" in value:
            w.write(0, f"{key}:\n")
            for part in value.split("\n"):
                shortened = part if len(part) <= MAX_ANNOTATION_LENGTH - 2 \
                    else part[:MAX_ANNOTATION_LENGTH - 2] + "..."
                w.write(0, f"\t  {shortened}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def taints_multiline(w: Writer, title: str, taints: list[dict] | None) -> None:
    w.write(0, f"{title}:\t")
    if not taints:
        w.write(0, "<none>\n")
        return
    ordered = sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")
    for index, taint in enumerate(ordered):
        if index:
            w.write(0, "\t")
        value = f"={taint['value']}" if taint.get("value") else ""
        w.write(0, f"{taint.get('key', '')}{value}:{taint.get('effect', '')}\n")


def tolerations_multiline(w: Writer, title: str, tolerations: list[dict] | None, indent: str = "") -> None:
    w.write(0, f"{indent}{title}:\t")
    if not tolerations:
        w.write(0, "<none>\n")
        return
    for index, toleration in enumerate(sorted(tolerations, key=lambda t: t.get("key", ""))):
        if index:
            w.write(0, f"{indent}\t")
        key, value, effect = toleration.get("key", ""), toleration.get("value", ""), toleration.get("effect", "")
        text = key + (f"={value}" if value else "") + (f":{effect}" if effect else "")
        if toleration.get("operator") == "Exists" and not value:
            text += " op=Exists" if key or effect else "op=Exists"
        if toleration.get("tolerationSeconds") is not None:
            text += f" for {toleration['tolerationSeconds']}s"
        w.write(0, text + "\n")


def search_events(client, obj: dict, kind: str | None, extra_uids: tuple[str, ...] = ()) -> list[dict]:
    """Events about `obj`: by involvedObject name and namespace, then uid (and kind, if given)."""
    metadata = obj.get("metadata", {})
    name, namespace = metadata.get("name", ""), metadata.get("namespace", "")
    try:
        listed = client.list("events", namespace or None, field_selector=f"involvedObject.name={name}")
    except ApiError:
        return []
    uids = {metadata.get("uid", ""), *extra_uids}
    found = []
    for event in listed.get("items") or []:
        involved = event.get("involvedObject") or {}
        if involved.get("name") != name or (involved.get("namespace") or "") != namespace:
            continue
        if involved.get("uid") and metadata.get("uid") and involved["uid"] not in uids:
            continue
        if kind and involved.get("kind") and involved["kind"] != kind:
            continue
        found.append(event)
    return found


def events_section(w: Writer, events: list[dict], now: float) -> None:
    """The Events table: Type, Reason, Age (`5s (x3 over 2m)`), From, Message."""
    if not events:
        w.line(0, "Events:\t<none>")
        return
    w.line(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage")
    w.line(1, "----\t------\t----\t----\t-------")
    for event in sorted(events, key=lambda e: parse(e["lastTimestamp"]) if e.get("lastTimestamp") else 0):
        first = since(event.get("eventTime"), now) if event.get("eventTime") \
            else since(event.get("firstTimestamp"), now)
        series = event.get("series")
        if series:
            age = f"{since(series.get('lastObservedTime'), now)} (x{series.get('count', 0)} over {first})"
        elif (event.get("count") or 0) > 1:
            age = f"{since(event.get('lastTimestamp'), now)} (x{event['count']} over {first})"
        else:
            age = first
        source = (event.get("source") or {}).get("component") or event.get("reportingComponent") or ""
        w.line(1, f"{event.get('type', '')}\t{event.get('reason', '')}\t{age}\t{source}\t"
                  f"{(event.get('message') or '').strip()}")
