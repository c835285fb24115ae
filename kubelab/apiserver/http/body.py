"""Request bodies: JSON (what kubectl and client-go send) or YAML, at most 3 MiB.

Every failure is a 400 (or 413) that says what was wrong, never a 500: a body that does not
parse names the parser's complaint and where it stopped, as upstream's decoder does
("couldn't get version/kind; json parse error: ..."). The API server itself checks what the
body means (kind, apiVersion, fields); this file only turns bytes into Python values.

client-go sends built-in kinds as protobuf (`application/vnd.kubernetes.protobuf`); those
bodies are read by protobuf.py. Answers are always JSON, which every client accepts.
"""
from __future__ import annotations

import json

import yaml

from ...api import errors
from . import protobuf

MAX_BODY_BYTES = 3 * 1024 * 1024  # upstream's MaxRequestBodyBytes: 3 MiB


def too_large(length: int) -> errors.ApiError:
    return errors.ApiError(errors.status(
        413, "RequestEntityTooLarge",
        f"Request entity too large: limit is {MAX_BODY_BYTES}"))


def decode(raw: bytes, content_type: str):
    """The body as a Python value (dict, or list for a JSON patch); None when empty."""
    if not raw.strip():
        return None
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == protobuf.MEDIA_TYPE:
        return protobuf.decode(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise errors.bad_request(f"the body of the request is not UTF-8: {error}")
    if media_type.endswith("yaml"):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise errors.bad_request(f"couldn't get version/kind; yaml parse error: {_one_line(error)}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise errors.bad_request(f"couldn't get version/kind; json parse error: {error.msg} "
                                 f"at line {error.lineno} column {error.colno} (byte {error.pos})")


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())
