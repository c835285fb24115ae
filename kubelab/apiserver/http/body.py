"""Request bodies: JSON (what kubectl and client-go send) or YAML, at most 3 MiB.

Every failure is a 400 (or 413) that says what was wrong, never a 500: a body that does not
parse names the parser's complaint and where it stopped, as upstream's decoder does
("couldn't get version/kind; json parse error: ..."). The API server itself checks what the
body means (kind, apiVersion, fields); this file only turns bytes into Python values.

Hostile bodies are read as Go's decoder reads them, at a cost bounded by their size:
- numbers: an integer too long for 64 bits is a float, as sigs.k8s.io/json's PreserveInts
  leaves it; one beyond float range (a 5,000-digit integer, 1e400) is Go's 400 "cannot
  unmarshal number ... into Go value of type float64"; NaN and Infinity are not JSON;
- a lone UTF-16 surrogate ("\\ud800") becomes U+FFFD, as Go's decoder replaces it;
- nesting: Go's decoder stops at 10,000 levels ("exceeded max depth"). kubelab stops at
  MAX_DEPTH = 100 with the same words, because its own code (validation, patches, copies)
  walks objects recursively in Python; no built-in object nests a tenth as deep;
- YAML: aliases are expanded and counted as go-yaml does (objects/goyaml.py).

client-go sends built-in kinds as protobuf (`application/vnd.kubernetes.protobuf`); those
bodies are read by protobuf.py. Answers are always JSON, which every client accepts.
"""
from __future__ import annotations

import json
import math
import re

import yaml

from ...api import errors
from ...objects import goyaml
from . import protobuf

MAX_BODY_BYTES = 3 * 1024 * 1024  # upstream's MaxRequestBodyBytes: 3 MiB
MAX_DEPTH = 100                   # kubelab's nesting limit (Go's is 10,000: see above)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def too_large(length: int | None = None) -> errors.ApiError:
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
        return _yaml(text)
    return _json(text)


def _yaml(text: str):
    try:
        value = goyaml.load(text, MAX_DEPTH)
    except goyaml.YAMLBodyError as error:
        raise errors.bad_request(f"couldn't get version/kind; yaml parse error: {error}")
    except yaml.YAMLError as error:
        raise errors.bad_request(f"couldn't get version/kind; yaml parse error: {_one_line(error)}")
    except RecursionError:
        raise errors.bad_request(f"couldn't get version/kind; yaml parse error: yaml: exceeded max depth "
                                 f"of {MAX_DEPTH}")
    return _without_surrogates(value)


def _json(text: str):
    try:
        value = json.loads(text, parse_int=_integer, parse_float=_float, parse_constant=_not_json)
    except json.JSONDecodeError as error:
        raise errors.bad_request(f"couldn't get version/kind; json parse error: {error.msg} "
                                 f"at line {error.lineno} column {error.colno} (byte {error.pos})")
    except _NotANumber as error:
        raise errors.bad_request(f"couldn't get version/kind; json parse error: {error}")
    except RecursionError:
        raise errors.bad_request("couldn't get version/kind; json parse error: exceeded max depth")
    if _depth_exceeds(value, MAX_DEPTH):
        raise errors.bad_request("couldn't get version/kind; json parse error: exceeded max depth")
    return _without_surrogates(value) if _SURROGATE_ESCAPE.search(text) else value


class _NotANumber(ValueError):
    """A JSON number Go cannot hold; the message is Go's."""


def _integer(literal: str):
    if len(literal) <= 20:
        return int(literal)
    return _float(literal)   # beyond 64 bits: a float64, as PreserveInts leaves it


def _float(literal: str) -> float:
    number = float(literal)
    if math.isinf(number):
        raise _NotANumber(f"json: cannot unmarshal number {literal} into Go value of type float64")
    return number


def _not_json(literal: str):
    raise _NotANumber(f"invalid character '{literal[1] if literal.startswith('-') else literal[0]}' "
                      f"looking for beginning of value")


def _depth_exceeds(value, limit: int) -> bool:
    """Does `value` nest deeper than `limit`? (iterative: a deep value must not exhaust the stack)"""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _without_surrogates(value):
    """Each lone UTF-16 surrogate in a string becomes U+FFFD, as Go's decoder makes it."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace") \
            if any("\ud800" <= ch <= "\udfff" for ch in value) else value
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_surrogates(key): _without_surrogates(item) for key, item in value.items()}
    return value


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())
