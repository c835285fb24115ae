"""ReplicationController (core/v1): upstream's pkg/registry/core/replicationcontroller/strategy.go.

Defaulting (SetDefaults_ReplicationController): an RC without a selector selects its
template's labels, an RC without labels takes them too, replicas defaults to 1. Validation
(ValidateReplicationControllerSpec): a non-empty selector that the template's labels match
("selector does not match labels in spec.template"), replicas and minReadySeconds not
negative, a valid pod template with restartPolicy Always. The selector may change (unlike a
ReplicaSet's). Status is the controller's: cleared on create, kept on update.
"""
from __future__ import annotations

from ...api import errors
from ..validation import validate_labels
from .pod_template import default_template, nonnegative, template_labels, validate_template
from . import workload_status
from .strategy import Strategy


class ReplicationControllerStrategy(Strategy):
    plural = "replicationcontrollers"

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        labels = template_labels(spec.get("template")) if isinstance(spec.get("template"), dict) else None
        if labels:
            if not spec.get("selector"):
                spec["selector"] = dict(labels)
            metadata = obj.setdefault("metadata", {})
            if not metadata.get("labels"):
                metadata["labels"] = dict(labels)
        spec.setdefault("replicas", 1)
        default_template(spec.get("template"))

    def prepare_for_create(self, obj: dict) -> None:
        obj["status"] = {"replicas": 0}

    def validate(self, obj: dict) -> list[dict]:
        spec = obj.get("spec") or {}
        causes = nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
        chosen = spec.get("selector") or {}
        if not chosen:
            causes.append(errors.required("spec.selector"))
        causes += validate_labels(chosen, "spec.selector")
        causes += nonnegative(spec.get("replicas"), "spec.replicas")
        template = spec.get("template")
        if isinstance(template, dict) and template and chosen and \
                any(template_labels(template).get(k) != v for k, v in chosen.items()):
            causes.append(errors.invalid_value("spec.template.metadata.labels", template_labels(template),
                                               "selector does not match labels in spec.template"))
        return causes + validate_template(template, "spec.template", "ReplicationController")

    def validate_status_update(self, obj: dict, old: dict) -> list[dict]:
        """ValidateReplicationControllerStatusUpdate: the status's counts, as a ReplicaSet's."""
        return workload_status.replica_set_status(obj)


STRATEGY = ReplicationControllerStrategy()
