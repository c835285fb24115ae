"""The replication controller: the study notes' "replication controller", a ReplicaSet's elder.

A ReplicationController (core/v1) keeps `spec.replicas` pods running exactly as a ReplicaSet
does; it predates label-selector expressions, so its `spec.selector` is a plain map of labels
(`{"app": "web"}`), which the API server defaults from the template's labels.

Upstream does not write the logic twice: its replication manager
(pkg/controller/replication/replication_controller.go) runs the ReplicaSet controller with
adapters that present an RC as a ReplicaSet. kubelab does the same by subclassing: the resource,
the kind, the controller's name ("replication-controller", its service account and event
source) and how to read the selector are all that differ. Events, expectations, adoption,
the deletion ranking and the status (replicas, fullyLabeledReplicas, readyReplicas,
availableReplicas, observedGeneration, the ReplicaFailure condition) are the ReplicaSet's.
"""
from __future__ import annotations

from .replicaset import ReplicaSetController


class ReplicationManager(ReplicaSetController):
    name = "replication-controller"
    resource, kind = "replicationcontrollers", "ReplicationController"

    @staticmethod
    def selector_of(controller: dict) -> dict | None:
        """An RC's map selector as a LabelSelector (an empty map selects nothing)."""
        labels = controller["spec"].get("selector") or {}
        return {"matchLabels": dict(labels)} if labels else None
