"""Decoding: a body must have the JSON types of upstream's Go structs, or it is a 400.

kube-apiserver decodes a request body into typed Go structs (v1.Pod, v1.PodSpec, ...), so a
body whose `spec` is a string, whose `containers` is an object or whose `replicas` is text
never reaches validation: the decoder refuses it with

    Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go
    struct field Pod.spec of type v1.PodSpec

kubelab keeps its objects as plain dicts, so it checks the same thing by walking the body
beside upstream's schema for the kind (http/openapi-v1.32.json, built by
tools/build_openapi.py): an object where the schema has a struct or a map, a list where it
has a list, a string, number or boolean where it has one. `null` is accepted anywhere (Go
leaves the zero value, so kubelab drops it); an unknown field is dropped too, as Go's decoder
ignores it (http/field_validation.py refuses or warns first when the client asks for Strict).
Quantities take numbers too ("cpu": 1), and int-or-string fields either, as upstream's
custom unmarshallers do.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path

from ..api import errors
from . import decode_compiled  # the fast path (it reads this module's compiled schemas)

_SCHEMAS = Path(__file__).with_name("http") / "openapi-v1.32.json"
_PACKAGES = {"": "io.k8s.api.core.v1.", "apps": "io.k8s.api.apps.v1.",
             "coordination.k8s.io": "io.k8s.api.coordination.v1.",
             "rbac.authorization.k8s.io": "io.k8s.api.rbac.v1.", "scheduling.k8s.io": "io.k8s.api.scheduling.v1.",
             "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1."}
_JSON_NAMES = {str: "string", int: "number", float: "number", bool: "bool", list: "array", dict: "object"}


@lru_cache(maxsize=1)
def _definitions() -> dict:
    return json.loads(_SCHEMAS.read_text())["definitions"] if _SCHEMAS.exists() else {}


def clone(value):
    """A copy of a JSON value (dicts, lists, strings, numbers): what copy.deepcopy gives, at a
    fraction of its cost (no memo: a decoded body has no shared parts). Anything else: deepcopy."""
    kind = type(value)
    if kind is dict:
        return {key: clone(item) for key, item in value.items()}
    if kind is list:
        return [clone(item) for item in value]
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if isinstance(value, dict):   # a shared, frozen dict (objects/frozen.py): a plain copy
        return {key: clone(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):   # (a tuple is what JSON would make of it: an array)
        return [clone(item) for item in value]
    return copy.deepcopy(value)


def body(resource, request, sent) -> dict:
    """The request's object, decoded for `resource`: kind and apiVersion checked, namespace set
    from the URL, the Go types' shape checked (400 otherwise; `check` below). `sent` is not
    modified: the answer is a new object (decode_compiled.py builds it in one pass; the
    reference walk below runs only to word a refusal, or for a custom kind)."""
    if not isinstance(sent, dict):
        raise errors.bad_request("the body of the request was in an unknown format")
    name = _PACKAGES.get(resource.group, "") + resource.kind
    if resource.group in _PACKAGES and name in _definitions():
        _check_envelope(resource, request, sent)
        try:
            obj = decode_compiled.builder(_root(name))(sent)
        except decode_compiled.Unfit:
            pass   # the reference below finds the value that does not fit, and words the 400
        else:
            return _fill_envelope(resource, request, obj, sent)
    obj = clone(sent)
    _check_envelope(resource, request, obj)
    _fill_envelope(resource, request, obj, obj)
    check(resource, obj)  # the Go types' shape, as upstream's decoder enforces
    return obj


def _check_envelope(resource, request, sent: dict) -> None:
    """The refusals that come before the Go types are looked at: kind, apiVersion, metadata,
    the namespace in the body against the URL's."""
    kind = sent["kind"] if "kind" in sent else resource.kind
    api_version = sent["apiVersion"] if "apiVersion" in sent else resource.api_version
    if kind != resource.kind or api_version != resource.api_version:
        raise errors.bad_request(f"the API version in the data ({api_version}) does not match "
                                 f"the expected API version ({resource.api_version})"
                                 if kind == resource.kind else
                                 f"{kind} in version \"{api_version}\" cannot be handled as a "
                                 f"{resource.kind}: no kind \"{kind}\" is registered for version "
                                 f"\"{api_version}\"")
    metadata = sent["metadata"] if "metadata" in sent else {}
    if not isinstance(metadata, dict):
        raise errors.bad_request("metadata: expected an object")
    if resource.namespaced:
        body_ns = metadata.get("namespace")
        if body_ns and request.namespace and body_ns != request.namespace:
            raise errors.bad_request("the namespace of the provided object does not match "
                                     "the namespace sent on the request")


def _fill_envelope(resource, request, obj: dict, sent: dict) -> dict:
    """kind and apiVersion defaulted, the namespace from the URL (or the body's, or "default")."""
    obj.setdefault("kind", resource.kind)
    obj.setdefault("apiVersion", resource.api_version)
    metadata = obj.setdefault("metadata", {})
    if resource.namespaced:
        metadata["namespace"] = request.namespace or (sent.get("metadata") or {}).get("namespace") or "default"
    else:
        metadata.pop("namespace", None)
    return obj


