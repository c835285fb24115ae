"""A PodSpec's rules, upstream's ValidatePodSpec: containers, ports, resources, restart policy.

Shared by every kind that carries a pod template (Deployment, ReplicaSet, Job, DaemonSet, …):
each validates its template's spec with `validate_pod_spec(spec, "spec.template.spec")`.
What the kubelet acts on (probes, hooks, mounts, env) is containers.py; where a pod may run
(node selector, affinity, topology spread, scheduling gates) is scheduling.py. Messages and
field paths are upstream's. Left out: the long tail of pod rules (volume sources, security
contexts); kubelab checks what its lessons and the documentation's manifests exercise.
"""
from __future__ import annotations

from ....api import errors
from ....objects import quantity
from ... import enum_validation
from ...validation import _DNS1123_LABEL, LABEL_MSG, validate_port_number
from .containers import validate_container_runtime_fields, validate_volumes
from .scheduling import validate_pod_scheduling


def validate_container(container: dict, field: str) -> list[dict]:
    causes = []
    if not container.get("name"):
        causes.append(errors.required(f"{field}.name"))
    elif not _DNS1123_LABEL.match(container["name"]):
        causes.append(errors.invalid_value(f"{field}.name", container["name"], LABEL_MSG))
    if not container.get("image"):
        causes.append(errors.required(f"{field}.image"))
    if container.get("imagePullPolicy") not in ("Always", "IfNotPresent", "Never"):   # upstream's validatePullPolicy
        causes.append(errors.required(f"{field}.imagePullPolicy") if not container.get("imagePullPolicy") else
                      errors.not_supported(f"{field}.imagePullPolicy", container["imagePullPolicy"],
                                           ["Always", "IfNotPresent", "Never"]))
    for i, port in enumerate(container.get("ports") or []):
        causes += validate_port_number(port.get("containerPort"), f"{field}.ports[{i}].containerPort")
        if port.get("protocol") not in ("TCP", "UDP", "SCTP"):
            causes.append(errors.not_supported(f"{field}.ports[{i}].protocol", port.get("protocol"),
                                               ["SCTP", "TCP", "UDP"]))
    causes += enum_validation.container_enums(container, field)
    resources = container.get("resources") or {}
    for section in ("requests", "limits"):
        for name, amount in (resources.get(section) or {}).items():
            if not quantity.is_valid(amount):
                causes.append(errors.invalid_value(f"{field}.resources.{section}[{name}]", amount,
                                                   "quantities must match the regular expression "
                                                   "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"))
            elif quantity.parse(amount) < 0:   # upstream's ValidateResourceQuantityValue
                causes.append(errors.invalid_value(f"{field}.resources.{section}[{name}]", str(amount),
                                                   "must be greater than or equal to 0"))
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    for name in sorted(set(requests) & set(limits)):
        if quantity.is_valid(requests[name]) and quantity.is_valid(limits[name]) and \
                quantity.parse(requests[name]) > quantity.parse(limits[name]):
            causes.append(errors.invalid_value(f"{field}.resources.requests", requests[name],
                                               f"must be less than or equal to {name} limit of {limits[name]}"))
    return causes


def validate_pod_spec(spec: dict, field: str) -> list[dict]:
    causes = []
    containers = spec.get("containers") or []
    if not containers:
        causes.append(errors.required(f"{field}.containers"))
    seen = set()
    volume_names = {volume.get("name") for volume in spec.get("volumes") or []}
    causes += validate_volumes(spec, field)
    for kind in ("initContainers", "containers"):
        for i, container in enumerate(spec.get(kind) or []):
            causes += validate_container_runtime_fields(container, f"{field}.{kind}[{i}]", volume_names)
    for i, container in enumerate(containers):
        causes += validate_container(container, f"{field}.containers[{i}]")
        if container.get("name") in seen:
            causes.append(errors.duplicate(f"{field}.containers[{i}].name", container["name"]))
        seen.add(container.get("name"))
    if spec.get("restartPolicy") not in ("Always", "OnFailure", "Never"):
        causes.append(errors.not_supported(f"{field}.restartPolicy", spec.get("restartPolicy"),
                                           ["Always", "OnFailure", "Never"]))
    causes += enum_validation.pod_spec_enums(spec, field)
    return causes + validate_pod_scheduling(spec, field)
