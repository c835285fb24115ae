"""`kubectl annotate`: add, change or remove annotations — `kubectl label`'s twin (label.py).

    kubectl annotate deploy web kubernetes.io/change-cause="image 1.27"
    kubectl annotate pod web note-

Same argument shapes, same --overwrite rule and the same merge patch, on
`metadata.annotations`; every changed object is reported "annotated".
"""
from __future__ import annotations

from .label import change_metadata


def annotate(client, argv: list[str], now: float, namespace: str) -> str:
    """Run `kubectl annotate` with `argv` (everything after "annotate")."""
    return change_metadata(client, argv, namespace, "annotation", "annotations", "annotated")
