"""Objects as a meta.k8s.io/v1 Table: what the API server sends when kubectl asks `as=Table`.

`kubectl get pods` sends `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` and receives
not pods but a table — column definitions, then one row of cells per pod — computed by the
row functions in tables.py. kubectl only pads the cells; that is why an old kubectl shows
the right columns for a kind it has never heard of.

Each row carries its object as `includeObject` asks: `PartialObjectMetadata` (the default:
only metadata, enough for `-A`'s NAMESPACE column and `--show-labels`), `Object` (the whole
object) or `None`. A kind with no table of its own gets upstream's default columns: Name and
Created At.
"""
from __future__ import annotations

from ..resources import Resource
from .tables import TABLES

TABLE_API_VERSION = "meta.k8s.io/v1"

# Custom kinds print their CRD's additionalPrinterColumns: plural -> its strategy (with
# table_columns() and table_row(obj, now)), filled in by the API server as it learns CRDs.
CUSTOM_TABLES: dict = {}


def wants_table(accept: str) -> bool:
    """Does the Accept header ask for a Table (meta.k8s.io, v1 or v1beta1) first?"""
    for media_range in accept.split(","):
        params = dict(part.strip().split("=", 1) for part in media_range.split(";")[1:] if "=" in part)
        if params.get("as") == "Table" and params.get("g") == "meta.k8s.io":
            return True
        if media_range.split(";")[0].strip() in ("application/json", "*/*"):
            return False
    return False


def _default_row(obj: dict, now: float) -> list:
    metadata = obj.get("metadata") or {}
    return [metadata.get("name", ""), metadata.get("creationTimestamp") or "<unknown>"]


def columns(resource: Resource) -> list[dict]:
    """The column definitions: name, type, format ("name" on the Name column), priority (1 = wide)."""
    if resource.plural in CUSTOM_TABLES:
        return CUSTOM_TABLES[resource.plural].table_columns()
    if resource.plural not in TABLES:
        return [{"name": "Name", "type": "string", "format": "name", "description": "", "priority": 0},
                {"name": "Created At", "type": "date", "format": "", "description": "", "priority": 0}]
    return [{"name": name, "type": "date" if name == "Created At" else "string",
             "format": "name" if name == "Name" else "",
             "description": "", "priority": 1 if wide else 0}
            for name, wide in TABLES[resource.plural][0]]


def row(resource: Resource, obj: dict, now: float, include_object: str) -> dict:
    """One object's row: its cells and (as asked) the object or its metadata."""
    row_of = TABLES[resource.plural][1] if resource.plural in TABLES else _default_row
    if resource.plural in CUSTOM_TABLES:
        row_of = CUSTOM_TABLES[resource.plural].table_row
    return _with_object(row_of(obj, now), obj, include_object)


def _with_object(cells: list, obj: dict, include_object: str) -> dict:
    out: dict = {"cells": cells}
    if include_object == "Object":
        out["object"] = obj
    elif include_object != "None":
        out["object"] = {"kind": "PartialObjectMetadata", "apiVersion": TABLE_API_VERSION,
                         "metadata": obj.get("metadata") or {}}
    return out


def table(resource: Resource, body: dict, now: float, include_object: str = "PartialObjectMetadata",
          with_columns: bool = True, printer=None) -> dict:
    """A Table of `body` (a List or one object). `with_columns=False` for watch events after the first.
    `printer` is the kind's strategy (its table_columns() and table_row(obj, now)); without one,
    the columns registered here for its plural."""
    is_list = "items" in body and body.get("kind", "").endswith("List")
    items = body["items"] if is_list else [body]
    source = body.get("metadata") or {}
    metadata = {key: source[key] for key in ("resourceVersion", "continue") if source.get(key)}
    return {"kind": "Table", "apiVersion": TABLE_API_VERSION, "metadata": metadata,
            "columnDefinitions": (printer.table_columns() if printer else columns(resource)) if with_columns else None,
            "rows": [_with_object(printer.table_row(obj, now), obj, include_object) if printer
                     else row(resource, obj, now, include_object) for obj in items]}
