"""DefaultStorageClass: a claim that names no class gets the cluster's default one.

    spec.storageClassName absent  ─▶  spec.storageClassName: standard   (the class annotated
                                                                          storageclass.kubernetes.io/is-default-class: "true")
    spec.storageClassName: ""     ─▶  unchanged: "no class", only PVs without a class match

Only on CREATE, as upstream (plugin/pkg/admission/storage/storageclass/setdefault): with
several defaults, the newest wins (ties: by name); with none, the claim stays without a class.
"""
from __future__ import annotations

from ...objects import volumes
from .attributes import Attributes
from .chain import AdmissionPlugin


class DefaultStorageClass(AdmissionPlugin):
    name = "DefaultStorageClass"
    operations = ("CREATE",)
    resources = ("persistentvolumeclaims",)

    def __init__(self, list_objects=None):
        self.list_objects = list_objects  # resource -> every stored object (set by the API server)

    def admit(self, attributes: Attributes) -> None:
        if attributes.resource != "persistentvolumeclaims" or attributes.operation != "CREATE" or \
                attributes.subresource:
            return
        spec = attributes.object.setdefault("spec", {})
        if "storageClassName" in spec and spec["storageClassName"] is not None:
            return
        defaults = [c for c in (self.list_objects("storageclasses") if self.list_objects else [])
                    if volumes.is_default_class(c)]
        if defaults:
            newest = max(defaults, key=lambda c: (c["metadata"].get("creationTimestamp", ""), c["metadata"]["name"]))
            spec["storageClassName"] = newest["metadata"]["name"]


class StorageObjectInUseProtection(AdmissionPlugin):
    """Every new PVC and PV gets its protection finalizer, so neither goes while still in use
    (controllers/volume_protection.py takes the finalizer off once nothing uses it)."""
    name = "StorageObjectInUseProtection"
    operations = ("CREATE",)
    resources = ("persistentvolumeclaims", "persistentvolumes")

    def admit(self, attributes: Attributes) -> None:
        if attributes.operation != "CREATE" or attributes.subresource or attributes.resource not in self.resources:
            return
        finalizer = volumes.PVC_PROTECTION_FINALIZER if attributes.resource == "persistentvolumeclaims" \
            else volumes.PV_PROTECTION_FINALIZER
        metadata = attributes.object.setdefault("metadata", {})
        finalizers = metadata.setdefault("finalizers", [])
        if finalizer not in finalizers:
            finalizers.append(finalizer)
