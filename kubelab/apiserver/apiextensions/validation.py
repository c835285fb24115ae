"""CustomResourceDefinition (apiextensions.k8s.io/v1): defaults and validation, as upstream's.

Upstream: apiextensions-apiserver/pkg/apis/apiextensions/v1/defaults.go and
.../apiextensions/validation/validation.go. A CRD is refused with a 422 naming the field:

    metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group
    spec.versions: Invalid value: ...: must have exactly one version marked as storage version
    spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required
    spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty ...

Left out: conversion webhooks (kubelab calls no webhooks, so `strategy: Webhook` is refused
rather than accepted and never called), `selectableFields`, per-version deprecation warnings.
All versions are stored as the storage version with strategy None: only `apiVersion` changes.
"""
from __future__ import annotations

import re

from ...api import errors
from ..validation import DNS1035_MSG, SUBDOMAIN_MSG, validate_labels, validate_annotations
from . import structural

_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
SCOPES = ["Cluster", "Namespaced"]
COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"]
COLUMN_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "name", "password"]


def apply_defaults(crd: dict) -> None:
    """v1 defaults: singular and listKind from kind, conversion strategy None."""
    spec = crd.setdefault("spec", {})
    names = spec.get("names")
    if isinstance(names, dict) and names.get("kind"):
        names.setdefault("singular", names["kind"].lower())
        names.setdefault("listKind", names["kind"] + "List")
    if isinstance(spec.get("conversion"), dict):
        spec["conversion"].setdefault("strategy", "None")
    else:
        spec["conversion"] = {"strategy": "None"}
    for version in spec.get("versions") or []:
        if isinstance(version, dict):
            for column in version.get("additionalPrinterColumns") or []:
                if isinstance(column, dict):
                    column.setdefault("priority", 0)  # not upstream's default, but what it prints
                    if not column["priority"]:
                        del column["priority"]


def _dns1035(value: str) -> str | None:
    if len(value) > 63:
        return "must be no more than 63 characters"
    return None if _DNS1035_LABEL.match(value) else DNS1035_MSG


def validate(crd: dict) -> list[dict]:
    """Every cause that makes `crd` invalid (ValidateCustomResourceDefinition)."""
    metadata, spec = crd.get("metadata") or {}, crd.get("spec") or {}
    names = spec.get("names") or {}
    causes: list[dict] = []
    name = metadata.get("name") or ""
    if not name:
        causes.append(errors.cause("metadata.name", "FieldValueRequired",
                                   "Required value: name or generateName is required"))
    else:
        if not _DNS1123_SUBDOMAIN.match(name) or len(name) > 253:
            causes.append(errors.invalid_value("metadata.name", name, SUBDOMAIN_MSG))
        if name != f"{names.get('plural', '')}.{spec.get('group', '')}":
            causes.append(errors.invalid_value("metadata.name", name, 'must be spec.names.plural+"."+spec.group'))
    causes += validate_labels(metadata.get("labels"), "metadata.labels")
    causes += validate_annotations(metadata.get("annotations"))
    return causes + validate_spec(spec) + validate_names((crd.get("status") or {}).get("acceptedNames") or {},
                                                         "status.acceptedNames")


def validate_spec(spec: dict) -> list[dict]:
    causes: list[dict] = []
    group = spec.get("group") or ""
    if not group:
        causes.append(errors.required("spec.group"))
    elif not _DNS1123_SUBDOMAIN.match(group):
        causes.append(errors.invalid_value("spec.group", group, SUBDOMAIN_MSG))
    elif "." not in group:
        causes.append(errors.invalid_value("spec.group", group, "should be a domain with at least one dot"))
    scope = spec.get("scope") or ""
    if not scope:
        causes.append(errors.required("spec.scope"))
    elif scope not in SCOPES:
        causes.append(errors.not_supported("spec.scope", scope, SCOPES))
    causes += _validate_versions(spec.get("versions") or [])
    names = spec.get("names") or {}
    for field in ("plural", "singular", "kind", "listKind"):
        if not names.get(field):
            causes.append(errors.required(f"spec.names.{field}"))
    causes += validate_names(names, "spec.names")
    conversion = spec.get("conversion") or {}
    if conversion.get("strategy") not in (None, "None"):
        causes.append(errors.forbidden_field("spec.conversion.strategy", "kubelab serves only strategy None "
                                             "(it calls no conversion webhooks)"))
    if spec.get("preserveUnknownFields"):
        causes.append(errors.invalid_value("spec.preserveUnknownFields", True, "cannot set to true, set "
                                           "x-kubernetes-preserve-unknown-fields to true in "
                                           "spec.versions[*].schema instead"))
    return causes


def _versions_repr(versions: list) -> str:
    inner = ", ".join('apiextensions.CustomResourceDefinitionVersion{Name:"%s", Served:%s, Storage:%s, ...}' % (
        v.get("name", ""), str(bool(v.get("served"))).lower(), str(bool(v.get("storage"))).lower())
        for v in versions if isinstance(v, dict))
    return "[]apiextensions.CustomResourceDefinitionVersion{" + inner + "}"


