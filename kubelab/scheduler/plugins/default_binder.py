"""DefaultBinder: write the decision — POST pods/<name>/binding — and nothing else.

Extension points: Bind.

The whole output of the scheduler is this one write per pod: a Binding object naming the node
(`{"target": {"kind": "Node", "name": "node-2"}}`), which the API server turns into
spec.nodeName (only if it is still empty: two schedulers can't both win). An error comes back
as an Error status; the scheduler forgets the assumed pod and retries it after its backoff.
"""
from __future__ import annotations

from ...client import ApiError
from ..framework import ERROR, OK, BindPlugin, CycleState, Status

Name = "DefaultBinder"


class DefaultBinder(BindPlugin):
    name = Name

    def __init__(self, handle):
        self.handle = handle

    def events_to_register(self):
        return []

    def bind(self, state: CycleState, pod: dict, node_name: str) -> Status:
        try:
            self.handle.client.bind(pod, node_name)
        except ApiError as error:
            return Status(ERROR, (error.message,), Name)
        return OK


def new(arguments: dict | None = None, handle=None) -> DefaultBinder:
    """The plugin's factory, as the registry calls it."""
    return DefaultBinder(handle)
