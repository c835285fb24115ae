"""A custom object against its CRD's schema: prune, default, validate.

A CRD's `openAPIV3Schema` is *structural* (structural.py checks that when the CRD is
created): every field has a type, so the API server can walk an object beside its schema.
On every create and update of a custom object it does three things, in upstream's order
(apiextensions-apiserver: pruning, structural defaulting, then kube-openapi validation):

1. **prune** — drop every field the schema does not specify, unless the node says
   `x-kubernetes-preserve-unknown-fields: true`. This is why a typo in a custom object
   silently disappears (`kubectl apply` warns, or refuses with `--validate=strict`: the paths
   are returned so http/field_validation.py can do either).
2. **default** — a missing field whose schema has `default` gets it; so does a `null` in a
   field that is not `nullable`.
3. **validate** — types, `required`, `enum`, `minimum`/`maximum` (and exclusive),
   `minLength`/`maxLength`, `pattern`, `minItems`/`maxItems`, `items`, `properties`,
   `additionalProperties`, `nullable`, `x-kubernetes-int-or-string`. Each failure is a
   cause naming the field as upstream does: `spec.replicas: Invalid value: "string":
   spec.replicas in body must be of type integer: "string"`.

Left out (kubelab says so instead of ignoring them: structural.py refuses such a CRD):
`x-kubernetes-validations` (CEL rules), `allOf`/`oneOf`/`not`, `anyOf` beyond the
int-or-string pattern, `format` checks other than as documentation, `uniqueItems`.
"""
from __future__ import annotations

import copy
import re

from ...api import errors

Schema = dict   # one node of an openAPIV3Schema
Path = str      # "spec.items[0].name", as upstream prints a field path

_META_FIELDS = ("apiVersion", "kind", "metadata")


# -- 1. pruning ----------------------------------------------------------------------------
def prune(schema: Schema, obj: dict) -> list[Path]:
    """Drop unknown fields from `obj` in place; returns the dropped paths (root fields
    apiVersion, kind and metadata are the API server's, never pruned)."""
    dropped: list[Path] = []
    _prune(schema, obj, "", dropped, root=True)
    return dropped


def _prune(schema: Schema, value, path: Path, dropped: list[Path], root: bool = False) -> None:
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
        embedded = schema.get("x-kubernetes-embedded-resource") is True
        for key in list(value):
            child = _join(path, key)
            if (root or embedded) and key in _META_FIELDS:
                continue
            if key in properties:
                _prune(properties[key], value[key], child, dropped)
            elif isinstance(additional, dict):
                _prune(additional, value[key], child, dropped)
            elif not (preserve or additional is True):
                del value[key]
                dropped.append(child)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _prune(schema["items"], item, f"{path}[{index}]", dropped)


# -- 2. defaulting -------------------------------------------------------------------------
def apply_defaults(schema: Schema, value) -> None:
    """Fill in each missing field whose schema has a `default` (and each non-nullable null)."""
    if isinstance(value, dict):
        for key, child in (schema.get("properties") or {}).items():
            if "default" in child and (key not in value or (value[key] is None and not child.get("nullable"))):
                value[key] = copy.deepcopy(child["default"])
            if key in value:
                apply_defaults(child, value[key])
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            for key in value:
                if key not in (schema.get("properties") or {}):
                    apply_defaults(additional, value[key])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            apply_defaults(schema["items"], item)


# -- 3. validation -------------------------------------------------------------------------
def validate(schema: Schema, obj: dict) -> list[dict]:
    """The causes for every place `obj` breaks its schema (empty when it fits)."""
    causes: list[dict] = []
    _validate(schema, obj, "", causes, root=True)
    return causes


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _type_matches(wanted: str, actual: str) -> bool:
    return wanted == actual or (wanted == "number" and actual == "integer")


def _validate(schema: Schema, value, path: Path, causes: list[dict], root: bool = False) -> None:
    actual = _json_type(value)
    if actual == "null":
        if not schema.get("nullable") and (schema.get("type") or schema.get("x-kubernetes-int-or-string")):
            wanted = "integer,string" if schema.get("x-kubernetes-int-or-string") else schema["type"]
            causes.append(_type_invalid(path, wanted, actual))
        return
    if schema.get("x-kubernetes-int-or-string"):
        if actual not in ("integer", "string"):
            causes.append(_type_invalid(path, "integer,string", actual))
            return
    elif schema.get("type") and not _type_matches(schema["type"], actual):
        causes.append(_type_invalid(path, schema["type"], actual))
        return
    if "enum" in schema and value not in schema["enum"]:
        causes.append(errors.cause(path, "FieldValueNotSupported",
                                   f"Unsupported value: {_go(value)}: supported values: "
                                   + ", ".join(_quoted(v) for v in schema["enum"])))
    if actual in ("integer", "number"):
        _validate_number(schema, value, path, causes)
    elif actual == "string":
        _validate_string(schema, value, path, causes)
    elif actual == "array":
        _validate_array(schema, value, path, causes)
    elif actual == "object":
        _validate_object(schema, value, path, causes, root)


