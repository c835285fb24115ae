"""ReplicaSets (apps/v1): defaulting, validation, an immutable selector, status the controller's.

Upstream: pkg/registry/apps/replicaset/strategy.go. A create starts with the status the
controller would write first (replicas 0); a status write may carry annotations too. The
template and selector rules here are the Deployment's too (deployment.py imports them).
"""
from __future__ import annotations

from ...api import errors
from ...objects import selector
from .. import enum_validation
from ..validation import validate_labels
from .pod.defaults import pod_spec
from .pod.validation import validate_pod_spec
from . import workload_status
from .strategy import Strategy


def default_template(obj: dict) -> None:
    """A workload's pod template gets a pod's defaults (SetDefaults_PodSpec)."""
    template = obj.setdefault("spec", {}).setdefault("template", {})
    pod_spec(template.setdefault("spec", {}))


def validate_workload(obj: dict) -> list[dict]:
    """A Deployment's or ReplicaSet's spec: replicas, a selector matching the template, the pod spec."""
    spec = obj.get("spec") or {}
    causes = []
    replicas = spec.get("replicas", 0)
    if not isinstance(replicas, int) or replicas < 0:
        causes.append(errors.invalid_value("spec.replicas", replicas, "must be greater than or equal to 0"))
    template = spec.get("template") or {}
    template_labels = (template.get("metadata") or {}).get("labels") or {}
    if not spec.get("selector"):
        causes.append(errors.required("spec.selector"))
    else:
        try:
            requirements = selector.from_label_selector(spec["selector"])
        except (KeyError, TypeError):
            requirements = None
            causes.append(errors.invalid_value("spec.selector", spec["selector"], "invalid label selector"))
        if requirements is not None and not requirements:
            causes.append(errors.invalid_value("spec.selector", spec["selector"],
                                               "empty selector is invalid for deployment"))
        elif requirements and not selector.matches(requirements, template_labels):
            causes.append(errors.invalid_value("spec.template.metadata.labels", template_labels,
                                               "`selector` does not match template `labels`"))
    causes += validate_labels(template_labels, "spec.template.metadata.labels")
    causes += validate_pod_spec(template.get("spec") or {}, "spec.template.spec")
    if (template.get("spec") or {}).get("restartPolicy", "Always") != "Always":
        causes.append(errors.not_supported("spec.template.spec.restartPolicy",
                                           template["spec"]["restartPolicy"], ["Always"]))
    return causes + enum_validation.deployment_enums(spec)



def immutable_selector(obj: dict, old: dict) -> list[dict]:
    """apps/v1 selectors never change (ValidateDeploymentUpdate, ValidateReplicaSetUpdate)."""
    if (old.get("spec") or {}).get("selector") != (obj.get("spec") or {}).get("selector"):
        return [errors.invalid_value("spec.selector", obj["spec"].get("selector"), "field is immutable")]
    return []


def status_with_annotations(merged: dict, obj: dict) -> dict:
    """Their status strategy lets a status write carry annotations (the revision)."""
    merged["metadata"]["annotations"] = obj["metadata"].get("annotations") or {}
    if not merged["metadata"]["annotations"]:
        del merged["metadata"]["annotations"]
    return merged


class ReplicaSetStrategy(Strategy):
    plural = "replicasets"

    def default(self, obj: dict) -> None:
        obj.setdefault("spec", {}).setdefault("replicas", 1)
        default_template(obj)
        obj.setdefault("status", {}).setdefault("replicas", 0)

    def prepare_for_create(self, obj: dict) -> None:
        obj["status"] = {"replicas": 0}   # the controllers' to write; replicas 0 as defaulted

    def prepare_for_subresource_update(self, subresource: str, obj: dict, old: dict) -> dict:
        return status_with_annotations(super().prepare_for_subresource_update(subresource, obj, old), obj)

    def validate(self, obj: dict) -> list[dict]:
        return validate_workload(obj)

    def validate_status_update(self, obj: dict, old: dict) -> list[dict]:
        """upstream's ValidateReplicaSetStatusUpdate: the status's counts (workload_status.py); the
        spec a status write keeps is not validated again."""
        return self.validate_update(obj, old) + workload_status.replica_set_status(obj)

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        return immutable_selector(obj, old)


STRATEGY = ReplicaSetStrategy()
