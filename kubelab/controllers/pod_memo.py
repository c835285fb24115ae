"""What a Service's sync derives from each of its pods, remembered per pod version.

The Endpoints and EndpointSlice controllers rebuild a Service's whole list at each sync, as
upstream's do, and a Service is synced at each change of one of its pods: a Service of 300
pods derived 300 addresses (ports resolved, IPs parsed, Ready times read) at each of about
600 syncs while its pods started — most of a settling cluster's CPU once Services existed.

Invariant: an informer never changes a cached object in place; a new version is a new object
(objects/frozen.py refuses a change loudly). So a value derived from the same input objects
— the pod, and whatever else it read (its Service, its Node) — is still the right value, and
only the pods that changed since the last sync are derived again. Inputs are compared as a
tuple: the very same objects compare at once, a new object with the same content gives the
same value too.

`derive` is the only way in; the derivation itself stays the readable function each
controller passes (endpoints.offered_by, endpointslice's pod_to_endpoint).
"""
from __future__ import annotations

from typing import Callable


class PodMemo:
    """Per scope (a Service key) and pod uid: (the inputs, the value derived from them)."""

    def __init__(self):
        self.scopes: dict[str, dict[str, tuple[tuple, object]]] = {}

    def derive(self, scope: str, pods: list[dict], inputs_of: Callable[[dict], tuple],
               compute: Callable[[dict], object]) -> list:
        """[compute(pod) for pod in pods], reusing a pod's value while inputs_of(pod) is unchanged.
        Only this call's pods are kept: a pod that left the scope is forgotten."""
        old = self.scopes.get(scope) or {}
        kept: dict[str, tuple[tuple, object]] = {}
        values = []
        for pod in pods:
            inputs = inputs_of(pod)
            uid = pod["metadata"].get("uid", "")
            entry = old.get(uid)
            value = entry[1] if entry is not None and entry[0] == inputs else compute(pod)
            kept[uid] = (inputs, value)
            values.append(value)
        self.scopes[scope] = kept
        return values

    def forget(self, scope: str) -> None:
        self.scopes.pop(scope, None)
