"""Validation: upstream's rules and messages for the kinds kubelab serves.

Each check appends a cause — {field, reason, message} — naming the field path exactly as
upstream does (`spec.template.spec.containers[0].image`), so a 422 from kubelab reads like a
422 from Kubernetes. Validation sees the object after defaulting, as upstream's does.

Scheduling fields (nodeSelector, affinity, topology spread, scheduling gates) are checked in
pod_scheduling_validation.py.
Probes, hooks, volume mounts and env references: pod_container_validation.py.
Left out: the long tail of pod rules (volume sources, security contexts);
kubelab checks what its lessons and the documentation's manifests exercise.
"""
from __future__ import annotations

import re

from ..objects import quantity, selector
from ..api import errors
from . import enum_validation

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                 "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
                 "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
             "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
             "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
               "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
               "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
                   "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                   "'my_value',  or '12345', regex used for validation is "
                   "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
QUALIFIED_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                 "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                 "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")

# Which name rule each resource's names follow (upstream's ValidateObjectMeta name functions).
NAME_RULES = {"services": (_DNS1035_LABEL, DNS1035_MSG, 63), "namespaces": (_DNS1123_LABEL, LABEL_MSG, 63)}


PATH_SEGMENT_RESOURCES = ("roles", "rolebindings", "clusterroles", "clusterrolebindings")


def validate_path_segment_name(name: str, field: str) -> list[dict]:
    """RBAC names only need to be usable in a URL path ("system:controller:x" is fine)."""
    if name in (".", ".."):
        return [errors.invalid_value(field, name, f"may not be '{name}'")]
    for bad in ("/", "%"):
        if bad in name:
            return [errors.invalid_value(field, name, f"may not contain '{bad}'")]
    return []


def validate_name(resource: str, name: str, field: str = "metadata.name") -> list[dict]:
    if resource in PATH_SEGMENT_RESOURCES:
        return validate_path_segment_name(name, field)
    pattern, message, limit = NAME_RULES.get(resource, (_DNS1123_SUBDOMAIN, SUBDOMAIN_MSG, 253))
    causes = []
    if len(name) > limit:
        causes.append(errors.invalid_value(field, name, f"must be no more than {limit} characters"))
    if not pattern.match(name):
        causes.append(errors.invalid_value(field, name, message))
    return causes


def validate_labels(labels: dict, field: str) -> list[dict]:
    causes = []
    for key, value in (labels or {}).items():
        prefix, _, name = key.rpartition("/")
        if prefix and not _DNS1123_SUBDOMAIN.match(prefix):
            causes.append(errors.invalid_value(field, key, "prefix part " + SUBDOMAIN_MSG))
        if not name or len(name) > 63 or not _QUALIFIED_NAME.match(name):
            causes.append(errors.invalid_value(field, key, QUALIFIED_MSG))
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            causes.append(errors.invalid_value(field, value, LABEL_VALUE_MSG))
    return causes


def validate_metadata(resource: str, obj: dict, namespaced: bool) -> list[dict]:
    metadata = obj.get("metadata") or {}
    causes = []
    if not metadata.get("name"):
        causes.append(errors.cause("metadata.name", "FieldValueRequired",
                                   "Required value: name or generateName is required"))
    else:
        causes += validate_name(resource, metadata["name"])
    if namespaced and not metadata.get("namespace"):
        causes.append(errors.required("metadata.namespace"))
    causes += validate_labels(metadata.get("labels"), "metadata.labels")
    causes += validate_annotations(metadata.get("annotations"))
    causes += validate_owner_references(metadata.get("ownerReferences"))
    return causes


TOTAL_ANNOTATION_SIZE = 256 * 1024


def validate_annotations(annotations: dict | None) -> list[dict]:
    """Keys are qualified names, like label keys; keys and values together at most 256 KiB."""
    causes, size = [], 0
    for key, value in (annotations or {}).items():
        prefix, _, name = key.rpartition("/")
        if (prefix and not _DNS1123_SUBDOMAIN.match(prefix)) or not name or len(name) > 63 \
                or not _QUALIFIED_NAME.match(name):
            causes.append(errors.invalid_value("metadata.annotations", key, QUALIFIED_MSG))
        size += len(key) + len(str(value))
    if size > TOTAL_ANNOTATION_SIZE:
        causes.append(errors.cause("metadata.annotations", "FieldValueTooLong",
                                   f"Too long: may not be more than {TOTAL_ANNOTATION_SIZE} bytes"))
    return causes


def validate_owner_references(references: list | None) -> list[dict]:
    """Each names apiVersion, kind, name and uid; at most one is the controller."""
    causes = []
    for field, what in (("apiVersion", "version"), ("kind", "kind"), ("name", "name"), ("uid", "uid")):
        for reference in references or []:
            if not reference.get(field):
                causes.append(errors.invalid_value(f"metadata.ownerReferences.{field}", reference.get(field, ""),
                                                   f"{what} must not be empty"))
    controllers = [r for r in references or [] if r.get("controller")]
    if len(controllers) > 1:
        causes.append(errors.invalid_value("metadata.ownerReferences", len(controllers),
                                           "Only one reference can have Controller set to true"))
    return causes


def _port(value, field: str) -> list[dict]:
    if not isinstance(value, int) or not 1 <= value <= 65535:
        return [errors.invalid_value(field, value, "must be between 1 and 65535, inclusive")]
    return []


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
        causes += _port(port.get("containerPort"), f"{field}.ports[{i}].containerPort")
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
    from .pod_container_validation import validate_container_runtime_fields, validate_volumes
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
    from .pod_scheduling_validation import validate_pod_scheduling  # (it reuses this module's rules)
    return causes + validate_pod_scheduling(spec, field)


def _validate_workload(obj: dict, kind_field: str = "spec") -> list[dict]:
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


def validate_service(obj: dict) -> list[dict]:
    spec = obj.get("spec") or {}
    causes = []
    if spec.get("type") not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        causes.append(errors.not_supported("spec.type", spec.get("type"),
                                           ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]))
    ports = spec.get("ports") or []
    if not ports and spec.get("type") != "ExternalName" and spec.get("clusterIP") != "None":
        causes.append(errors.required("spec.ports"))
    names = set()
    for i, port in enumerate(ports):
        if len(ports) > 1 and not port.get("name"):
            causes.append(errors.required(f"spec.ports[{i}].name"))
        if port.get("name") and port["name"] in names:
            causes.append(errors.duplicate(f"spec.ports[{i}].name", port["name"]))
        names.add(port.get("name"))
        causes += _port(port.get("port"), f"spec.ports[{i}].port")
        target = port.get("targetPort")
        if isinstance(target, int):
            causes += _port(target, f"spec.ports[{i}].targetPort")
    causes += validate_labels(spec.get("selector"), "spec.selector")
    return causes + enum_validation.service_enums(spec)
