"""/openapi/v2 as protobuf: the form kubectl's client-side validation and older `explain` read.

client-go downloads OpenAPI v2 only as protobuf (`Accept: application/com.github.proto-openapi.
spec.v2@v1.0+protobuf`), in the message layout of gnostic's OpenAPIv2.proto (Apache License
2.0). kubectl 1.27 reads it for `explain` and to validate a manifest before `apply`; newer
kubectl only when the server cannot validate fields itself. This file writes the same
definitions openapi.py serves as JSON into that layout:

    Document { swagger=1, info=2 {title=1, version=2}, definitions=9 { NamedSchema=1 {name, Schema} } }
    Schema   { _ref=1, format=2, description=4, required=19, enum=20, additional_properties=21,
               type=22, items=23, all_of=24, properties=25, read_only=27, vendor_extension=31 }

Values that are "any JSON" (enum entries, defaults, vendor extensions such as
`x-kubernetes-group-version-kind`, which kubectl needs to find a kind's schema) travel as
YAML text in gnostic's `Any.yaml`, as upstream's encoder writes them.
"""
from __future__ import annotations

import json
from functools import lru_cache

from . import openapi

MEDIA_TYPE = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _bytes(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _string(number: int, text: str) -> bytes:
    return _bytes(number, text.encode()) if text else b""


def _bool(number: int, value: bool) -> bytes:
    return _varint(number << 3) + _varint(1) if value else b""


def _int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value) if value else b""


def _any(value) -> bytes:
    """gnostic's Any: the value as YAML text (JSON is YAML)."""
    return _string(2, json.dumps(value))


def _named_any(name: str, value) -> bytes:
    return _string(1, name) + _bytes(2, _any(value))


def schema(node: dict) -> bytes:
    """One Schema message."""
    out = [_string(1, node.get("$ref", "")), _string(2, node.get("format", "")),
           _string(3, node.get("title", "")), _string(4, node.get("description", ""))]
    if "default" in node:
        out.append(_bytes(5, _any(node["default"])))
    for number, key in ((11, "maxLength"), (12, "minLength"), (14, "maxItems"), (15, "minItems")):
        out.append(_int(number, node.get(key, 0)))
    out.append(_string(13, node.get("pattern", "")))
    out.append(_bool(16, node.get("uniqueItems", False)))
    out += [_string(19, name) for name in node.get("required", [])]
    out += [_bytes(20, _any(value)) for value in node.get("enum", [])]
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        out.append(_bytes(21, _bytes(1, schema(extra))))
    elif isinstance(extra, bool):
        out.append(_bytes(21, _varint(2 << 3) + _varint(int(extra))))
    types = node.get("type")
    if types:
        out.append(_bytes(22, b"".join(_string(1, t) for t in ([types] if isinstance(types, str) else types))))
    if isinstance(node.get("items"), dict):
        out.append(_bytes(23, _bytes(1, schema(node["items"]))))
    out += [_bytes(24, schema(part)) for part in node.get("allOf", [])]
    if node.get("properties"):
        out.append(_bytes(25, b"".join(_bytes(1, _string(1, name) + _bytes(2, schema(prop)))
                                       for name, prop in node["properties"].items())))
    out.append(_bool(27, node.get("readOnly", False)))
    out += [_bytes(31, _named_any(key, value)) for key, value in node.items() if key.startswith("x-")]
    return b"".join(out)


@lru_cache(maxsize=1)
def document() -> bytes:
    """The whole /openapi/v2 document as a gnostic Document message."""
    v2 = openapi.v2()
    info = _string(1, v2["info"]["title"]) + _string(2, v2["info"]["version"])
    definitions = b"".join(_bytes(1, _string(1, name) + _bytes(2, schema(node)))
                           for name, node in v2["definitions"].items())
    return _string(1, v2["swagger"]) + _bytes(2, info) + _bytes(8, b"") + _bytes(9, definitions)


def wanted(accept: str) -> bool:
    """Does the Accept header ask for the protobuf form?"""
    return any(part.split(";")[0].strip() == MEDIA_TYPE for part in accept.split(","))
