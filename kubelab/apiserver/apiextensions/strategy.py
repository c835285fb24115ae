"""The strategy of a custom kind, made at runtime from its CustomResourceDefinition.

A built-in kind's rules are written once in a file under registry/; a custom kind's rules
are *read* from its CRD when the CRD is established (upstream: apiextensions-apiserver's
customresource.NewStrategy). The generic request path asks the strategy the same questions
it asks a built-in kind's: how to prepare an object (prune unknown fields, apply defaults,
reset status when the status subresource is on), how to validate it (the CRD's schema,
schema.py), which columns `kubectl get` prints (additionalPrinterColumns), and which paths
the scale subresource reads.

`Resource` (the row discovery, routes and the store key use) comes from the CRD's
acceptedNames: /registry/<group>/<plural>/<namespace>/<name>, as upstream stores custom objects.
"""
from __future__ import annotations

import copy

from ...objects.timefmt import parse as parse_rfc3339
from ...api.printers.timestamps import since
from ...api.resources import Resource
from ..registry.strategy import NAME_AND_NAMESPACE, Strategy
from ..decode import clone
from . import schema as schemas

_EMPTY_SCHEMA = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


class CustomResourceStrategy(Strategy):
    """Everything the API server needs to serve one custom kind (registry/strategy.py's questions)."""

    resource = None                        # this kind's row, made from the CRD (not the static table)
    field_selectors = NAME_AND_NAMESPACE   # upstream adds the CRD's selectableFields (not modelled)

    def __init__(self, crd: dict):
        spec = crd["spec"]
        names = (crd.get("status") or {}).get("acceptedNames") or spec["names"]
        self.crd_name = crd["metadata"]["name"]
        self.group = spec["group"]
        self.version = next(v for v in spec["versions"] if v.get("served"))
        self.schema = (self.version.get("schema") or {}).get("openAPIV3Schema") or _EMPTY_SCHEMA
        subresources = self.version.get("subresources") or {}
        self.has_status = "status" in subresources
        self.scale = subresources.get("scale")
        self.columns = self.version.get("additionalPrinterColumns") or []
        self.resource = Resource(
            names["plural"], names["kind"], self.group, self.version["name"], spec["scope"] == "Namespaced",
            f"{self.group}/{names['plural']}", tuple(names.get("shortNames") or ()),
            tuple(s for s in ("status", "scale") if s in subresources), has_generation=True)
        self.plural = names["plural"]
        self.singular = names.get("singular") or names["kind"].lower()
        self.list_kind = names.get("listKind") or names["kind"] + "List"
        self.categories = list(names.get("categories") or [])

    # -- create / update -------------------------------------------------------------------
    def prepare_for_create(self, obj: dict) -> None:
        self.prepare(obj)

    def prepare_for_update(self, obj: dict, old: dict) -> None:
        self.prepare(obj, old)

    def prepare_for_subresource_update(self, subresource: str, obj: dict, old: dict) -> dict:
        merged = clone(super().prepare_for_subresource_update(subresource, obj, old))   # pruned whole, below
        self.prepare_status(merged)
        return merged

    def prepare(self, obj: dict, old: dict | None = None) -> list[str]:
        """Prune, default, and (with a status subresource) keep status out of the main resource.
        Returns the pruned field paths (field validation reports them)."""
        if self.has_status:
            if old is None:
                obj.pop("status", None)
            elif "status" in old:
                obj["status"] = copy.deepcopy(old["status"])
            else:
                obj.pop("status", None)
        pruned = schemas.prune(self.schema, obj)
        schemas.apply_defaults(self.schema, obj)
        return pruned

    def prepare_status(self, obj: dict) -> list[str]:
        pruned = schemas.prune(self.schema, obj)
        schemas.apply_defaults(self.schema, obj)
        return pruned

    def validate(self, obj: dict) -> list[dict]:
        return schemas.validate(self.schema, obj)

    def spec_changed(self, old: dict, new: dict) -> bool:
        """metadata.generation moves when anything but metadata and status changes (upstream's rule)."""
        strip = lambda o: {k: v for k, v in o.items() if k not in ("metadata", "status")}  # noqa: E731
        return strip(old) != strip(new)

    # -- table -----------------------------------------------------------------------------
    def table_columns(self) -> list[dict]:
        """Name, the CRD's additionalPrinterColumns, then Age (when the CRD lists no column)."""
        columns = [{"name": "Name", "type": "string", "format": "name", "description": "Name must be unique "
                    "within a namespace.", "priority": 0}]
        for column in self.columns or [{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]:
            columns.append({"name": column["name"], "type": column["type"], "format": column.get("format", ""),
                            "description": column.get("description", ""), "priority": column.get("priority", 0)})
        return columns

    def table_row(self, obj: dict, now: float) -> list:
        cells = [obj.get("metadata", {}).get("name", "")]
        for column in self.columns or [{"type": "date", "jsonPath": ".metadata.creationTimestamp"}]:
            value = json_path(obj, column["jsonPath"])
            if column["type"] == "date" and isinstance(value, str):
                value = since(value, now) if _parses(value) else value
            cells.append(value)
        return cells


def _parses(value: str) -> bool:
    try:
        parse_rfc3339(value)
        return True
    except (ValueError, TypeError):
        return False


def json_path(obj, path: str):
    """A simple JSONPath (`.spec.replicas`, `.status.conditions[0].type`) into obj; None if absent."""
    value = obj
    for part in path.strip().lstrip(".").replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("[") and part.endswith("]"):
            index = part[1:-1]
            if not (isinstance(value, list) and index.lstrip("-").isdigit() and -len(value) <= int(index) < len(value)):
                return None
            value = value[int(index)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def definition_name(group: str, version: str, kind: str) -> str:
    """Upstream's OpenAPI name for a custom kind: the group reversed (stable.example.com/v1
    CronTab -> com.example.stable.v1.CronTab)."""
    return ".".join(reversed(group.split("."))) + f".{version}.{kind}"


def openapi_definitions(strategy: CustomResourceStrategy) -> dict[str, dict]:
    """The kind's and its List's OpenAPI definitions, as kube-apiserver publishes a CRD's schema
    (apiVersion, kind and metadata filled in, so `kubectl explain` shows them too)."""
    resource = strategy.resource
    name = definition_name(resource.group, resource.version, resource.kind)
    meta = "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1."
    type_meta = {
        "apiVersion": {"type": "string", "description": "APIVersion defines the versioned schema of this "
                       "representation of an object. Servers should convert recognized schemas to the latest "
                       "internal value, and may reject unrecognized values. More info: https://git.k8s.io/"
                       "community/contributors/devel/sig-architecture/api-conventions.md#resources"},
        "kind": {"type": "string", "description": "Kind is a string value representing the REST resource this "
                 "object represents. Servers may infer this from the endpoint the client submits requests to. "
                 "Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/"
                 "sig-architecture/api-conventions.md#types-kinds"}}
    kind_schema = copy.deepcopy(strategy.schema)
    kind_schema["properties"] = {**type_meta, "metadata": {"description": "Standard object's metadata. More "
                                 "info: https://git.k8s.io/community/contributors/devel/sig-architecture/"
                                 "api-conventions.md#metadata", "$ref": meta + "ObjectMeta"},
                                 **{k: v for k, v in (kind_schema.get("properties") or {}).items()
                                    if k not in ("apiVersion", "kind", "metadata")}}
    kind_schema["x-kubernetes-group-version-kind"] = [
        {"group": resource.group, "version": resource.version, "kind": resource.kind}]
    list_schema = {
        "description": f"{resource.kind}List is a list of {resource.kind}", "type": "object",
        "required": ["items"],
        "properties": {**type_meta, "items": {"description": f"List of {strategy.resource.plural}. More info: "
                                              "https://git.k8s.io/community/contributors/devel/"
                                              "sig-architecture/api-conventions.md",
                                              "type": "array", "items": {"$ref": f"#/definitions/{name}"}},
                       "metadata": {"description": "Standard list metadata. More info: https://git.k8s.io/"
                                    "community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
                                    "$ref": meta + "ListMeta"}},
        "x-kubernetes-group-version-kind": [{"group": resource.group, "version": resource.version,
                                             "kind": strategy.list_kind}]}
    return {name: kind_schema, definition_name(resource.group, resource.version, strategy.list_kind): list_schema}
