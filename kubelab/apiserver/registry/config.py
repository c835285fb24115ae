"""ConfigMaps and Secrets: configuration a pod mounts or reads as environment variables.

Rules (upstream's ValidateConfigMap / ValidateSecret, v1.32):
  - every key is a "config key": [-._a-zA-Z0-9]+, at most 253 characters, not "." or "..",
    not starting with ".." — it becomes a file name when mounted;
  - all the data together is at most 1 MiB (MaxSecretSize), so it fits in one etcd value;
  - a Secret's values are base64 in `data`; `stringData` is a write-only convenience that the
    API server encodes into `data` (the stored object never has it);
  - typed Secrets need their keys (kubernetes.io/tls: tls.crt and tls.key; a service account
    token Secret: the kubernetes.io/service-account.name annotation);
  - `immutable: true` freezes the data, and a Secret's type never changes.
"""
from __future__ import annotations

import base64
import binascii
import re

from ...api import errors
from .strategy import FunctionStrategy

MAX_SIZE = 1024 * 1024
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
CONFIG_KEY_MSG = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
                  "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"
SERVICE_ACCOUNT_NAME = "kubernetes.io/service-account.name"
SERVICE_ACCOUNT_UID = "kubernetes.io/service-account.uid"


def validate_key(key: str, field: str) -> list[dict]:
    causes = []
    if len(key) > 253:
        causes.append(errors.invalid_value(field, key, "must be no more than 253 characters"))
    if not _CONFIG_KEY.match(key):
        causes.append(errors.invalid_value(field, key, CONFIG_KEY_MSG))
    if key in (".", ".."):
        causes.append(errors.invalid_value(field, key, f"must not be '{key}'"))
    elif key.startswith(".."):
        causes.append(errors.invalid_value(field, key, "must not start with '..'"))
    return causes


def too_long(field: str) -> dict:
    return errors.cause(field, "FieldValueTooLong", f"Too long: may not be more than {MAX_SIZE} bytes")


def default_configmap(obj: dict) -> None:
    pass  # nothing to default; the function keeps the table complete


def validate_configmap(obj: dict) -> list[dict]:
    causes, size = [], 0
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    for key, value in data.items():
        causes += validate_key(key, f"data[{key}]")
        if key in binary:
            causes.append(errors.invalid_value(f"data[{key}]", key, "duplicate of key present in binaryData"))
        size += len(str(value).encode())
    for key, value in binary.items():
        causes += validate_key(key, f"binaryData[{key}]")
        size += len(_decoded(value) or b"")
    if size > MAX_SIZE:
        causes.append(too_long(""))
    return causes


def default_secret(obj: dict) -> None:
    """Fold stringData into data (base64), default the type to Opaque."""
    string_data = obj.pop("stringData", None) or {}
    if string_data:
        data = obj.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
    obj.setdefault("type", "Opaque")


def validate_secret(obj: dict) -> list[dict]:
    causes, size = [], 0
    data = obj.get("data") or {}
    for key, value in data.items():
        causes += validate_key(key, f"data[{key}]")
        decoded = _decoded(value)
        if decoded is None:
            causes.append(errors.invalid_value(f"data[{key}]", "<secret contents redacted>",
                                               "illegal base64 data"))
        size += len(decoded or b"")
    if size > MAX_SIZE:
        causes.append(too_long("data"))
    secret_type = obj.get("type")
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if secret_type == SERVICE_ACCOUNT_TOKEN and not annotations.get(SERVICE_ACCOUNT_NAME):
        causes.append(errors.required(f"metadata.annotations[{SERVICE_ACCOUNT_NAME}]"))
    if secret_type == "kubernetes.io/tls":
        for key in ("tls.crt", "tls.key"):
            if key not in data:
                causes.append(errors.required(f"data[{key}]"))
    if secret_type == "kubernetes.io/dockerconfigjson" and ".dockerconfigjson" not in data:
        causes.append(errors.required("data[.dockerconfigjson]"))
    return causes


def validate_update(old: dict, new: dict) -> list[dict]:
    causes = []
    if "type" in old and new.get("type") != old.get("type"):
        causes.append(errors.invalid_value("type", new.get("type"), "field is immutable"))
    if old.get("immutable"):
        if not new.get("immutable"):
            causes.append(errors.forbidden_field("immutable", "field is immutable when `immutable` is set"))
        for field in ("data", "binaryData"):
            if (old.get(field) or {}) != (new.get(field) or {}):
                causes.append(errors.forbidden_field(field, "field is immutable when `immutable` is set"))
    return causes


def _decoded(value) -> bytes | None:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return None


STRATEGIES = [FunctionStrategy("configmaps", default_configmap, validate_configmap, validate_update),
              FunctionStrategy("secrets", default_secret, validate_secret, validate_update)]
