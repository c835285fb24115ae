"""OpenAPI: the schema of every kind served, so clients can check and explain objects.

kubectl reads it for two things: `kubectl explain pods.spec.containers` (the field's type
and description), and client-side validation before `create` / `apply` (an unknown field
such as `spec.containerz` is refused before it is sent). It comes in two versions:

    GET /openapi/v2                      one Swagger 2.0 document with every definition
    GET /openapi/v3                      an index: {"paths": {"api/v1": {"serverRelativeURL": ...}}}
    GET /openapi/v3/api/v1?hash=...      an OpenAPI 3.0 document per group/version

The schemas are upstream's own (Kubernetes v1.32, Apache License 2.0), shipped as
openapi-v1.32.json and built by tools/build_openapi.py; here they are filtered to the kinds
resources.py lists (and what those refer to), so `kubectl explain` knows exactly the kinds
this server serves. Invariant: a kind is described here if and only if it is served.

The v3 documents also list the paths (paths.py): each operation carries the kind it acts on
and its query parameters, among them `fieldValidation` — which is how kubectl learns that
this server checks unknown fields itself (field_validation.py), so it need not download
/openapi/v2 and validate on its own side.

Left out: the protobuf form of /openapi/v2, which client-go asks for when it validates on
the client side (only for servers without field validation, or `kind: List` manifests);
kubelab serves v2 as JSON, which people and fuzzers read.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from ..apiextensions import crds
from ..apiextensions.strategy import openapi_definitions
from .discovery import GIT_VERSION
from .paths import paths_for
from .served import served

_DATA = Path(__file__).with_name("openapi-v1.32.json")
_ALWAYS = ("io.k8s.apimachinery.pkg.apis.meta.v1.Status", "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
           "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent", "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList")


@lru_cache(maxsize=1)
def _shipped() -> dict[str, dict]:
    return json.loads(_DATA.read_text())["definitions"]


def _custom() -> dict[str, dict]:
    """The custom kinds' definitions, made from their CRDs' schemas (apiextensions/strategy.py)."""
    out: dict[str, dict] = {}
    for strategy in crds.STRATEGIES.values():
        out.update(openapi_definitions(strategy))
    return out


def _all() -> dict[str, dict]:
    return {**_shipped(), **_custom()} if crds.STRATEGIES else _shipped()


def definitions_by_name() -> dict[str, dict]:
    """Every definition, by its upstream name (io.k8s.api.core.v1.Pod, com.example.stable.v1.CronTab)."""
    return _all()


def schema_of(group: str, version: str, kind: str) -> dict | None:
    """The definition of one kind, or None if neither upstream's schemas nor a CRD has it."""
    for schema in _custom().values() if crds.STRATEGIES else ():
        if (group, version, kind) in _gvk(schema):
            return schema
    return _shipped_schema_of(group, version, kind)


@lru_cache(maxsize=None)
def _shipped_schema_of(group: str, version: str, kind: str) -> dict | None:
    for schema in _shipped().values():
        if (group, version, kind) in _gvk(schema):
            return schema
    return None


def _gvk(schema: dict) -> list[tuple[str, str, str]]:
    return [(g.get("group", ""), g.get("version", ""), g.get("kind", ""))
            for g in schema.get("x-kubernetes-group-version-kind") or []]


def _served_kinds(group_version: str | None = None) -> set[tuple[str, str, str]]:
    """(group, version, kind) of every served kind and its List; one group/version if named."""
    kinds = set()
    for resource in served().values():
        if group_version is None or resource.api_version == group_version:
            for kind in (resource.kind, f"{resource.kind}List"):
                kinds.add((resource.group, resource.version, kind))
    return kinds


def _closure(roots: list[str]) -> dict[str, dict]:
    shipped, kept, wanted = _all(), {}, list(roots)
    while wanted:
        name = wanted.pop()
        if name in kept or name not in shipped:
            continue
        kept[name] = shipped[name]
        wanted.extend(_refs(shipped[name]))
    return dict(sorted(kept.items()))


def _refs(schema) -> list[str]:
    if isinstance(schema, dict):
        found = [schema["$ref"].split("/")[-1]] if isinstance(schema.get("$ref"), str) else []
        return found + [ref for value in schema.values() for ref in _refs(value)]
    if isinstance(schema, list):
        return [ref for item in schema for ref in _refs(item)]
    return []


def definitions(group_version: str | None = None) -> dict[str, dict]:
    """The served kinds' definitions (all, or one group/version's) and everything they refer to."""
    kinds = _served_kinds(group_version)
    roots = [name for name, schema in _all().items() if any(gvk in kinds for gvk in _gvk(schema))]
    return _closure(roots + list(_ALWAYS))


def v2() -> dict:
    """GET /openapi/v2: Swagger 2.0 with every served definition."""
    return _v2(crds.GENERATION[0])


@lru_cache(maxsize=2)
def _v2(generation: int) -> dict:   # cached until the served CRDs change
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": GIT_VERSION}, "paths": {},
            "definitions": definitions()}


def _path_of(group_version: str) -> str:
    return f"apis/{group_version}" if "/" in group_version else f"api/{group_version}"


def v3(group_version: str) -> dict:
    """GET /openapi/v3/<api/v1 | apis/group/version>: OpenAPI 3.0, refs under components/schemas."""
    return _v3(group_version, crds.GENERATION[0])


@lru_cache(maxsize=64)
def _v3(group_version: str, generation: int) -> dict:
    schemas = {name: _to_v3(schema) for name, schema in definitions(group_version).items()}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": GIT_VERSION},
            "paths": paths_for(group_version, _names_by_kind(schemas)), "components": {"schemas": schemas}}


def _names_by_kind(schemas: dict[str, dict]) -> dict[tuple[str, str, str], str]:
    return {gvk: name for name, schema in schemas.items() for gvk in _gvk(schema)}


def _to_v3(schema):
    """A v2 schema in v3's form: refs move to components, and a ref with siblings goes into allOf."""
    if isinstance(schema, list):
        return [_to_v3(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: (_to_v3(value) if key != "properties" else {k: _to_v3(v) for k, v in value.items()})
           for key, value in schema.items() if key != "$ref"}
    if isinstance(schema.get("$ref"), str):
        ref = {"$ref": schema["$ref"].replace("#/definitions/", "#/components/schemas/")}
        if not out:
            return ref
        out["allOf"] = [ref]
    return out


def _hash(group_version: str) -> str:
    return _hash_of(group_version, crds.GENERATION[0])


@lru_cache(maxsize=64)
def _hash_of(group_version: str, generation: int) -> str:
    return hashlib.sha512(json.dumps(v3(group_version), sort_keys=True).encode()).hexdigest().upper()


def v3_index() -> dict:
    """GET /openapi/v3: where each group/version's document is, with a hash clients cache by."""
    group_versions = sorted({resource.api_version for resource in served().values()})
    return {"paths": {_path_of(gv): {"serverRelativeURL": f"/openapi/v3/{_path_of(gv)}?hash={_hash(gv)}"}
                      for gv in group_versions}}


def document(segments: list[str]) -> dict | None:
    """The document for GET /openapi/<segments...>; None when there is none."""
    if segments == ["v2"]:
        return v2()
    if segments == ["v3"]:
        return v3_index()
    if segments[:1] == ["v3"] and len(segments) >= 3:
        rest = segments[1:]
        group_version = rest[1] if rest[0] == "api" and len(rest) == 2 else \
            "/".join(rest[1:3]) if rest[0] == "apis" and len(rest) == 3 else None
        if group_version in {resource.api_version for resource in served().values()}:
            return v3(group_version)
    return None
