"""PrioritySort: activeQ hands out the highest spec.priority first, then the pod waiting longest.

Extension points: QueueSort.

spec.priority is an integer the API server's Priority admission fills from the pod's
priorityClassName (system-node-critical is 2000001000; a pod with no class gets the global
default class's value, or 0). A scheduler has exactly one QueueSort plugin, and every profile
must use the same one, since the profiles share one queue.
"""
from __future__ import annotations

from ..framework import QueueSortPlugin

Name = "PrioritySort"


def pod_priority(pod: dict) -> int:
    return pod["spec"].get("priority") or 0


class PrioritySort(QueueSortPlugin):
    name = Name

    def events_to_register(self):
        return []

    def less(self, a, b) -> bool:
        return self.sort_key(a) < self.sort_key(b)

    def sort_key(self, info) -> tuple:
        """(-priority, when it entered the queue): a heap key giving upstream's Less order."""
        return (-pod_priority(info.pod), info.timestamp)


def new(arguments: dict | None = None, handle=None) -> PrioritySort:
    """The plugin's factory, as the registry calls it."""
    return PrioritySort()
