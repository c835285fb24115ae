"""The `paths` of an OpenAPI v3 document: every operation on every served resource.

    /api/v1/namespaces/{namespace}/pods          get (list), post (create)
    /api/v1/namespaces/{namespace}/pods/{name}   get, put, patch, delete
    /api/v1/namespaces/{namespace}/pods/{name}/status   get, put, patch

Each operation names the kind it acts on (`x-kubernetes-group-version-kind`) and the action
(`x-kubernetes-action`), as upstream's do, and lists its query parameters. kubectl reads one
thing here: whether the PATCH of a kind takes `fieldValidation` (it does), which tells it
that this server validates fields itself. A schema-driven fuzzer reads the rest.
"""
from __future__ import annotations

from ...api.resources import Resource
from .served import served

_QUERY = {
    "list": ("labelSelector", "fieldSelector", "resourceVersion", "resourceVersionMatch", "limit",
             "continue", "watch", "allowWatchBookmarks", "sendInitialEvents", "timeoutSeconds"),
    "get": (),
    "post": ("dryRun", "fieldManager", "fieldValidation"),
    "put": ("dryRun", "fieldManager", "fieldValidation"),
    "patch": ("dryRun", "fieldManager", "fieldValidation", "force"),
    "delete": ("dryRun", "gracePeriodSeconds", "propagationPolicy"),
}
_INTEGER = ("limit", "timeoutSeconds", "gracePeriodSeconds")
_BOOLEAN = ("watch", "allowWatchBookmarks", "sendInitialEvents", "force")
_ACTIONS = {"list": "list", "get": "get", "post": "post", "put": "put", "patch": "patch", "delete": "delete"}
_PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
                "application/strategic-merge-patch+json")


def _parameter(name: str, where: str = "query") -> dict:
    kind = "integer" if name in _INTEGER else "boolean" if name in _BOOLEAN else "string"
    return {"name": name, "in": where, "schema": {"type": kind, "uniqueItems": True},
            **({"required": True} if where == "path" else {})}


def _ref(schema_name: str) -> dict:
    return {"$ref": f"#/components/schemas/{schema_name}"}


def _operation(resource: Resource, action: str, kind_schema: str | None, list_schema: str | None) -> dict:
    gvk = {"group": resource.group, "version": resource.version, "kind": resource.kind}
    # DELETE answers with the object (being deleted) or a Status: left open, as upstream does.
    returned = list_schema if action == "list" else None if action == "delete" else kind_schema
    operation = {"operationId": f"{action}{resource.kind}", "x-kubernetes-action": _ACTIONS[action],
                 "x-kubernetes-group-version-kind": gvk,
                 "parameters": [_parameter(name) for name in _QUERY[action]],
                 "responses": {"200": {"description": "OK", "content": {"application/json": {
                     "schema": _ref(returned) if returned else {}}}},
                               "401": {"description": "Unauthorized"}}}
    if action in ("post", "put") and kind_schema:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _ref(kind_schema)}}}
    if action == "patch":
        operation["requestBody"] = {"required": True, "content": {
            media_type: {"schema": {"type": "object"}} for media_type in _PATCH_TYPES}}
    return operation


def paths_for(group_version: str, schema_names: dict) -> dict:
    """Every path of the resources in one group/version (`schema_names`: (g, v, kind) -> name)."""
    out: dict[str, dict] = {}
    prefix = f"/apis/{group_version}" if "/" in group_version else f"/api/{group_version}"
    for resource in served().values():
        if resource.api_version != group_version:
            continue
        kind_schema = schema_names.get((resource.group, resource.version, resource.kind))
        list_schema = schema_names.get((resource.group, resource.version, f"{resource.kind}List"))
        scope = f"{prefix}/namespaces/{{namespace}}" if resource.namespaced else prefix
        where = [_parameter("namespace", "path")] if resource.namespaced else []
        named = where + [_parameter("name", "path")]
        verbs = set(resource.verbs)
        collection = {"parameters": where}
        if "list" in verbs:
            collection["get"] = _operation(resource, "list", kind_schema, list_schema)
        if "create" in verbs:
            collection["post"] = _operation(resource, "post", kind_schema, list_schema)
        out[f"{scope}/{resource.plural}"] = collection
        item_actions = [action for action, verb in (("get", "get"), ("put", "update"), ("patch", "patch"),
                                                    ("delete", "delete")) if verb in verbs]
        if item_actions:
            out[f"{scope}/{resource.plural}/{{name}}"] = {
                "parameters": named,
                **{action: _operation(resource, action, kind_schema, list_schema) for action in item_actions}}
        if "status" in resource.subresources:
            out[f"{scope}/{resource.plural}/{{name}}/status"] = {
                "parameters": named,
                **{action: _operation(resource, action, kind_schema, list_schema)
                   for action in ("get", "put", "patch")}}
    return out