def check(resource, obj: dict) -> None:
    """Decode `obj` in place as the resource's Go type would: 400 on a type mismatch; `null`s and
    unknown fields dropped, as Go's decoder leaves zero values and ignores what it does not know."""
    name = _PACKAGES.get(resource.group, "") + resource.kind
    if resource.group not in _PACKAGES and isinstance(obj.get("metadata"), dict):
        # A custom kind (a CRD's): only its metadata has a Go type, ObjectMeta; the rest is
        # checked against the CRD's schema (apiextensions/schema.py), as upstream's unstructured decoding.
        try:
            _decode(obj["metadata"], _root("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), "", "ObjectMeta")
        except _Mismatch as mismatch:
            where, value, go_type = mismatch.args
            raise errors.bad_request(f'{resource.kind} in version "{resource.version}" cannot be handled as a '
                                     f"{resource.kind}: json: cannot unmarshal {_describe(value)} into Go struct "
                                     f"field {where} of type {go_type}")
        return
    check_definition(name, obj, resource.kind, resource.version)


def check_definition(name: str, obj, kind: str, version: str) -> None:
    """Decode `obj` in place against the definition `name` ("io.k8s.api.core.v1.Pod")."""
    if name not in _definitions():
        return
    try:
        decoded = decode_compiled.builder(_root(name))(obj)
    except decode_compiled.Unfit:
        pass   # the reference walk below words the refusal
    else:
        obj.clear()
        obj.update(decoded)
        return
    try:
        _decode(obj, _root(name), "", kind)
    except _Mismatch as mismatch:
        where, value, go_type = mismatch.args
        raise errors.bad_request(
            f'{kind} in version "{version}" cannot be handled as a {kind}: '
            f"json: cannot unmarshal {_describe(value)} into Go struct field "
            f"{where} of type {go_type}")


_LIMITS = {"int32": 2 ** 31, "int64": 2 ** 63}


def _in_range(value, go_format: str) -> bool:
    """Does a JSON number fit a Go integer field (whole, and within int32 or int64)?"""
    limit = _LIMITS.get(go_format, 2 ** 63)
    return (isinstance(value, int) or value.is_integer()) and -limit <= value < limit


class _Number:
    """A number as Go names it in an UnmarshalTypeError: "number 1000000000000"."""

    def __init__(self, value):
        self.text = str(int(value)) if isinstance(value, int) or (value.is_integer() and abs(value) < 1e21) \
            else repr(value)


def _describe(value) -> str:
    if isinstance(value, _Number):
        return f"number {value.text}"
    return _JSON_NAMES.get(type(value), "value")


class _Mismatch(Exception):
    """(field, value, Go type) of the first value that does not fit."""


def _go_type(schema: dict) -> str:
    ref = schema.get("$ref", "")
    if ref:
        parts = ref.split("/")[-1].split(".")
        return f"{parts[-2]}.{parts[-1]}" if len(parts) >= 2 else parts[-1]
    kind = schema.get("type")
    if kind == "array":
        return "[]" + _go_type(schema.get("items") or {})
    if kind == "object":
        return "map[string]" + _go_type(schema.get("additionalProperties") or {"type": "string"})
    return {"integer": schema.get("format", "int64"), "boolean": "bool", "number": "float64"}.get(kind, "string")


@lru_cache(maxsize=None)
def _root(name: str) -> dict:
    """The schema that points at definition `name` (one dict per name: _compile keys on it)."""
    return {"$ref": f"#/definitions/{name}"}


_COMPILED: dict[int, tuple] = {}  # id(schema) -> what _decode reads of it (the tuple holds the schema: ids stay unique)


def _compile(schema: dict) -> tuple:
    """A schema's reference resolved and its parts looked up once, not for every value decoded."""
    found = _COMPILED.get(id(schema))
    if found is not None:
        return found
    ref = schema.get("$ref", "")
    resolved = _definitions().get(ref.split("/")[-1], {}) if ref else schema
    values = resolved.get("additionalProperties")
    items = resolved.get("items")
    found = _COMPILED[id(schema)] = (
        schema, ref, resolved, ref.endswith("Quantity"), resolved.get("format") == "int-or-string",
        resolved.get("type", "object" if "properties" in resolved else None), resolved.get("format", "int64"),
        resolved.get("properties"), values if isinstance(values, dict) else None,
        items if isinstance(items, dict) else None)
    return found


def _decode(value, schema: dict, path: str, struct: str):
    """`value` decoded against `schema`: containers are cleaned in place and returned."""
    _, ref, resolved, quantity, int_or_string, kind, go_format, properties, values, items = _compile(schema)
    if quantity and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    if int_or_string:
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            return value
        raise _Mismatch(f"{struct}.{path}", value, "intstr.IntOrString")
    if kind == "integer" and isinstance(value, (int, float)) and not isinstance(value, bool) \
            and not _in_range(value, go_format):
        # Go's decoder: a number that does not fit the field's int32/int64 (or is not whole)
        raise _Mismatch(f"{struct}.{path}" if path else struct, _Number(value), _go_type(schema))
    if not _fits(value, kind):
        raise _Mismatch(f"{struct}.{path}" if path else struct, value, _go_type(schema))
    if isinstance(value, dict):
        inner = ref.split(".")[-1] if ref else struct
        for key in list(value):
            item = value[key]
            child = properties.get(key) if properties is not None else values
            if item is None or (properties is not None and child is None):
                del value[key]   # null: Go's zero value, omitted; unknown: ignored by the decoder
            elif child is not None:
                if type(item) is str:   # a string fits a string, a quantity, an int-or-string or "any"
                    compiled = _compile(child)
                    if compiled[5] in ("string", None) or compiled[3] or compiled[4]:
                        continue
                value[key] = _decode(item, child, f"{path}.{key}" if path else key, inner)
    elif isinstance(value, list) and items is not None:
        for index, item in enumerate(value):
            value[index] = {} if item is None and _is_struct(items) else \
                _decode(item, items, path, struct) if item is not None else item
    return value


def _is_struct(schema: dict) -> bool:
    ref = schema.get("$ref", "")
    resolved = _definitions().get(ref.split("/")[-1], {}) if ref else schema
    return "properties" in resolved


def _fits(value, kind: str | None) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return True
