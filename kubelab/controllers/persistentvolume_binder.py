"""The PersistentVolume binder: every claim gets a volume, every volume knows its claim.

    claims, volumes, classes ──informers──▶ enqueue "claim:ns/name" | "volume:name" ──▶ sync:

    sync_claim (not yet bound)
        volumeName set (pre-bound, or the scheduler chose)  -> bind to that volume
        a fitting volume exists (smallest that fits)        -> bind both sides
        class is WaitForFirstConsumer, no selected node     -> wait: "WaitForFirstConsumer" event
        class has a provisioner                             -> ask it: annotate the claim with
                                                               volume.kubernetes.io/storage-provisioner,
                                                               "ExternalProvisioning" event
        no class                                            -> "FailedBinding": no persistent volumes
                                                               available for this claim and no storage
                                                               class is set
    sync_claim (bound)   its volume gone -> Lost ("ClaimLost")
    sync_volume
        no claimRef                           -> Available
        claimRef names a claim that is gone   -> Released, then reclaim: Retain keeps it;
                                                 Delete: its provisioner deletes it (a
                                                 hand-made one: Failed, "VolumeFailedDelete")
        claimRef names a live claim           -> Bound (once the claim names it back)

Binding writes the volume first (claimRef, then status Bound), then the claim (volumeName and
the annotations pv.kubernetes.io/bind-completed and bound-by-controller, then status Bound with
the volume's capacity and access modes), as upstream's bind() does: a crash between the two
leaves a volume pointing at a claim, which the next sync finishes. Invariant: a volume is
bound to at most one claim; a claim that names a volume is never bound to another.

Upstream runs this loop as "persistentvolume-binder-controller" in kube-controller-manager
(pkg/controller/volume/persistentvolume). Left out: the Recycle policy, volume expansion,
the retroactive default class, and syncing every claim each 15 s (kubelab relies on events).
"""
from __future__ import annotations

import copy

from ..client import NORMAL, WARNING, ApiError, Controller, EventRecorder
from ..objects import meta, volumes

NO_CLASS_MESSAGE = "no persistent volumes available for this claim and no storage class is set"
WAIT_MESSAGE = "waiting for first consumer to be created before binding"
EXTERNAL_PROVISIONING_MESSAGE = ("Waiting for a volume to be created either by the external provisioner '{}' or "
                                 "manually by the system administrator. If volume creation is delayed, please verify "
                                 "that the provisioner is running and correctly registered.")
NO_PROVISIONER = "kubernetes.io/no-provisioner"


