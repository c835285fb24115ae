"""PersistentVolumeClaims (core/v1): a pod's request for storage, by size, mode and class.

    apiVersion: v1
    kind: PersistentVolumeClaim
    metadata: {name: data, namespace: default}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
      storageClassName: standard      # absent: the DefaultStorageClass admission plugin fills it in;
                                      # "": only PVs without a class
      selector: {matchLabels: {...}}  # only PVs with these labels
      volumeName: pv-1                # set by the binder (or by you, to pre-bind)
    status: {phase: Pending}          # Pending → Bound (→ Lost if its PV disappears)

Rules as upstream's ValidatePersistentVolumeClaim (v1.32): accessModes ("at least 1 access mode
is required") and resources.requests[storage] required and positive; after creation the spec
is immutable except the binder filling volumeName (or storageClassName) once, and a bound
claim's storage request growing ("spec is immutable after creation except
resources.requests and volumeAttributesClassName for bound claims"). Left out: dataSource,
dataSourceRef and volumeAttributesClassName (refused), expansion itself (a larger request is
stored but no volume grows).
"""
from __future__ import annotations

import copy

from ...api import errors
from ...objects import quantity
from .pod.scheduling import _label_selector
from .persistentvolume import VOLUME_MODES, validate_access_modes, validate_storage
from .strategy import Strategy

IMMUTABLE_MESSAGE = "spec is immutable after creation except resources.requests and volumeAttributesClassName for " \
                    "bound claims"


class PersistentVolumeClaimStrategy(Strategy):
    plural = "persistentvolumeclaims"

    def default(self, obj: dict) -> None:
        obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")

    def prepare_for_create(self, obj: dict) -> None:
        obj["status"] = {"phase": "Pending"}

    def validate(self, obj: dict) -> list[dict]:
        spec = obj.get("spec") or {}
        causes = validate_access_modes(spec.get("accessModes"), "spec.accessModes", "at least 1 access mode is "
                                       "required")
        requests = (spec.get("resources") or {}).get("requests") or {}
        causes += validate_storage(requests.get("storage"), "spec.resources[storage]", positive=True)
        if spec.get("volumeMode") not in VOLUME_MODES:
            causes.append(errors.not_supported("spec.volumeMode", spec.get("volumeMode"), VOLUME_MODES))
        causes += _label_selector(spec.get("selector"), "spec.selector")
        for unmodelled in ("dataSource", "dataSourceRef", "volumeAttributesClassName"):
            if spec.get(unmodelled) is not None:
                causes.append(errors.forbidden_field(f"spec.{unmodelled}", "kubelab does not model volume "
                                                     "populators, snapshots or VolumeAttributesClasses"))
        return causes

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        spec, old_spec = copy.deepcopy(obj.get("spec") or {}), copy.deepcopy(old.get("spec") or {})
        # the binder may fill in what was empty; a bound claim may ask for more storage
        for filled_once in ("volumeName", "storageClassName"):
            if not old_spec.get(filled_once):
                spec.pop(filled_once, None)
                old_spec.pop(filled_once, None)
        bound = (old.get("status") or {}).get("phase") == "Bound"
        causes = []
        if bound:
            new_storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
            old_storage = ((old_spec.get("resources") or {}).get("requests") or {}).get("storage")
            if quantity.is_valid(new_storage or "0") and quantity.is_valid(old_storage or "0") and \
                    quantity.parse(new_storage or "0") < quantity.parse(old_storage or "0"):
                causes.append(errors.forbidden_field("spec.resources.requests.storage",
                                                     "field can not be less than previous value"))
            spec.pop("resources", None)
            old_spec.pop("resources", None)
        if spec != old_spec:
            causes.append(errors.forbidden_field("spec", IMMUTABLE_MESSAGE))
        return causes


STRATEGY = PersistentVolumeClaimStrategy()
