"""Protobuf request bodies: what client-go sends for built-in kinds, read into JSON-shaped dicts.

kubectl's typed clients (`create namespace`, `create deployment`, `drain`'s Eviction,
`auth can-i`'s SelfSubjectAccessReview) send `Content-Type: application/vnd.kubernetes.protobuf`:

    "k8s\\x00"  +  runtime.Unknown{ typeMeta: {apiVersion, kind}, raw: <the object's message> }

A protobuf message is a list of (field number, value) pairs on the wire; which number is which
field comes from Kubernetes' generated.proto files, shipped as protobuf-fields.json (built by
tools/build_protobuf.py). Proto field names are the JSON names, so decoding gives the object
as kubectl would have sent it in JSON — after three translations of Kubernetes' own types:
Time is {seconds, nanos} (→ RFC 3339), IntOrString is {type, intVal, strVal}, Quantity is
{string}.

One thing the wire cannot say: whether a field was set to its zero value or left out (Go's
encoder writes both kinds of field the same way). kubelab drops zeros, as Go's JSON encoder's
`omitempty` would, except for the fields in KEEP_ZERO, where zero means something
(`replicas: 0`, `gracePeriodSeconds: 0`). Upstream decodes into Go structs and knows which
fields are pointers. Answers always go back as JSON, which client-go also accepts.
"""
from __future__ import annotations

import base64
import json
import struct
import time
from functools import lru_cache
from pathlib import Path

from ...api import errors

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"
KEEP_ZERO = {"replicas", "gracePeriodSeconds", "automountServiceAccountToken", "immutable", "allowed"}
_LIST_ALIASES = {"k8s.io.api.authentication.v1.ExtraValue", "k8s.io.api.authorization.v1.ExtraValue",
                 "k8s.io.apimachinery.pkg.apis.meta.v1.Verbs"}
_META = "k8s.io.apimachinery.pkg"
_GROUP_PACKAGES = {"": "core", "coordination.k8s.io": "coordination", "rbac.authorization.k8s.io": "rbac",
                   "authorization.k8s.io": "authorization", "authentication.k8s.io": "authentication",
                   "discovery.k8s.io": "discovery"}


class ProtobufError(ValueError):
    pass


@lru_cache(maxsize=1)
def _messages() -> dict[str, dict]:
    return json.loads(Path(__file__).with_name("protobuf-fields.json").read_text())["messages"]


def decode(raw: bytes) -> dict:
    """A Kubernetes protobuf body (magic + runtime.Unknown) as the object's JSON-shaped dict."""
    if not raw.startswith(MAGIC):
        raise errors.bad_request("the body of the request was in an unknown format: protobuf without the k8s magic")
    try:
        unknown = _message(raw[4:], f"{_META}.runtime.Unknown", raw_bytes=True)
        type_meta = unknown.get("typeMeta") or {}
        api_version, kind = type_meta.get("apiVersion", ""), type_meta.get("kind", "")
        group, _, version = api_version.rpartition("/")
        name = f"k8s.io.api.{_GROUP_PACKAGES.get(group, group.split('.')[0])}.{version}.{kind}"
        if name not in _messages() and f"{_META}.apis.meta.v1.{kind}" in _messages():
            name = f"{_META}.apis.meta.v1.{kind}"   # DeleteOptions & co: in every group version's scheme
        if name not in _messages():
            raise errors.bad_request(f'no kind "{kind}" is registered for version "{api_version}" in scheme')
        obj = _message(unknown.get("raw", b""), name)
    except (ProtobufError, IndexError, UnicodeDecodeError) as error:
        raise errors.bad_request(f"the body of the request was in an unknown format: protobuf: {error}")
    return {"apiVersion": api_version, "kind": kind, **obj}


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if at >= len(data) or shift > 63:
            raise ProtobufError("truncated varint")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if not byte & 0x80:
            return value, at


def _fields(data: bytes):
    """(field number, wire type, value) for each field on the wire, in order."""
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
        elif wire == 2:
            length, at = _varint(data, at)
            if at + length > len(data):
                raise ProtobufError("truncated field")
            value, at = data[at:at + length], at + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, at = int.from_bytes(data[at:at + size], "little"), at + size
        else:
            raise ProtobufError(f"wire type {wire} is not supported")
        yield number, wire, value


def _scalar(type_name: str, wire: int, value):
    if type_name == "string":
        return value.decode("utf-8")
    if type_name == "bytes":
        return base64.b64encode(value).decode()
    if type_name == "bool":
        return bool(value)
    if type_name in ("int32", "int64"):
        return value - (1 << 64) if value >= 1 << 63 else value
    if type_name == "double":
        return struct.unpack("<d", value.to_bytes(8, "little"))[0]
    return value


def _value(type_name: str, wire: int, value, raw_bytes: bool = False):
    if type_name == "bytes" and raw_bytes:
        return value
    if type_name in _messages() or type_name.startswith(("k8s.io.", ".k8s.io.")):
        return _message(value, type_name)
    if wire == 2 and type_name not in ("string", "bytes"):
        raise ProtobufError(f"packed {type_name} is not supported")
    return _scalar(type_name, wire, value)


def _message(data: bytes, name: str, raw_bytes: bool = False):
    """One message as a dict (or its JSON form, for Kubernetes' special types)."""
    schema = _messages().get(name)
    if schema is None:
        raise ProtobufError(f"unknown message {name}")
    out: dict = {}
    for number, wire, value in _fields(data):
        field = schema.get(str(number))
        if field is None:
            continue   # a field newer than our table: skipped, as protobuf intends
        json_name, kind, type_name = field
        if kind == "map":
            entry = {n: _value(type_name[n - 1], w, v) for n, w, v in _fields(value) if n in (1, 2)}
            out.setdefault(json_name, {})[entry.get(1, "")] = entry.get(2, _zero(type_name[1]))
        elif kind == "repeated":
            out.setdefault(json_name, []).append(_value(type_name, wire, value))
        else:
            out[json_name] = _value(type_name, wire, value, raw_bytes)
    return _special(name, out)


def _zero(type_name: str):
    return "" if type_name in ("string", "bytes") else {} if "." in type_name else 0


def _special(name: str, out: dict):
    """Kubernetes' own JSON forms for a few types; omitempty for the rest."""
    short = name.rsplit(".", 1)[-1]
    if name.startswith(_META):
        if short in ("Time", "MicroTime"):
            if not out.get("seconds"):
                return None
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(out["seconds"]))
            micros = out.get("nanos", 0) // 1000
            return f"{stamp}.{micros:06d}Z" if short == "MicroTime" else f"{stamp}Z"
        if short == "IntOrString":
            return out.get("strVal", "") if out.get("type") == 1 else out.get("intVal", 0)
        if short == "Quantity":
            return out.get("string", "0")
        if short in ("RawExtension", "FieldsV1"):
            raw = base64.b64decode(out.get("raw") or out.get("Raw") or "")
            return json.loads(raw) if raw else None
        if short == "Duration":
            return f"{out.get('duration', 0) / 1e9:g}s"
    if name in _LIST_ALIASES:
        return out.get("items", [])
    return {key: value for key, value in out.items()
            if key in KEEP_ZERO or value not in ("", 0, False, None)}