def _validate_versions(versions: list) -> list[dict]:
    causes: list[dict] = []
    if not versions:
        return [errors.cause("spec.versions", "FieldValueRequired", "Required value: must have exactly one "
                             "version marked as storage version")]
    seen, storage = set(), 0
    for index, version in enumerate(versions):
        path = f"spec.versions[{index}]"
        name = version.get("name") or ""
        storage += bool(version.get("storage"))
        if name in seen:
            causes.append(errors.cause("spec.versions", "FieldValueInvalid", f"Invalid value: "
                                       f"{_versions_repr(versions)}: must contain unique version names"))
        seen.add(name)
        problem = _dns1035(name)
        if problem:
            causes.append(errors.invalid_value(f"{path}.name", name, problem))
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        if schema is None:
            causes.append(errors.cause(f"{path}.schema.openAPIV3Schema", "FieldValueRequired",
                                       "Required value: schemas are required"))
        else:
            causes += structural.validate(schema, f"{path}.schema.openAPIV3Schema")
        causes += _validate_subresources(version.get("subresources") or {}, f"{path}.subresources")
        causes += _validate_columns(version.get("additionalPrinterColumns") or [],
                                    f"{path}.additionalPrinterColumns")
    if storage != 1:
        causes.append(errors.cause("spec.versions", "FieldValueInvalid",
                                   f"Invalid value: {_versions_repr(versions)}: must have exactly one version "
                                   "marked as storage version"))
    if not any(v.get("served") for v in versions):
        causes.append(errors.cause("spec.versions", "FieldValueInvalid",
                                   f"Invalid value: {_versions_repr(versions)}: must have at least one version "
                                   "marked as served"))
    return causes


def _validate_subresources(subresources: dict, path: str) -> list[dict]:
    causes: list[dict] = []
    scale = subresources.get("scale")
    if scale is None:
        return causes
    for field, under in (("specReplicasPath", ".spec"), ("statusReplicasPath", ".status")):
        value = scale.get(field) or ""
        if not value:
            causes.append(errors.required(f"{path}.scale.{field}"))
        elif not value.startswith(under + "."):
            causes.append(errors.invalid_value(f"{path}.scale.{field}", value,
                                               f"should be a json path under {under}"))
    selector = scale.get("labelSelectorPath")
    if selector and not (selector.startswith(".spec.") or selector.startswith(".status.")):
        causes.append(errors.invalid_value(f"{path}.scale.labelSelectorPath", selector,
                                           "should be a json path under either .spec or .status"))
    return causes


def _validate_columns(columns: list, path: str) -> list[dict]:
    causes: list[dict] = []
    for index, column in enumerate(columns):
        where = f"{path}[{index}]"
        if not column.get("name"):
            causes.append(errors.required(f"{where}.name"))
        if not column.get("type"):
            causes.append(errors.required(f"{where}.type"))
        elif column["type"] not in COLUMN_TYPES:
            causes.append(errors.not_supported(f"{where}.type", column["type"], COLUMN_TYPES))
        if column.get("format") and column["format"] not in COLUMN_FORMATS:
            causes.append(errors.not_supported(f"{where}.format", column["format"], COLUMN_FORMATS))
        if not column.get("jsonPath"):
            causes.append(errors.required(f"{where}.JSONPath"))
        if (column.get("priority") or 0) < 0:
            causes.append(errors.invalid_value(f"{where}.priority", column["priority"], "must be non-negative"))
    return causes


def validate_names(names: dict, path: str) -> list[dict]:
    """ValidateCustomResourceDefinitionNames: DNS-1035 labels (kinds may have mixed case)."""
    causes: list[dict] = []
    for field in ("plural", "singular"):
        problem = names.get(field) and _dns1035(names[field])
        if problem:
            causes.append(errors.invalid_value(f"{path}.{field}", names[field], problem))
    for field in ("kind", "listKind"):
        problem = names.get(field) and _dns1035(names[field].lower())
        if problem:
            causes.append(errors.invalid_value(f"{path}.{field}", names[field],
                                               "may have mixed case, but should otherwise match: " + problem))
    for field in ("shortNames", "categories"):
        for index, value in enumerate(names.get(field) or []):
            problem = _dns1035(value)
            if problem:
                causes.append(errors.invalid_value(f"{path}.{field}[{index}]", value, problem))
    if names.get("kind") and names.get("kind") == names.get("listKind"):
        causes.append(errors.invalid_value(f"{path}.listKind", names["listKind"],
                                           "kind and listKind may not be the same"))
    return causes


def validate_update(old: dict, new: dict) -> list[dict]:
    """Group and plural never change; scope and kind not once the CRD is Established."""
    causes: list[dict] = []
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    immutable = [("spec.group", old_spec.get("group"), new_spec.get("group")),
                 ("spec.names.plural", (old_spec.get("names") or {}).get("plural"),
                  (new_spec.get("names") or {}).get("plural"))]
    if is_established(old):
        immutable += [("spec.scope", old_spec.get("scope"), new_spec.get("scope")),
                      ("spec.names.kind", (old_spec.get("names") or {}).get("kind"),
                       (new_spec.get("names") or {}).get("kind"))]
    for field, before, after in immutable:
        if before != after:
            causes.append(errors.invalid_value(field, after or "", "field is immutable"))
    stored = (new.get("status") or {}).get("storedVersions") or []
    served = {v.get("name") for v in new_spec.get("versions") or []}
    for index, version in enumerate(stored):
        if version not in served:
            causes.append(errors.invalid_value(f"status.storedVersions[{index}]", version,
                                               "must appear in spec.versions"))
    return causes


def is_established(crd: dict) -> bool:
    return any(c.get("type") == "Established" and c.get("status") == "True"
               for c in (crd.get("status") or {}).get("conditions") or [])
