"""Is a CRD's openAPIV3Schema *structural*? Upstream's rules, upstream's field paths.

apiextensions.k8s.io/v1 only accepts structural schemas: every specified field says its
`type` (so pruning and defaulting know what a node is), arrays say their `items`, the root
is an `object` without `additionalProperties`, `metadata` at the root may only restrict
`name` and `generateName`, and `properties` and `additionalProperties` do not mix. A
violation is a 422 on the CRD, for example

    spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value:
    must not be empty for specified object fields

Deliberate simplification: kubelab evaluates only what schema.py implements. A schema using
`x-kubernetes-validations` (CEL), `allOf`, `oneOf`, `not`, or `anyOf` other than the
int-or-string pattern, `uniqueItems`, or list/map merge markers is refused with a Forbidden
naming the field ("kubelab does not evaluate ..."), rather than accepted and not enforced.
"""
from __future__ import annotations

import re

from ...api import errors

TYPES = ["array", "boolean", "integer", "number", "object", "string"]
_UNSUPPORTED = ("x-kubernetes-validations", "allOf", "oneOf", "not", "uniqueItems", "patternProperties",
                "dependencies", "additionalItems", "$ref", "definitions")
_ROOT, _ITEM, _FIELD = "root", "item", "field"
_KNOWN = {"type", "format", "title", "description", "default", "example", "externalDocs", "nullable",
          "properties", "additionalProperties", "items", "required", "enum", "minimum", "maximum",
          "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern",
          "minItems", "maxItems", "minProperties", "maxProperties", "anyOf", "x-kubernetes-int-or-string",
          "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource", "x-kubernetes-list-type",
          "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "id", "$schema"} | set(_UNSUPPORTED)


def validate(schema, path: str) -> list[dict]:
    """The causes that make `schema` (found at `path`) not structural, sorted as upstream sorts."""
    if not isinstance(schema, dict):
        return [errors.invalid_value(path, "object", "must be an object")]
    causes = _node(schema, _ROOT, path)
    return sorted(causes, key=lambda c: f"{c['field']}: {c['message']}")


def _node(schema: dict, level: str, path: str) -> list[dict]:
    causes: list[dict] = []
    for key in schema:
        if key in _UNSUPPORTED:
            causes.append(errors.forbidden_field(f"{path}.{key}", "kubelab does not evaluate this schema "
                                                 "keyword; remove it (kubelab models the structural subset)"))
        elif key not in _KNOWN:
            causes.append(errors.forbidden_field(f"{path}.{key}", "unknown schema keyword"))
    kind = schema.get("type", "")
    int_or_string = schema.get("x-kubernetes-int-or-string") is True
    preserve = schema.get("x-kubernetes-preserve-unknown-fields")
    if kind and kind not in TYPES:
        causes.append(errors.not_supported(f"{path}.type", kind, TYPES))
    if kind == "array" and "items" not in schema:
        causes.append(errors.cause(f"{path}.items", "FieldValueRequired", "Required value: must be specified"))
    if isinstance(schema.get("items"), dict):
        causes += _node(schema["items"], _ITEM, f"{path}.items")
    elif isinstance(schema.get("items"), list):
        causes.append(errors.forbidden_field(f"{path}.items", "items must be a schema object and not an array"))
    for name, child in (schema.get("properties") or {}).items():
        if isinstance(child, dict):
            causes += _node(child, _FIELD, f"{path}.properties[{name}]")
    additional = schema.get("additionalProperties")
    if additional is not None:
        if level == _ROOT:
            causes.append(errors.forbidden_field(f"{path}.additionalProperties", "must not be used at the root"))
        if schema.get("properties") and (additional is False or isinstance(additional, dict)):
            causes.append(errors.forbidden_field(f"{path}.additionalProperties",
                                                 "additionalProperties and properties are mutual exclusive"))
        if isinstance(additional, dict):
            causes += _node(additional, _FIELD, f"{path}.additionalProperties")
    if preserve is False:
        causes.append(errors.invalid_value(f"{path}.x-kubernetes-preserve-unknown-fields", False,
                                           "must be true or undefined"))
    if int_or_string and preserve:
        causes.append(errors.invalid_value(f"{path}.x-kubernetes-preserve-unknown-fields", True,
                                           "must be false if x-kubernetes-int-or-string is true"))
    if "anyOf" in schema and not (int_or_string and _is_int_or_string_any_of(schema["anyOf"])):
        causes.append(errors.forbidden_field(f"{path}.anyOf", "kubelab does not evaluate this schema keyword "
                                             "except as the x-kubernetes-int-or-string pattern"))
    if schema.get("x-kubernetes-embedded-resource") and kind != "object":
        causes.append(errors.cause(f"{path}.type", "FieldValueRequired",
                                   "Required value: must be object if x-kubernetes-embedded-resource is true")
                      if not kind else errors.invalid_value(f"{path}.type", kind,
                                                            "must be object if x-kubernetes-embedded-resource is true"))
    elif not kind and not int_or_string and not preserve:
        detail = {_ROOT: "must not be empty at the root", _ITEM: "must not be empty for specified array items",
                  _FIELD: "must not be empty for specified object fields"}[level]
        causes.append(errors.cause(f"{path}.type", "FieldValueRequired", f"Required value: {detail}"))
    if level == _ROOT and kind and kind != "object":
        causes.append(errors.invalid_value(f"{path}.type", kind, "must be object at the root"))
    if "pattern" in schema:
        try:
            re.compile(schema["pattern"])
        except (re.error, TypeError) as error:
            causes.append(errors.invalid_value(f"{path}.pattern", schema["pattern"],
                                               f"must be a valid regular expression, but isn't: {error}"))
    if level == _ROOT:
        causes += _root_metadata(schema, path)
    return causes


def _is_int_or_string_any_of(any_of) -> bool:
    return isinstance(any_of, list) and [sorted(s) for s in any_of] == [["type"], ["type"]] and \
        [s["type"] for s in any_of] == ["integer", "string"]


def _root_metadata(schema: dict, path: str) -> list[dict]:
    """At the root, kind and apiVersion are strings and metadata restricts name/generateName only."""
    causes = []
    properties = schema.get("properties") or {}
    for name in ("kind", "apiVersion"):
        if name in properties and properties[name].get("type") != "string":
            causes.append(errors.invalid_value(f"{path}.properties[{name}].type", properties[name].get("type", ""),
                                               "must be string"))
    metadata = properties.get("metadata")
    if isinstance(metadata, dict):
        if metadata.get("type") != "object":
            causes.append(errors.invalid_value(f"{path}.properties[metadata].type", metadata.get("type", ""),
                                               "must be object"))
        rest = {k: v for k, v in metadata.items() if k not in ("type", "description", "default")}
        names = set((rest.pop("properties", None) or {}))
        if rest or not names <= {"name", "generateName"}:
            causes.append(errors.forbidden_field(f"{path}.properties[metadata]", "must not specify anything other "
                                                 "than name and generateName, but metadata is implicitly specified"))
    return causes
