"""StorageClasses (storage.k8s.io/v1): "how to make a volume when a claim asks for one".

    apiVersion: storage.k8s.io/v1
    kind: StorageClass
    metadata:
      name: standard
      annotations: {storageclass.kubernetes.io/is-default-class: "true"}   # claims with no class get it
    provisioner: kubelab.io/hostpath        # who makes the PersistentVolumes
    parameters: {}                          # the provisioner's own settings
    reclaimPolicy: Delete                   # (default) or Retain: what happens to a volume its claim let go
    volumeBindingMode: Immediate            # (default) or WaitForFirstConsumer: provision where the pod lands
    allowedTopologies: [...]                # zones the provisioner may use
    allowVolumeExpansion: false

Rules as upstream's ValidateStorageClass and ValidateStorageClassUpdate (v1.32): provisioner,
reclaimPolicy and volumeBindingMode required and from their sets; provisioner, parameters and
reclaimPolicy may not change ("updates to parameters are forbidden."), volumeBindingMode is
immutable. Which class is the default is the DefaultStorageClass admission plugin's question
(admission/default_storage_class.py). Left out: mountOptions are accepted but not used.
"""
from __future__ import annotations

import re

from ...api import errors
from .strategy import Strategy

RECLAIM_POLICIES = ["Delete", "Retain"]
BINDING_MODES = ["Immediate", "WaitForFirstConsumer"]
_QUALIFIED = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                        r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


def validate_provisioner(provisioner, field: str) -> list[dict]:
    """A provisioner's name is a qualified name, like a label key ("kubelab.io/hostpath")."""
    if not provisioner:
        return [errors.required(field)]
    if not isinstance(provisioner, str) or not _QUALIFIED.match(provisioner) or \
            len(provisioner.split("/")[-1]) > 63:
        return [errors.invalid_value(field, provisioner, "name part must consist of alphanumeric characters, '-', "
                                     "'_' or '.', and must start and end with an alphanumeric character")]
    return []


def _allowed_topologies(topologies, field: str) -> list[dict]:
    causes = []
    for index, term in enumerate(topologies or []):
        expressions = (term or {}).get("matchLabelExpressions") or []
        if not expressions:
            causes.append(errors.required(f"{field}[{index}].matchLabelExpressions"))
        for position, expression in enumerate(expressions):
            path = f"{field}[{index}].matchLabelExpressions[{position}]"
            if not expression.get("key"):
                causes.append(errors.required(f"{path}.key"))
            if not expression.get("values"):
                causes.append(errors.required(f"{path}.values"))
    return causes


class StorageClassStrategy(Strategy):
    plural = "storageclasses"

    def default(self, obj: dict) -> None:
        obj.setdefault("reclaimPolicy", "Delete")
        obj.setdefault("volumeBindingMode", "Immediate")

    def validate(self, obj: dict) -> list[dict]:
        causes = validate_provisioner(obj.get("provisioner"), "provisioner")
        parameters = obj.get("parameters") or {}
        if not isinstance(parameters, dict) or any(not isinstance(v, str) for v in parameters.values()):
            causes.append(errors.invalid_value("parameters", parameters, "parameters must be strings"))
        if obj.get("reclaimPolicy") not in RECLAIM_POLICIES:
            causes.append(errors.not_supported("reclaimPolicy", obj.get("reclaimPolicy"), RECLAIM_POLICIES))
        mode = obj.get("volumeBindingMode")
        if mode is None:
            causes.append(errors.required("volumeBindingMode"))
        elif mode not in BINDING_MODES:
            causes.append(errors.not_supported("volumeBindingMode", mode, BINDING_MODES))
        causes += _allowed_topologies(obj.get("allowedTopologies"), "allowedTopologies")
        return causes

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        causes = []
        if (obj.get("parameters") or {}) != (old.get("parameters") or {}):
            causes.append(errors.forbidden_field("parameters", "updates to parameters are forbidden."))
        if obj.get("provisioner") != old.get("provisioner"):
            causes.append(errors.forbidden_field("provisioner", "updates to provisioner are forbidden."))
        if obj.get("reclaimPolicy") != old.get("reclaimPolicy"):
            causes.append(errors.forbidden_field("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
        if obj.get("volumeBindingMode") != old.get("volumeBindingMode"):
            causes.append(errors.invalid_value("volumeBindingMode", obj.get("volumeBindingMode"),
                                               "field is immutable"))
        return causes


STRATEGY = StorageClassStrategy()
