"""`kubectl get --sort-by=.metadata.creationTimestamp`: order objects by one field.

The field is a JSONPath (`.status.containerStatuses[0].restartCount`, braces optional).
Values compare as kubectl compares them: numbers by value, timestamps by time, other strings
in natural order (`pod-2` before `pod-10`). Objects without the field come first, and equal
ones keep the server's order.

Left out: JSONPath filters, wildcards and slices.
"""
from __future__ import annotations

import re

from kubelab.objects.timefmt import parse

from .errors import KubectlError

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def sort_objects(objects: list[dict], expression: str) -> list[dict]:
    """`objects` ordered by the field `expression` names."""
    path = expression.strip()
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1]
    if not path.startswith("."):
        raise KubectlError(f'error: unexpected path string, expected a \'name1.name2\' or \'.name1.name2\' '
                           f'or \'{{name1.name2}}\' or \'{{.name1.name2}}\'')
    steps = [(name, int(index) if index else None) for name, index in _STEP.findall(path)]
    return sorted(objects, key=lambda obj: _sort_key(_value(obj, steps)))


def _value(obj, steps):
    node = obj
    for name, index in steps:
        if index is not None:
            node = node[index] if isinstance(node, list) and index < len(node) else None
        else:
            node = node.get(name) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def _sort_key(value):
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (1, value)
    text = str(value)
    if _TIMESTAMP.match(text):
        return (2, parse(text))
    chunks = re.findall(r"\d+|\D+", text)
    return (3, [(0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk) for chunk in chunks])
