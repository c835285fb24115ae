"""A simple dynamic provisioner, `kubelab.io/hostpath`, and the cluster's default StorageClass.

    StorageClass "standard" (default, WaitForFirstConsumer)      made once at start, as kind's
                                                                 and minikube's installers do
    claim annotated volume.kubernetes.io/storage-provisioner: kubelab.io/hostpath
        WaitForFirstConsumer and no volume.kubernetes.io/selected-node yet  -> wait for the scheduler
        otherwise -> create PV "pvc-<claim uid>": the claim's size and modes, the class's reclaim
                     policy, pre-bound to the claim (claimRef), a hostPath directory, and pinned
                     where it was made: nodeAffinity (and a label) topology.kubernetes.io/zone =
                     the selected node's zone (a node without a zone: kubernetes.io/hostname)
                     events: "Provisioning", then "ProvisioningSucceeded"
    PV provisioned here, Released, reclaim policy Delete -> deleted

This is the shape of every external provisioner (sig-storage-lib-external-provisioner,
rancher's local-path-provisioner): it watches claims the PV binder handed to it by name, makes
a volume pre-bound to the claim, and lets the binder finish the binding. Invariant: at most one
PV per claim (its name comes from the claim's uid, so a retry finds the first). Real
provisioners run as their own Deployment; kubelab runs this one in the controller manager.
Left out: storage capacity, the data itself (the kubelet keeps hostPath files per node).
"""
from __future__ import annotations

import zlib

from ..client import NORMAL, ApiError, Controller, EventRecorder
from ..objects import meta, volumes

PROVISIONER = "kubelab.io/hostpath"
DEFAULT_CLASS = "standard"
BASE_PATH = "/var/lib/kubelab/hostpath"
HOSTNAME_LABEL = "kubernetes.io/hostname"


def default_storage_class() -> dict:
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": DEFAULT_CLASS, "annotations": {volumes.ANN_DEFAULT_STORAGE_CLASS: "true"}},
            "provisioner": PROVISIONER, "reclaimPolicy": "Delete", "volumeBindingMode": volumes.WAIT_FOR_FIRST_CONSUMER}


class HostPathProvisioner(Controller):
    name = "hostpath-provisioner"   # its service account; events come from the provisioner's name

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.recorder = EventRecorder(client, clock, PROVISIONER)
        self.claims = factory.informer("persistentvolumeclaims")
        self.volumes = factory.informer("persistentvolumes")
        self.classes = factory.informer("storageclasses")
        self.nodes = factory.informer("nodes")
        self.claims.add_handlers(self.enqueue, lambda old, new: self.enqueue(new))
        self.volumes.add_handlers(self.enqueue_volume, lambda old, new: self.enqueue_volume(new))
        self.queue.add("class:" + DEFAULT_CLASS)

    def enqueue_volume(self, volume: dict) -> None:
        if meta.annotations(volume).get(volumes.ANN_DYNAMICALLY_PROVISIONED) == PROVISIONER:
            self.queue.add("volume:" + meta.name(volume))

    def sync(self, key: str) -> None:
        if key.startswith("class:"):
            self._ensure_default_class()
        elif key.startswith("volume:"):
            self._delete_if_released(key[len("volume:"):])
        else:
            claim = self.claims.get(key)
            if claim is not None:
                self.provision(claim)

    def _ensure_default_class(self) -> None:
        try:
            self.client.create("storageclasses", default_storage_class())
        except ApiError as error:
            if error.reason != "AlreadyExists":
                raise

    def provision(self, claim: dict) -> None:
        """Make the claim's volume, if the binder asked for one here and the claim still needs it."""
        annotations = meta.annotations(claim)
        if annotations.get(volumes.ANN_STORAGE_PROVISIONER) != PROVISIONER or claim["spec"].get("volumeName") or \
                meta.is_being_deleted(claim) or volumes.phase(claim) != "Pending":
            return
        storage_class = self.classes.get(volumes.claim_class(claim))
        if storage_class is None or storage_class.get("provisioner") != PROVISIONER:
            return
        selected_node = annotations.get(volumes.ANN_SELECTED_NODE, "")
        if storage_class.get("volumeBindingMode") == volumes.WAIT_FOR_FIRST_CONSUMER and not selected_node:
            return
        name = "pvc-" + meta.uid(claim)
        if self.volumes.get(name) is not None:
            return
        self.recorder.event(claim, NORMAL, "Provisioning",
                            f"External provisioner is provisioning volume for claim \"{meta.key(claim)}\"")
        try:
            self.client.create("persistentvolumes", self._volume_for(claim, storage_class, name, selected_node))
        except ApiError as error:
            if error.reason != "AlreadyExists":
                raise
            return
        self.recorder.event(claim, NORMAL, "ProvisioningSucceeded", f"Successfully provisioned volume {name}")

    def _volume_for(self, claim: dict, storage_class: dict, name: str, selected_node: str) -> dict:
        key, value = self._topology(claim, storage_class, selected_node)
        spec = {"capacity": {"storage": claim["spec"]["resources"]["requests"]["storage"]},
                "accessModes": list(claim["spec"]["accessModes"]),
                "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy") or "Delete",
                "storageClassName": meta.name(storage_class), "volumeMode": "Filesystem",
                "claimRef": {"kind": "PersistentVolumeClaim", "namespace": meta.namespace(claim),
                             "name": meta.name(claim), "uid": meta.uid(claim), "apiVersion": "v1",
                             "resourceVersion": meta.resource_version(claim)},
                "hostPath": {"path": f"{BASE_PATH}/{name}_{meta.namespace(claim)}_{meta.name(claim)}",
                             "type": "DirectoryOrCreate"}}
        metadata = {"name": name, "annotations": {volumes.ANN_DYNAMICALLY_PROVISIONED: PROVISIONER}}
        if key:
            spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": key, "operator": "In", "values": [value]}]}]}}
            if key == volumes.ZONE_LABEL:
                metadata["labels"] = {volumes.ZONE_LABEL: value}
        return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": metadata, "spec": spec}

    def _topology(self, claim: dict, storage_class: dict, selected_node: str) -> tuple[str, str]:
        """Where the new volume lives: the selected node's zone (or the node itself), else a zone
        the class allows, chosen by the claim's uid so the choice is the same on every retry."""
        if selected_node:
            node = self.nodes.get(selected_node)
            zone = meta.labels(node).get(volumes.ZONE_LABEL) if node else None
            return (volumes.ZONE_LABEL, zone) if zone else (HOSTNAME_LABEL, selected_node)
        allowed = [value for term in storage_class.get("allowedTopologies") or []
                   for expression in term.get("matchLabelExpressions") or []
                   if expression.get("key") == volumes.ZONE_LABEL for value in expression.get("values") or []]
        zones = sorted(set(allowed) or {meta.labels(node)[volumes.ZONE_LABEL] for node in self.nodes.list()
                                        if volumes.ZONE_LABEL in meta.labels(node)})
        if not zones:
            return "", ""
        return volumes.ZONE_LABEL, zones[zlib.crc32(meta.uid(claim).encode()) % len(zones)]

    def _delete_if_released(self, name: str) -> None:
        volume = self.volumes.get(name)
        if volume is not None and volumes.phase(volume) == "Released" and not meta.is_being_deleted(volume) and \
                volume["spec"].get("persistentVolumeReclaimPolicy") == "Delete":
            try:
                self.client.delete("persistentvolumes", name)
            except ApiError as error:
                if error.code != 404:
                    raise
