"""`kubectl get` columns of the storage kinds, as Kubernetes v1.32 prints them.

    storageclasses          NAME  PROVISIONER  RECLAIMPOLICY  VOLUMEBINDINGMODE  ALLOWVOLUMEEXPANSION  AGE
                            (the default class is named "standard (default)")
    persistentvolumes       NAME  CAPACITY  ACCESS MODES  RECLAIM POLICY  STATUS  CLAIM  STORAGECLASS
                            VOLUMEATTRIBUTESCLASS  REASON  AGE  [VOLUMEMODE]
    persistentvolumeclaims  NAME  STATUS  VOLUME  CAPACITY  ACCESS MODES  STORAGECLASS
                            VOLUMEATTRIBUTESCLASS  AGE  [VOLUMEMODE]

A claim shows its capacity and access modes only once bound (from its status), and an object
being deleted shows "Terminating", as upstream's printers do. VOLUMEATTRIBUTESCLASS is always
"<unset>": kubelab has no VolumeAttributesClasses.
"""
from __future__ import annotations

from kubelab.objects import volumes

from .timestamps import since


def _age(obj: dict, now: float) -> str:
    return since(obj.get("metadata", {}).get("creationTimestamp"), now)


def _phase(obj: dict) -> str:
    return "Terminating" if obj.get("metadata", {}).get("deletionTimestamp") else volumes.phase(obj)


def storage_class_row(storage_class: dict, now: float) -> list[str]:
    name = storage_class["metadata"]["name"] + (" (default)" if volumes.is_default_class(storage_class) else "")
    return [name, storage_class.get("provisioner", ""), storage_class.get("reclaimPolicy") or "Delete",
            storage_class.get("volumeBindingMode") or "Immediate",
            "true" if storage_class.get("allowVolumeExpansion") else "false", _age(storage_class, now)]


def persistent_volume_row(volume: dict, now: float) -> list[str]:
    spec = volume.get("spec") or {}
    ref = spec.get("claimRef") or {}
    claim = f"{ref.get('namespace', '')}/{ref.get('name', '')}" if ref else ""
    return [volume["metadata"]["name"], (spec.get("capacity") or {}).get("storage", ""),
            volumes.access_modes_string(spec.get("accessModes")), spec.get("persistentVolumeReclaimPolicy", ""),
            _phase(volume), claim, volumes.volume_class(volume), "<unset>",
            (volume.get("status") or {}).get("reason", ""), _age(volume, now), spec.get("volumeMode") or "<unset>"]


def persistent_volume_claim_row(claim: dict, now: float) -> list[str]:
    spec, status = claim.get("spec") or {}, claim.get("status") or {}
    capacity = access_modes = ""
    if spec.get("volumeName"):
        access_modes = volumes.access_modes_string(status.get("accessModes"))
        capacity = (status.get("capacity") or {}).get("storage", "")
    return [claim["metadata"]["name"], _phase(claim), spec.get("volumeName", ""), capacity, access_modes,
            volumes.claim_class(claim), "<unset>", _age(claim, now), spec.get("volumeMode") or "<unset>"]


STORAGE_TABLES = {
    "storageclasses": ([("Name", False), ("Provisioner", False), ("ReclaimPolicy", False),
                        ("VolumeBindingMode", False), ("AllowVolumeExpansion", False), ("Age", False)],
                       storage_class_row),
    "persistentvolumes": ([("Name", False), ("Capacity", False), ("Access Modes", False),
                           ("Reclaim Policy", False), ("Status", False), ("Claim", False), ("StorageClass", False),
                           ("VolumeAttributesClass", False), ("Reason", False), ("Age", False),
                           ("VolumeMode", True)], persistent_volume_row),
    "persistentvolumeclaims": ([("Name", False), ("Status", False), ("Volume", False), ("Capacity", False),
                                ("Access Modes", False), ("StorageClass", False), ("VolumeAttributesClass", False),
                                ("Age", False), ("VolumeMode", True)], persistent_volume_claim_row),
}