def _validate_number(schema: Schema, value, path: Path, causes: list[dict]) -> None:
    if "minimum" in schema:
        if schema.get("exclusiveMinimum") and value <= schema["minimum"]:
            causes.append(_invalid(path, value, f"should be greater than {_go(schema['minimum'])}"))
        elif value < schema["minimum"]:
            causes.append(_invalid(path, value, f"should be greater than or equal to {_go(schema['minimum'])}"))
    if "maximum" in schema:
        if schema.get("exclusiveMaximum") and value >= schema["maximum"]:
            causes.append(_invalid(path, value, f"should be less than {_go(schema['maximum'])}"))
        elif value > schema["maximum"]:
            causes.append(_invalid(path, value, f"should be less than or equal to {_go(schema['maximum'])}"))
    if schema.get("multipleOf") and value % schema["multipleOf"]:
        causes.append(_invalid(path, value, f"should be a multiple of {_go(schema['multipleOf'])}"))


def _validate_string(schema: Schema, value: str, path: Path, causes: list[dict]) -> None:
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        unit = "byte" if schema["maxLength"] == 1 else "bytes"
        causes.append(errors.cause(path, "FieldValueTooLong",
                                   f"Too long: may not be more than {schema['maxLength']} {unit}"))
    if "minLength" in schema and len(value) < schema["minLength"]:
        causes.append(_invalid(path, value, f"should be at least {schema['minLength']} chars long"))
    if "pattern" in schema and not re.search(schema["pattern"], value):
        causes.append(_invalid(path, value, f"should match '{schema['pattern']}'"))


def _validate_array(schema: Schema, value: list, path: Path, causes: list[dict]) -> None:
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        causes.append(errors.cause(path, "FieldValueTooMany",
                                   f"Too many: {len(value)}: must have at most {schema['maxItems']} items"))
    if "minItems" in schema and len(value) < schema["minItems"]:
        causes.append(_invalid(path, value, f"should have at least {schema['minItems']} items"))
    if isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _validate(schema["items"], item, f"{path}[{index}]", causes)


def _validate_object(schema: Schema, value: dict, path: Path, causes: list[dict], root: bool) -> None:
    properties = schema.get("properties") or {}
    for name in schema.get("required") or []:
        if name not in value and not (root and name in _META_FIELDS):
            causes.append(errors.required(_join(path, name)))
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        causes.append(errors.cause(path, "FieldValueTooMany", f"Too many: {len(value)}: must have at most "
                                   f"{schema['maxProperties']} items"))
    if "minProperties" in schema and len(value) < schema["minProperties"]:
        causes.append(_invalid(path, value, f"should have at least {schema['minProperties']} properties"))
    additional = schema.get("additionalProperties")
    for key, child in value.items():
        if root and key in _META_FIELDS:
            continue  # the API server's own fields, checked as for every kind
        if key in properties:
            _validate(properties[key], child, _join(path, key), causes)
        elif isinstance(additional, dict):
            _validate(additional, child, _join(path, key), causes)


# -- messages, as kube-openapi words them and apiextensions turns them into field errors ----
def _join(path: Path, key: str) -> Path:
    return f"{path}.{key}" if path else key


def _type_invalid(path: Path, wanted: str, actual: str) -> dict:
    return errors.cause(path, "FieldValueTypeInvalid",
                        f'Invalid value: "{actual}": {path} in body must be of type {wanted}: "{actual}"')


def _invalid(path: Path, value, detail: str) -> dict:
    return errors.cause(path, "FieldValueInvalid", f"Invalid value: {_go(value)}: {path} in body {detail}")


def _go(value) -> str:
    """A value as Go's %v / %q prints it in a field error."""
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, dict)):
        return '"object"' if isinstance(value, dict) else '"array"'
    return str(value)


def _quoted(value) -> str:
    return '"' + str(value).replace('"', '\\"') + '"' if not isinstance(value, str) else _go(value)
