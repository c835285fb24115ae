"""`kubectl describe` of a kind without a describer of its own (a custom kind, a CRD, a Lease).

Upstream's generic describer (kubectl/pkg/describe: GenericDescriberFor) prints the usual
header, then every other field of the object as nested `Key:  value` lines, each field name
turned from camelCase into words ("creationTimestamp" -> "Creation Timestamp"), lists as
`item` blocks, then the object's events.
"""
from __future__ import annotations

import re

from .describe_writer import Writer, annotations_multiline, events_section, labels_multiline

_SKIPPED_METADATA = ("name", "namespace", "labels", "annotations", "managedFields")


def _words(key: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key)
    return spaced[:1].upper() + spaced[1:]


def _field(w: Writer, level: int, key: str, value) -> None:
    if isinstance(value, dict):
        w.line(level, f"{_words(key)}:")
        for child_key, child in value.items():
            _field(w, level + 1, child_key, child)
    elif isinstance(value, list):
        w.line(level, f"{_words(key)}:")
        for item in value:
            if isinstance(item, dict):
                first = True
                for child_key, child in item.items():
                    if first and not isinstance(child, (dict, list)):
                        w.line(level + 1, f"{_words(child_key)}:\t{_scalar(child)}")
                    else:
                        _field(w, level + 1, child_key, child)
                    first = False
            else:
                w.line(level + 1, _scalar(item))
    else:
        w.line(level, f"{_words(key)}:\t{_scalar(value)}")


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def describe_generic(client, obj: dict, events: list[dict] | None, now: float) -> str:
    metadata = obj.get("metadata") or {}
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    if metadata.get("namespace"):
        w.line(0, f"Namespace:\t{metadata['namespace']}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    w.line(0, f"API Version:\t{obj.get('apiVersion', '')}")
    w.line(0, f"Kind:\t{obj.get('kind', '')}")
    rest = {k: v for k, v in metadata.items() if k not in _SKIPPED_METADATA}
    if rest:
        _field(w, 0, "metadata", rest)
    for key, value in obj.items():
        if key not in ("apiVersion", "kind", "metadata"):
            _field(w, 0, key, value)
    if events is not None:
        events_section(w, events, now)
    return str(w)
