"""The storage-object-in-use protection controllers: a claim or volume in use is not deleted.

    PVC being deleted, with kubernetes.io/pvc-protection ──▶ any pod (not yet finished) whose
        volumes name the claim?  yes: keep the finalizer (the claim shows Terminating)
                                 no:  remove it, and the API server deletes the claim
    PV being deleted, with kubernetes.io/pv-protection   ──▶ still Bound?  keep; else remove

The StorageObjectInUseProtection admission plugin puts the finalizers on every new claim and
volume (upstream's pvc-protection-controller and pv-protection-controller, which
kube-controller-manager runs as "persistentvolumeclaim-protection" and
"persistentvolume-protection"). Invariant: a running pod never loses the claim under it.
"""
from __future__ import annotations

import copy

from ..client import Controller
from ..objects import meta, volumes


def claims_of(pod: dict) -> list[str]:
    """The claim names a pod's volumes use."""
    return [volume["persistentVolumeClaim"]["claimName"] for volume in pod.get("spec", {}).get("volumes") or []
            if (volume.get("persistentVolumeClaim") or {}).get("claimName")]


def _finished(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


class _Protection(Controller):
    resource = ""
    finalizer = ""

    def _release(self, obj: dict) -> None:
        updated = copy.deepcopy(obj)
        updated["metadata"]["finalizers"] = [f for f in obj["metadata"].get("finalizers") or [] if f != self.finalizer]
        self.client.update(self.resource, updated)


class PVCProtectionController(_Protection):
    name = "pvc-protection-controller"
    resource = "persistentvolumeclaims"
    finalizer = volumes.PVC_PROTECTION_FINALIZER

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.claims = factory.informer("persistentvolumeclaims")
        self.pods = factory.informer("pods")
        self.claims.add_handlers(self.enqueue, lambda old, new: self.enqueue(new))
        self.pods.add_handlers(on_update=lambda old, new: self._enqueue_claims(new) if _finished(new) else None,
                               on_delete=self._enqueue_claims)

    def _enqueue_claims(self, pod: dict) -> None:
        for claim in claims_of(pod):
            self.enqueue(f"{meta.namespace(pod)}/{claim}")

    def sync(self, key: str) -> None:
        claim = self.claims.get(key)
        if claim is None or not meta.is_being_deleted(claim) or \
                self.finalizer not in (claim["metadata"].get("finalizers") or []):
            return
        namespace, name = meta.split_key(key)
        if any(name in claims_of(pod) and not _finished(pod) for pod in self.pods.list(namespace)):
            return  # in use: the claim waits, Terminating
        self._release(claim)


class PVProtectionController(_Protection):
    name = "pv-protection-controller"
    resource = "persistentvolumes"
    finalizer = volumes.PV_PROTECTION_FINALIZER

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.volumes = factory.informer("persistentvolumes")
        self.volumes.add_handlers(self.enqueue, lambda old, new: self.enqueue(new))

    def sync(self, key: str) -> None:
        volume = self.volumes.get(key)
        if volume is None or not meta.is_being_deleted(volume) or \
                self.finalizer not in (volume["metadata"].get("finalizers") or []):
            return
        if volumes.phase(volume) == "Bound":
            return
        self._release(volume)
