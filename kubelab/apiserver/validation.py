"""Validation every kind shares: object metadata (names, labels, annotations, owner references)
and the words of upstream's DNS, label and port rules (apimachinery's validation package).

Each check appends a cause — {field, reason, message} — naming the field path exactly as
upstream does (`spec.template.spec.containers[0].image`), so a 422 from kubelab reads like a
422 from Kubernetes. Validation sees the object after defaulting, as upstream's does. A
kind's own rules are its strategy's (registry/<kind>.py; a pod's PodSpec rules, which every
pod template shares, in registry/pod/); which name rule a kind's names follow is its
strategy's `validate_name` (most kinds: a DNS subdomain).
"""
from __future__ import annotations

import re

from ..api import errors

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

NAME_RULES = {"subdomain": (_DNS1123_SUBDOMAIN, SUBDOMAIN_MSG, 253), "label": (_DNS1123_LABEL, LABEL_MSG, 63),
              "dns1035": (_DNS1035_LABEL, DNS1035_MSG, 63)}


def validate_path_segment_name(name: str, field: str) -> list[dict]:
    """RBAC names only need to be usable in a URL path ("system:controller:x" is fine)."""
    if name in (".", ".."):
        return [errors.invalid_value(field, name, f"may not be '{name}'")]
    for bad in ("/", "%"):
        if bad in name:
            return [errors.invalid_value(field, name, f"may not contain '{bad}'")]
    return []


def validate_dns_name(name: str, field: str = "metadata.name", rule: str = "subdomain") -> list[dict]:
    """A name that is a DNS subdomain (most kinds), a DNS-1123 label or a DNS-1035 label."""
    pattern, message, limit = NAME_RULES[rule]
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


def validate_metadata(obj: dict, namespaced: bool, validate_name=validate_dns_name) -> list[dict]:
    """ValidateObjectMeta: a name (by the kind's rule), a namespace when namespaced, labels,
    annotations, owner references."""
    metadata = obj.get("metadata") or {}
    causes = []
    if not metadata.get("name"):
        causes.append(errors.cause("metadata.name", "FieldValueRequired",
                                   "Required value: name or generateName is required"))
    else:
        causes += validate_name(metadata["name"], "metadata.name")
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


def validate_port_number(value, field: str) -> list[dict]:
    """A port is 1-65535 (upstream's ValidatePortNumOrName, the number half)."""
    if not isinstance(value, int) or not 1 <= value <= 65535:
        return [errors.invalid_value(field, value, "must be between 1 and 65535, inclusive")]
    return []


def validate_pod_spec(spec: dict, field: str) -> list[dict]:
    """ValidatePodSpec, now in registry/pod/validation.py (importable here for kind files written before)."""
    from .registry.pod.validation import validate_pod_spec as validate
    return validate(spec, field)
