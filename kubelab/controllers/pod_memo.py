"""What a Service's sync derives from each of its pods, remembered per pod version.

The Endpoints and EndpointSlice controllers rebuild a Service's whole list at each sync, as
upstream's do, and a Service is synced at each change of one of its pods: a Service of 300
pods derived 300 addresses (ports resolved, IPs parsed, Ready times read) at each of about
600 syncs while its pods started — most of a settling cluster's CPU once Services existed.

Invariant: an informer never changes a cached object in place; a new version is a new object
(objects/frozen.py refuses a change loudly). So a value derived from the very same pod object,
in the same `context` (whatever else it read: the Service; for slices, which zone each node
is in), is still the right value, and only the pods that changed since the last sync are
derived again. Finding them costs no Python per pod: the pod list is usually the last one
with a few objects replaced, so the two lists are compared object by object in C (by id when
pods came or went); a new context derives everything again.

`derive` is the only way in; the derivation itself stays the readable function each
controller passes (endpoints.offered_by, EndpointSliceController.pod_entry).
"""
from __future__ import annotations

from itertools import compress, repeat
from operator import is_, is_not
from typing import Callable

_UNKNOWN = object()   # no value remembered for this pod object
SHIFTED = 8           # more pods than this changed at their place: maybe shifted, match by identity


class PodMemo:
    """Per scope (a Service key): the context, the pods and the values derived from them."""

    def __init__(self):
        self.scopes: dict[str, tuple[tuple, list[dict], list]] = {}

    def derive(self, scope: str, pods: list[dict], context: tuple, compute: Callable[[dict], object]) -> list:
        """[compute(pod) for pod in pods], reusing the value of a pod object seen at the last
        call in the same context. Only this call's pods are kept: a pod that left is forgotten."""
        last = self.scopes.get(scope)
        if last is None or last[0] != context:
            values = [compute(pod) for pod in pods]
        else:
            _, old_pods, old_values = last
            values, changed = None, []
            if len(old_pods) == len(pods):   # the usual case: a few pods replaced in place
                changed = list(compress(range(len(pods)), map(is_not, pods, old_pods)))
                values = list(old_values) if len(changed) <= SHIFTED else None
            if values is None:               # pods came or went: match the rest by identity
                known = dict(zip(map(id, old_pods), old_values))   # old_pods alive: ids are theirs
                values = list(map(known.get, map(id, pods), repeat(_UNKNOWN)))
                changed = list(compress(range(len(pods)), map(is_, values, repeat(_UNKNOWN))))
            for index in changed:
                values[index] = compute(pods[index])
        self.scopes[scope] = (context, pods, values)
        return values

    def forget(self, scope: str) -> None:
        self.scopes.pop(scope, None)

    def clear(self) -> None:
        """Everything derived again at the next sync (something every value read has changed)."""
        self.scopes.clear()
