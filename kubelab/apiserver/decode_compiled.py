"""Decoding, compiled: the same answer as decode.py's walk, built as a new object in one pass.

decode.py is the reference: it copies the body, then walks the copy beside the kind's schema,
dropping nulls and unknown fields in place and naming the first value that does not fit (Go's
"cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container").
Every write pays for that walk, so this module turns each schema, once, into a function that
builds the decoded object directly from the body — the copy and the check in one pass, as Go's
decoder builds a fresh struct:

    struct      a dict: each known field built by its own function, nulls and unknown keys left out
    map         a dict: each value built by the value schema's function, nulls left out
    list        a list: each item built (a null item of a struct list becomes {}, as Go's zero struct)
    scalars     returned if their JSON type fits (int32/int64 ranges checked), else refused
    free-form   copied (RawExtension, JSON: what the schema does not describe)

It never explains a refusal: at the first value that does not fit it raises `Unfit`, and
decode.py runs the reference walk to find and word the error. So the two can differ only in
speed; tests/apiserver/test_decode_compiled.py checks they build the same objects on bodies
of every kind, valid and not.
"""
from __future__ import annotations

from typing import Callable

from . import decode as reference   # the schemas' compiled parts, and `clone`

Builder = Callable[[object], object]   # a body's value -> its decoded copy (or raises Unfit)


class Unfit(Exception):
    """A value the schema refuses: decode.py's reference walk says which and why."""


_UNFIT = Unfit()
_BUILDERS: dict[int, Builder] = {}   # id(schema) -> its builder (schemas live for the process: ids stay unique)
_INT_LIMITS = {"int32": 2 ** 31, "int64": 2 ** 63}


def builder(schema: dict) -> Builder:
    """The function that decodes values of `schema` (made on first use, then kept)."""
    found = _BUILDERS.get(id(schema))
    if found is None:
        found = _BUILDERS[id(schema)] = _make(schema)
    return found


def accepts_any_string(schema: dict) -> bool:
    """Is every string a valid value here (a string, a quantity, an int-or-string, anything)?"""
    _, _, _, quantity, int_or_string, kind, *_ = reference._compile(schema)
    return kind in ("string", None) or quantity or int_or_string


def _make(schema: dict) -> Builder:
    _, _, _, quantity, int_or_string, kind, go_format, properties, values, items = reference._compile(schema)
    if quantity:
        return _quantity
    if int_or_string:
        return _int_or_string
    if kind == "string":
        return _string
    if kind == "boolean":
        return _boolean
    if kind == "number":
        return _number
    if kind == "integer":
        limit = _INT_LIMITS.get(go_format, 2 ** 63)

        def integer(value):
            if type(value) is int and -limit <= value < limit:
                return value
            raise _UNFIT   # (a whole float, a bool, out of range: the reference words it)
        return integer
    if kind == "array":
        return _list_of(items) if items is not None else _free_list
    if kind == "object" or kind is None:
        if properties is not None:
            return _struct(properties, must_be_dict=kind == "object")
        if values is not None:
            return _map_of(values, must_be_dict=kind == "object")
        return _free_object if kind == "object" else _anything
    return _anything   # a type the schema names that decode.py does not check


def _struct(properties: dict, must_be_dict: bool) -> Builder:
    fields: dict[str, tuple[Builder, bool]] = {}   # filled on first use (schemas are recursive)

    def struct(value):
        if type(value) is not dict and not isinstance(value, dict):   # (a shared, frozen dict is a dict)
            if must_be_dict:
                raise _UNFIT
            return reference.clone(value)   # no type: anything fits, and only a dict's fields are decoded
        if not fields:
            fields.update({key: (builder(child), accepts_any_string(child)) for key, child in properties.items()})
        out = {}
        for key, item in value.items():
            if item is None:
                continue   # null: Go's zero value, omitted
            found = fields.get(key)
            if found is None:
                continue   # unknown: Go's decoder ignores it
            build, any_string = found
            out[key] = item if any_string and type(item) is str else build(item)
        return out
    return struct


def _map_of(values: dict, must_be_dict: bool) -> Builder:
    cell: list = []

    def mapping(value):
        if type(value) is not dict and not isinstance(value, dict):
            if must_be_dict:
                raise _UNFIT
            return reference.clone(value)
        if not cell:
            cell.extend((builder(values), accepts_any_string(values)))
        build, any_string = cell
        return {key: item if any_string and type(item) is str else build(item)
                for key, item in value.items() if item is not None}
    return mapping


def _list_of(items: dict) -> Builder:
    cell: list = []

    def listing(value):
        if type(value) is not list and not isinstance(value, (list, tuple)):   # (a tuple: an array, as JSON)
            raise _UNFIT
        if not cell:
            cell.extend((builder(items), reference._is_struct(items)))
        build, struct = cell
        return [build(item) if item is not None else ({} if struct else None) for item in value]
    return listing


def _quantity(value):
    kind = type(value)
    if kind is str or kind is int or kind is float:
        return value
    raise _UNFIT


def _int_or_string(value):
    kind = type(value)
    if kind is str or kind is int:
        return value
    raise _UNFIT


def _string(value):
    if type(value) is str:
        return value
    raise _UNFIT


def _boolean(value):
    if type(value) is bool:
        return value
    raise _UNFIT


def _number(value):
    kind = type(value)
    if kind is int or kind is float:
        return value
    raise _UNFIT


def _free_list(value):
    if not isinstance(value, (list, tuple)):
        raise _UNFIT
    return reference.clone(value)


def _free_object(value):
    if not isinstance(value, dict):
        raise _UNFIT
    return {key: reference.clone(item) for key, item in value.items() if item is not None}


def _anything(value):
    if isinstance(value, dict):
        return {key: reference.clone(item) for key, item in value.items() if item is not None}
    return reference.clone(value)
