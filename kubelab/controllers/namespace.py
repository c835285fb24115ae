"""The namespace controller: a deleted namespace is emptied, then finalized, then gone.

    DELETE namespace ──▶ API server: deletionTimestamp, status.phase Terminating
                         (spec.finalizers still holds "kubernetes": the namespace stays)
    namespaces ──informer──▶ enqueue ──▶ sync(name):
        not being deleted            -> nothing
        content left                 -> delete every object of every namespaced resource in it;
                                        look again in a few seconds (pods take their grace period)
        empty                        -> PUT namespaces/<name>/finalize without "kubernetes";
                                        the API server then deletes the namespace itself

Invariant: a namespace disappears only once nothing is left in it, and nothing new can
appear in it meanwhile (NamespaceLifecycle admission refuses creates in a Terminating
namespace).

Real Kubernetes discovers every namespaced resource through the discovery API (custom
resources included), deletes collections rather than objects one by one, and reports its
progress as status conditions (NamespaceContentRemaining, NamespaceFinalizersRemaining, ...);
kubelab lists the resources it serves and keeps the status to the phase.
"""
from __future__ import annotations

import copy

from ..api.resources import RESOURCES
from ..client import ApiError, Controller
from ..objects import meta

FINALIZER = "kubernetes"
RECHECK_SECONDS = 5.0   # how soon to look again while content remains (upstream estimates it)


class NamespaceController(Controller):
    name = "namespace-controller"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.namespaces = factory.informer("namespaces")
        self.namespaces.add_handlers(self.enqueue, lambda old, new: self.enqueue(new))

    def sync(self, key: str) -> None:
        namespace = self.namespaces.get(key)
        if namespace is None or not meta.is_being_deleted(namespace):
            return
        if FINALIZER not in (namespace.get("spec") or {}).get("finalizers") or []:
            return  # finalized already: the API server removes it
        remaining = self.delete_content(key)
        if remaining:
            self.queue.add_after(key, RECHECK_SECONDS)
            return
        self.finalize(namespace)

    def delete_content(self, namespace: str) -> int:
        """Delete everything in the namespace; how many objects are still there."""
        remaining = 0
        for resource in RESOURCES.values():
            if not resource.namespaced:
                continue
            for obj in self.client.list(resource.plural, namespace)["items"]:
                if meta.is_being_deleted(obj):
                    remaining += 1  # on its way (a pod's grace period, a finalizer)
                    continue
                try:
                    answer = self.client.delete(resource.plural, meta.name(obj), namespace,
                                                propagation_policy="Background")
                except ApiError as error:
                    if error.code != 404:
                        raise
                    continue
                if meta.is_being_deleted(answer):
                    remaining += 1
        return remaining

    def finalize(self, namespace: dict) -> None:
        finalized = copy.deepcopy(namespace)
        finalized["spec"]["finalizers"] = [f for f in finalized["spec"]["finalizers"] if f != FINALIZER]
        self.client.update("namespaces", finalized, subresource="finalize")
