"""PersistentVolumes (core/v1, cluster-scoped): a piece of storage, and who holds it.

    apiVersion: v1
    kind: PersistentVolume
    metadata: {name: pv-1}
    spec:
      capacity: {storage: 10Gi}
      accessModes: [ReadWriteOnce]            # RWO, ROX, RWX, RWOP
      persistentVolumeReclaimPolicy: Retain   # Delete | Retain (| Recycle, deprecated)
      storageClassName: manual                # "" or absent: only claims without a class
      hostPath: {path: /mnt/data}             # exactly one source: hostPath, local, csi
      nodeAffinity: {required: {nodeSelectorTerms: [...]}}   # where the data is (local: required)
      claimRef: {namespace: default, name: data}             # set by the binder (or pre-bound)
    status: {phase: Available}                # Pending → Available → Bound → Released | Failed

Rules as upstream's ValidatePersistentVolume (v1.32): capacity[storage] and accessModes
required, exactly one volume source, a local volume needs nodeAffinity; the source and
volumeMode never change ("spec.persistentvolumesource is immutable after creation"). A new PV
starts Pending (upstream's PrepareForCreate); the binder moves it. Left out:
status.lastPhaseTransitionTime.

Sources kubelab does not model (nfs, iscsi, awsElasticBlockStore, ...) are refused with a
Forbidden naming the field, rather than accepted and never mountable.
"""
from __future__ import annotations

from ...api import errors
from ...objects import quantity
from .pod.scheduling import _node_selector_term
from .strategy import Strategy

ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"]
VOLUME_MODES = ["Block", "Filesystem"]
SOURCES = ("hostPath", "local", "csi")
UNMODELLED_SOURCES = ("nfs", "iscsi", "awsElasticBlockStore", "gcePersistentDisk", "azureDisk", "azureFile",
                      "cephfs", "cinder", "fc", "flexVolume", "flocker", "glusterfs", "photonPersistentDisk",
                      "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume")


def required(field: str, detail: str) -> dict:
    return errors.cause(field, "FieldValueRequired", f"Required value: {detail}" if detail else "Required value")


def validate_access_modes(modes, field: str, message: str) -> list[dict]:
    if not modes:
        return [required(field, message)]
    causes = [errors.not_supported(field, mode, ACCESS_MODES) for mode in modes if mode not in ACCESS_MODES]
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        causes.append(errors.forbidden_field(field, "may not use ReadWriteOncePod with other access modes"))
    return causes


def validate_storage(amount, field: str, positive: bool) -> list[dict]:
    if amount is None:
        return [errors.required(field)]
    if not quantity.is_valid(amount):
        return [errors.invalid_value(field, amount, "must be a valid resource quantity")]
    if quantity.parse(amount) <= 0 if positive else quantity.parse(amount) < 0:
        return [errors.invalid_value(field, amount, "must be greater than zero")]
    return []


def _source(spec: dict) -> list[dict]:
    causes = [errors.forbidden_field(f"spec.{name}", "kubelab models hostPath, local and csi PersistentVolumes "
                                     "only") for name in UNMODELLED_SOURCES if name in spec]
    given = [name for name in SOURCES if spec.get(name) is not None]
    if not given and not causes:
        causes.append(required("spec", "must specify a volume type"))
    for extra in given[1:]:
        causes.append(errors.forbidden_field(f"spec.{extra}", "may not specify more than 1 volume type"))
    if "hostPath" in given and not (spec["hostPath"] or {}).get("path"):
        causes.append(errors.required("spec.hostPath.path"))
    if "local" in given:
        if not (spec["local"] or {}).get("path"):
            causes.append(errors.required("spec.local.path"))
        if not spec.get("nodeAffinity"):
            causes.append(required("spec.nodeAffinity", "Local volume requires node affinity"))
    if "csi" in given:
        for field in ("driver", "volumeHandle"):
            if not (spec["csi"] or {}).get(field):
                causes.append(errors.required(f"spec.csi.{field}"))
    return causes


def _node_affinity(affinity: dict | None) -> list[dict]:
    if affinity is None:
        return []
    required_selector = affinity.get("required")
    if required_selector is None:
        return [required("spec.nodeAffinity.required", "must specify required node constraints")]
    terms = required_selector.get("nodeSelectorTerms") or []
    if not terms:
        return [required("spec.nodeAffinity.required.nodeSelectorTerms", "must have at least one node selector "
                         "term")]
    causes = []
    for index, term in enumerate(terms):
        causes += _node_selector_term(term, f"spec.nodeAffinity.required.nodeSelectorTerms[{index}]")
    return causes


class PersistentVolumeStrategy(Strategy):
    plural = "persistentvolumes"

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
        spec.setdefault("volumeMode", "Filesystem")
        if spec.get("hostPath") is not None:
            spec["hostPath"].setdefault("type", "")

    def prepare_for_create(self, obj: dict) -> None:
        obj["status"] = {"phase": "Pending"}  # the binder makes it Available

    def validate(self, obj: dict) -> list[dict]:
        spec = obj.get("spec") or {}
        causes = validate_access_modes(spec.get("accessModes"), "spec.accessModes", "must specify at least 1 "
                                       "access mode")
        capacity = spec.get("capacity")
        if not capacity:
            causes.append(errors.required("spec.capacity"))
        else:
            for key in capacity:
                if key != "storage":
                    causes.append(errors.not_supported("spec.capacity", key, ["storage"]))
            if "storage" in capacity:
                causes += validate_storage(capacity["storage"], "spec.capacity[storage]", positive=False)
        if spec.get("persistentVolumeReclaimPolicy") not in RECLAIM_POLICIES:
            causes.append(errors.not_supported("spec.persistentVolumeReclaimPolicy",
                                               spec.get("persistentVolumeReclaimPolicy"), RECLAIM_POLICIES))
        if spec.get("volumeMode") not in VOLUME_MODES:
            causes.append(errors.not_supported("spec.volumeMode", spec.get("volumeMode"), VOLUME_MODES))
        causes += _source(spec)
        causes += _node_affinity(spec.get("nodeAffinity"))
        claim_ref = spec.get("claimRef")
        if claim_ref is not None and not claim_ref.get("name"):
            causes.append(errors.required("spec.claimRef.name"))
        return causes

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        spec, old_spec = obj.get("spec") or {}, old.get("spec") or {}
        causes = []
        if any(spec.get(name) != old_spec.get(name) for name in (*SOURCES, *UNMODELLED_SOURCES)):
            causes.append(errors.forbidden_field("spec.persistentvolumesource", "spec.persistentvolumesource is "
                                                 "immutable after creation"))
        if spec.get("volumeMode") != old_spec.get("volumeMode"):
            causes.append(errors.invalid_value("volumeMode", spec.get("volumeMode"), "field is immutable"))
        if old_spec.get("nodeAffinity") and spec.get("nodeAffinity") != old_spec.get("nodeAffinity"):
            causes.append(errors.invalid_value("nodeAffinity", spec.get("nodeAffinity"), "field is immutable"))
        return causes


STRATEGY = PersistentVolumeStrategy()