class PersistentVolumeController(Controller):
    name = "persistent-volume-binder"   # its service account, as upstream's; events say persistentvolume-controller

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.recorder = EventRecorder(client, clock, "persistentvolume-controller")
        self.claims = factory.informer("persistentvolumeclaims")
        self.volumes = factory.informer("persistentvolumes")
        self.classes = factory.informer("storageclasses")
        self.claims.add_handlers(self.enqueue_claim, lambda old, new: self.enqueue_claim(new), self.on_claim_deleted)
        self.volumes.add_handlers(self.enqueue_volume, lambda old, new: self.enqueue_volume(new),
                                  self.on_volume_deleted)

    def enqueue_claim(self, claim: dict) -> None:
        self.queue.add("claim:" + meta.key(claim))

    def enqueue_volume(self, volume: dict) -> None:
        self.queue.add("volume:" + meta.name(volume))

    def on_claim_deleted(self, claim: dict) -> None:
        if claim["spec"].get("volumeName"):
            self.queue.add("volume:" + claim["spec"]["volumeName"])

    def on_volume_deleted(self, volume: dict) -> None:
        ref = (volume.get("spec") or {}).get("claimRef")
        if ref:
            self.queue.add(f"claim:{ref.get('namespace')}/{ref.get('name')}")

    def sync(self, key: str) -> None:
        kind, _, name = key.partition(":")
        if kind == "claim":
            claim = self.claims.get(name)
            if claim is not None:
                self.sync_claim(claim)
        else:
            volume = self.volumes.get(name)
            if volume is not None:
                self.sync_volume(volume)

    # -- claims ---------------------------------------------------------------------------------
    def sync_claim(self, claim: dict) -> None:
        if meta.is_being_deleted(claim):
            return
        if meta.annotations(claim).get(volumes.ANN_BIND_COMPLETED):
            self._sync_bound_claim(claim)
            return
        volume_name = claim["spec"].get("volumeName")
        if volume_name:
            volume = self.volumes.get(volume_name)
            if volume is None:
                return  # pre-bound to a volume that does not exist (yet): the claim waits, Pending
            ref = volume["spec"].get("claimRef")
            if ref and not volumes.claim_ref_matches(volume, claim):
                self.recorder.event(claim, WARNING, "FailedBinding", f"volume \"{volume_name}\" already bound to "
                                    "a different claim.")
                return
            self.bind(volume, claim)
            return
        storage_class = self._class_of(claim)
        delayed = storage_class is not None and storage_class.get("volumeBindingMode") == \
            volumes.WAIT_FOR_FIRST_CONSUMER and not meta.annotations(claim).get(volumes.ANN_SELECTED_NODE)
        candidates = self.volumes.list()
        if delayed:   # the scheduler chooses; only a volume it (or someone) pre-bound to this claim counts
            candidates = [volume for volume in candidates if volumes.claim_ref_matches(volume, claim)]
        volume = volumes.find_matching_volume(claim, candidates)
        if volume is not None:
            self.bind(volume, claim)   # a class need not exist as an object to match PVs of that class
        elif volumes.claim_class(claim) and storage_class is None:
            self.recorder.event(claim, WARNING, "ProvisioningFailed", f"storageclass.storage.k8s.io "
                                f"\"{volumes.claim_class(claim)}\" not found")
        elif delayed:
            self.recorder.event(claim, NORMAL, "WaitForFirstConsumer", WAIT_MESSAGE)
        elif storage_class is not None and storage_class.get("provisioner") != NO_PROVISIONER:
            self._ask_provisioner(claim, storage_class["provisioner"])
        else:
            self.recorder.event(claim, NORMAL, "FailedBinding", NO_CLASS_MESSAGE)

    def _class_of(self, claim: dict) -> dict | None:
        name = volumes.claim_class(claim)
        return self.classes.get(name) if name else None

    def _ask_provisioner(self, claim: dict, provisioner: str) -> None:
        if meta.annotations(claim).get(volumes.ANN_STORAGE_PROVISIONER) != provisioner:
            updated = copy.deepcopy(claim)
            annotations = updated["metadata"].setdefault("annotations", {})
            annotations[volumes.ANN_STORAGE_PROVISIONER] = annotations[volumes.ANN_BETA_STORAGE_PROVISIONER] = \
                provisioner
            self.client.update("persistentvolumeclaims", updated)
        self.recorder.event(claim, NORMAL, "ExternalProvisioning", EXTERNAL_PROVISIONING_MESSAGE.format(provisioner))

    def _sync_bound_claim(self, claim: dict) -> None:
        volume = self.volumes.get(claim["spec"].get("volumeName") or "")
        if volume is None:
            if volumes.phase(claim) != "Lost":
                self._claim_status(claim, "Lost")
                self.recorder.event(claim, WARNING, "ClaimLost", "Bound claim has lost its PersistentVolume. "
                                    "Data on the volume is lost!")
            return
        if volumes.claim_ref_matches(volume, claim):
            self.bind(volume, claim)   # finish what a crash may have left half done (no-op when done)

    # -- binding: volume first, then claim -------------------------------------------------------
    def bind(self, volume: dict, claim: dict) -> None:
        """Point the volume at the claim and the claim at the volume, each side's status Bound."""
        if not volumes.claim_ref_matches(volume, claim) or not (volume["spec"]["claimRef"].get("uid")):
            volume = copy.deepcopy(volume)
            volume["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": meta.namespace(claim),
                                          "name": meta.name(claim), "uid": meta.uid(claim), "apiVersion": "v1",
                                          "resourceVersion": meta.resource_version(claim)}
            volume["metadata"].setdefault("annotations", {})[volumes.ANN_BOUND_BY_CONTROLLER] = "yes"
            volume = self.client.update("persistentvolumes", volume)
        if volumes.phase(volume) != "Bound":
            volume = self._volume_status(volume, "Bound")
        if claim["spec"].get("volumeName") != meta.name(volume) or \
                not meta.annotations(claim).get(volumes.ANN_BIND_COMPLETED):
            claim = copy.deepcopy(claim)
            annotations = claim["metadata"].setdefault("annotations", {})
            if claim["spec"].get("volumeName") != meta.name(volume):
                claim["spec"]["volumeName"] = meta.name(volume)
                annotations[volumes.ANN_BOUND_BY_CONTROLLER] = "yes"
            annotations[volumes.ANN_BIND_COMPLETED] = "yes"
            claim = self.client.update("persistentvolumeclaims", claim)
        status = claim.get("status") or {}
        capacity = {"storage": volume["spec"]["capacity"]["storage"]}
        if status.get("phase") != "Bound" or status.get("capacity") != capacity or \
                status.get("accessModes") != volume["spec"]["accessModes"]:
            self._claim_status(claim, "Bound", capacity=capacity, accessModes=volume["spec"]["accessModes"])

    def _claim_status(self, claim: dict, phase: str, **fields) -> dict:
        updated = copy.deepcopy(claim)
        updated["status"] = {**(claim.get("status") or {}), "phase": phase, **fields}
        return self.client.update_status("persistentvolumeclaims", updated)

    def _volume_status(self, volume: dict, phase: str, reason: str = "", message: str = "") -> dict:
        updated = copy.deepcopy(volume)
        updated["status"] = {"phase": phase, **({"reason": reason} if reason else {}),
                             **({"message": message} if message else {})}
        return self.client.update_status("persistentvolumes", updated)

    # -- volumes --------------------------------------------------------------------------------
    def sync_volume(self, volume: dict) -> None:
        ref = volume["spec"].get("claimRef")
        if not ref:
            if volumes.phase(volume) != "Available":
                self._volume_status(volume, "Available")
            return
        claim = self.claims.get(f"{ref.get('namespace')}/{ref.get('name')}")
        if claim is not None and ref.get("uid") and ref["uid"] != meta.uid(claim):
            claim = None   # a new claim by the same name is not the one this volume served
        if claim is None:
            if not ref.get("uid"):
                if volumes.phase(volume) != "Available":
                    self._volume_status(volume, "Available")   # pre-bound, waiting for its claim
                return
            try:   # the informer may lag: ask the API before declaring the claim gone
                live = self.client.get("persistentvolumeclaims", ref["name"], ref.get("namespace"))
                if meta.uid(live) == ref["uid"]:
                    return
            except ApiError as error:
                if error.code != 404:
                    raise
            self._reclaim(volume)
            return
        if claim["spec"].get("volumeName") == meta.name(volume):
            if volumes.phase(volume) != "Bound":
                self._volume_status(volume, "Bound")
        elif not claim["spec"].get("volumeName"):
            if volumes.phase(volume) not in ("Available", "Bound"):
                self._volume_status(volume, "Available")
            self.enqueue_claim(claim)
        elif meta.annotations(volume).get(volumes.ANN_BOUND_BY_CONTROLLER):
            self._unbind(volume)   # the claim went to another volume: give this one back

    def _unbind(self, volume: dict) -> None:
        updated = copy.deepcopy(volume)
        updated["spec"].pop("claimRef", None)
        updated["metadata"].get("annotations", {}).pop(volumes.ANN_BOUND_BY_CONTROLLER, None)
        self._volume_status(self.client.update("persistentvolumes", updated), "Available")

    def _reclaim(self, volume: dict) -> None:
        """The claim is gone: Released, then what the reclaim policy says."""
        if volumes.phase(volume) not in ("Released", "Failed"):
            volume = self._volume_status(volume, "Released")
        policy = volume["spec"].get("persistentVolumeReclaimPolicy")
        if policy != "Delete" or volumes.phase(volume) != "Released":
            return   # Retain: the data stays, an administrator decides
        if meta.annotations(volume).get(volumes.ANN_DYNAMICALLY_PROVISIONED):
            return   # its provisioner deletes it (and its storage)
        message = f"error getting deleter volume plugin for volume \"{meta.name(volume)}\": no deletable volume " \
                  "plugin matched"
        self._volume_status(volume, "Failed", message=message)
        self.recorder.event(volume, WARNING, "VolumeFailedDelete", message)
