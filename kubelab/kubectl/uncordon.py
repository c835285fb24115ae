"""`kubectl uncordon`: make a cordoned node schedulable again (cordon.py does the work).

    kubectl uncordon node-1        -> node/node-1 uncordoned
"""
from __future__ import annotations

from .cordon import set_schedulable


def uncordon(client, argv: list[str], now: float, namespace: str) -> str:
    """Run `kubectl uncordon` with `argv` (everything after "uncordon")."""
    return set_schedulable(client, argv, "uncordon", unschedulable=False)
