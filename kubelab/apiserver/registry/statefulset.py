"""StatefulSet (apps/v1): upstream's pkg/registry/apps/statefulset/strategy.go and its validation.

Defaulting (SetDefaults_StatefulSet, v1.32): podManagementPolicy OrderedReady, updateStrategy
RollingUpdate with partition 0, replicas 1, revisionHistoryLimit 10,
persistentVolumeClaimRetentionPolicy Retain/Retain, the template's pod spec as a pod's.
Validation (ValidateStatefulSetSpec): the policy and strategy among upstream's values, a
required, well-formed, non-empty selector matched by the template's labels, replicas,
minReadySeconds, partition and ordinals.start not negative, restartPolicy Always, no
activeDeadlineSeconds. Upstream does not validate the template's pod spec here (a bad one
fails when the controller creates the pod, with a FailedCreate event); neither does kubelab.
An update may change only replicas, ordinals, template, updateStrategy,
persistentVolumeClaimRetentionPolicy and minReadySeconds.

volumeClaimTemplates are checked when the controller creates each claim (as upstream: the
claim's own validation, registry/persistentvolumeclaim.py, answers with a FailedCreate event).
"""
from __future__ import annotations

import copy

from ...api import errors
from .pod_template import (default_template, nonnegative, selector_matches_template, validate_label_selector,
                           validate_template)
from .strategy import Strategy

MUTABLE = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
           "minReadySeconds")


class StatefulSetStrategy(Strategy):
    plural = "statefulsets"

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        spec.setdefault("podManagementPolicy", "OrderedReady")
        strategy = spec.setdefault("updateStrategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        policy = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
        policy.setdefault("whenDeleted", "Retain")
        policy.setdefault("whenScaled", "Retain")
        for claim in spec.get("volumeClaimTemplates") or []:
            if isinstance(claim, dict):
                claim.setdefault("apiVersion", "v1")
                claim.setdefault("kind", "PersistentVolumeClaim")
                claim.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
        default_template(spec.get("template"))

    def prepare_for_create(self, obj: dict) -> None:
        obj["status"] = {"replicas": 0, "availableReplicas": 0}

    def validate(self, obj: dict) -> list[dict]:
        spec = obj.get("spec") or {}
        causes = []
        if spec.get("podManagementPolicy") not in ("OrderedReady", "Parallel"):
            causes.append(errors.invalid_value("spec.podManagementPolicy", spec.get("podManagementPolicy"),
                                               "must be 'OrderedReady' or 'Parallel'"))
        causes += validate_update_strategy(spec.get("updateStrategy") or {})
        policy = spec.get("persistentVolumeClaimRetentionPolicy") or {}
        for when in ("whenDeleted", "whenScaled"):
            if policy.get(when) not in ("Retain", "Delete"):
                causes.append(errors.not_supported(f"spec.persistentVolumeClaimRetentionPolicy.{when}",
                                                   policy.get(when), ["Retain", "Delete"]))
        causes += nonnegative(spec.get("replicas"), "spec.replicas")
        causes += nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
        causes += nonnegative((spec.get("ordinals") or {}).get("start"), "spec.ordinals.start")
        selector_causes, requirements = validate_label_selector(spec.get("selector"), "spec.selector",
                                                                "StatefulSet", True)
        causes += selector_causes
        if requirements:
            causes += selector_matches_template(requirements, spec.get("template"))
        causes += validate_template(spec.get("template"), "spec.template", "StatefulSet", pod_spec=False)
        return causes

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        new_spec, old_spec = copy.deepcopy(obj.get("spec") or {}), old.get("spec") or {}
        for field in MUTABLE:
            new_spec.pop(field, None)
        if new_spec != {k: v for k, v in old_spec.items() if k not in MUTABLE}:
            return [errors.forbidden_field("spec", "updates to statefulset spec for fields other than 'replicas', "
                                           "'ordinals', 'template', 'updateStrategy', "
                                           "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' "
                                           "are forbidden")]
        return []


STRATEGY = StatefulSetStrategy()


def validate_update_strategy(strategy: dict) -> list[dict]:
    field = "spec.updateStrategy"
    kind = strategy.get("type")
    if not kind:
        return [errors.required(field)]
    if kind == "OnDelete":
        if strategy.get("rollingUpdate") is not None:
            return [errors.invalid_value(f"{field}.rollingUpdate", strategy["rollingUpdate"],
                                         "only allowed for updateStrategy 'RollingUpdate'")]
        return []
    if kind != "RollingUpdate":
        return [errors.invalid_value(field, strategy, "must be 'RollingUpdate' or 'OnDelete'")]
    rolling = strategy.get("rollingUpdate") or {}
    causes = nonnegative(rolling.get("partition", 0), f"{field}.rollingUpdate.partition")
    if rolling.get("maxUnavailable") is not None:
        causes += [errors.forbidden_field(f"{field}.rollingUpdate.maxUnavailable",
                                          "maxUnavailable needs the MaxUnavailableStatefulSet feature gate "
                                          "(alpha), which is off")]
    return causes
