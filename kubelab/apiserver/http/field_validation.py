"""Server-side field validation: `?fieldValidation=Strict` refuses a field the schema lacks.

A typo in a manifest (`imagePullPolicyy: Always`) used to be dropped without a word: the
decoder ignored what it did not know. Since v1.27 kubectl sends `fieldValidation=Strict`
with every create, update and patch, and the API server refuses the request with 400:

    Deployment in version "v1" cannot be handled as a Deployment:
      strict decoding error: unknown field "spec.template.spec.containers[0].imagez"

`Warn` accepts the object but answers with a `Warning: 299 - "unknown field ..."` header
(kubectl prints it), `Ignore` says nothing. kubectl finds out that a server can do this by
looking for the `fieldValidation` parameter in its OpenAPI v3 paths (openapi.py lists it);
otherwise it would download the OpenAPI v2 document and validate on its own side.

The walk follows upstream's schemas (openapi-v1.32.json): an object with `properties` is a
struct (unknown keys are reported), one with `additionalProperties` a map, `items` a list.
Real Kubernetes also reports duplicate fields ("duplicate field"); kubelab's JSON decoder
keeps the last one, as Go's does without strict mode.
"""
from __future__ import annotations

from ...api import errors
from . import openapi

# Patch directives of a strategic merge patch: not fields, never unknown.
_DIRECTIVES = ("$patch", "$retainKeys", "$setElementOrder/", "$deleteFromPrimitiveList/")


def unknown_fields(obj, schema: dict, path: str = "") -> list[str]:
    """The paths of fields in `obj` that `schema` does not declare, in document order."""
    schema = _resolve(schema)
    found: list[str] = []
    if isinstance(obj, dict):
        if "properties" in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            for key, value in obj.items():
                if key.startswith(_DIRECTIVES):
                    continue
                child = f"{path}.{key}" if path else key
                if key not in schema["properties"]:
                    found.append(child)
                else:
                    found += unknown_fields(value, schema["properties"][key], child)
        elif isinstance(schema.get("additionalProperties"), dict):
            for key, value in obj.items():
                found += unknown_fields(value, schema["additionalProperties"], f"{path}[{key}]")
    elif isinstance(obj, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(obj):
            found += unknown_fields(item, schema["items"], f"{path}[{index}]")
    return found


def _resolve(schema: dict) -> dict:
    while "$ref" in schema or "allOf" in schema:
        ref = schema.get("$ref") or schema["allOf"][0].get("$ref", "")
        schema = openapi.definitions_by_name().get(ref.split("/")[-1], {})
    return schema


def check(resource, body, directive: str) -> list[str]:
    """Raise 400 for unknown fields under Strict; return the warnings under Warn; [] otherwise."""
    directive = (directive or "").lower()
    if directive not in ("strict", "warn") or not isinstance(body, dict):
        return []
    schema = openapi.schema_of(resource.group, resource.version, resource.kind)
    if schema is None:
        return []
    unknown = unknown_fields(body, schema)
    if not unknown:
        return []
    words = ", ".join(f'unknown field "{field}"' for field in unknown)
    if directive == "warn":
        return [f'unknown field "{field}"' for field in unknown]
    raise errors.bad_request(f'{resource.kind} in version "{resource.version}" cannot be handled as a '
                             f'{resource.kind}: strict decoding error: {words}')
