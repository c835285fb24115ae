"""Leases (coordination.k8s.io/v1): "I hold this, until renewTime + leaseDurationSeconds".

Two uses in a cluster: each kubelet renews a Lease named after its node in kube-node-lease
every 10 s (the cheap heartbeat the node lifecycle controller watches), and controllers
elect a leader by holding a Lease in kube-system. Validation: durations and counts are
positive (upstream's ValidateLeaseSpec).
"""
from __future__ import annotations

from ...api import errors
from .strategy import FunctionStrategy


def validate(obj: dict) -> list[dict]:
    spec = obj.get("spec") or {}
    causes = []
    duration = spec.get("leaseDurationSeconds")
    if duration is not None and (not isinstance(duration, int) or duration <= 0):
        causes.append(errors.invalid_value("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    transitions = spec.get("leaseTransitions")
    if transitions is not None and (not isinstance(transitions, int) or transitions < 0):
        causes.append(errors.invalid_value("spec.leaseTransitions", transitions,
                                           "must be greater than or equal to 0"))
    return causes


STRATEGY = FunctionStrategy("leases", validate=validate)
