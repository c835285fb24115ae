"""Shared objects: dicts and lists that refuse to be changed, loudly.

What it models. client-go's rule for everything an informer hands out — "NEVER modify
objects from the store": a lister's object is the cache's own, shared by every handler and
lister of the process, so a controller that edits one (sets a status, appends a container)
silently changes what everyone else reads, and the next compare against it goes wrong.
Go cannot stop you; kubelab can. In process, the API server's watch cache decodes each
object version once, and that one object is what every informer, lister, watch and list of
the process receives (client/client.py): so it is *frozen* — a `FrozenDict` / `FrozenList`
is a real `dict` / `list` for every read (indexing, `get`, iteration, `isinstance`, `json`),
and every mutator raises `SharedObjectError`, a `TypeError` that says what to do instead:

    pod = copy.deepcopy(pod)      # or kubelab.objects.frozen.thaw(pod): plain dicts, yours
    pod["status"]["phase"] = "Failed"

`copy.deepcopy` and `thaw` give plain dicts and lists all the way down; `dict(obj)`, `{**obj}`
and `obj.copy()` give a plain top level whose children are still the shared, frozen ones (as
a shallow copy should). Over HTTP nothing is frozen: each process decodes its own copy.

Invariant: a frozen object's contents never change, so anything may keep a reference to it
(an informer's cache, the watch cache's ring, a memo keyed by the object) for as long as it
likes; a new version is a new object.

The choice, measured (a Running pod, 2.7 KB of JSON, 150 containers in all; Python 3.11):
reads of a subclass cost what a dict's do (`d["k"]` a few ns more: the interpreter's
exact-dict fast path does not apply; `.get`, iteration and `json.dumps` the same); building
the frozen tree (decode, then `freeze`) costs about twice a plain `json.loads` — once per
object version for the whole process, instead of one `json.loads` per watcher. Same memory
as plain dicts (`__slots__ = ()`: no per-instance `__dict__`).

Left out: freezing of strings and numbers (already immutable), and of objects a component
builds itself (those are its own to change).
"""
from __future__ import annotations

import json

_HOW = ("objects from an informer, a lister or an in-process list or watch are shared read-only "
        "(client-go: never modify objects from the store): copy first, e.g. obj = copy.deepcopy(obj)")


class SharedObjectError(TypeError):
    """A shared (frozen) object was about to be changed."""


def _refuse(what: str):
    def refuse(self, *args, **kwargs):
        item = f" {args[0]!r}" if what.endswith("item of") and args and isinstance(args[0], (str, int)) else ""
        raise SharedObjectError(f"cannot {what.replace('an item', 'item' + item) if item else what} "
                                f"a shared {type(self).__base__.__name__}: {_HOW}")
    refuse.__name__ = what
    return refuse


class FrozenDict(dict):
    """A dict that refuses every change (see the module's note)."""

    __slots__ = ()
    __setitem__ = _refuse("set an item of")
    __delitem__ = _refuse("delete an item of")
    __ior__ = _refuse("update")
    clear = _refuse("clear")
    pop = _refuse("pop from")
    popitem = _refuse("pop from")
    setdefault = _refuse("setdefault on")
    update = _refuse("update")

    def __deepcopy__(self, memo):
        return thaw(self)

    def __copy__(self):
        return dict(self)

    def __reduce_ex__(self, protocol):
        return (FrozenDict, (dict(self),))

    def __repr__(self):
        return dict.__repr__(self)


class FrozenList(list):
    """A list that refuses every change (see the module's note)."""

    __slots__ = ()
    __setitem__ = _refuse("set an item of")
    __delitem__ = _refuse("delete an item of")
    __iadd__ = _refuse("extend")
    __imul__ = _refuse("repeat")
    append = _refuse("append to")
    extend = _refuse("extend")
    insert = _refuse("insert into")
    pop = _refuse("pop from")
    remove = _refuse("remove from")
    reverse = _refuse("reverse")
    sort = _refuse("sort")
    clear = _refuse("clear")

    def __deepcopy__(self, memo):
        return thaw(self)

    def __copy__(self):
        return list(self)

    def __reduce_ex__(self, protocol):
        return (FrozenList, (list(self),))

    def __repr__(self):
        return list.__repr__(self)


def freeze(value):
    """The same JSON value, frozen all the way down (a new tree; `value` is not changed)."""
    kind = type(value)
    if kind is dict or kind is FrozenDict:
        return FrozenDict({key: freeze(item) if type(item) in _CONTAINERS else item
                           for key, item in value.items()})
    if kind is list or kind is FrozenList:
        return FrozenList([freeze(item) if type(item) in _CONTAINERS else item for item in value])
    return value


_CONTAINERS = frozenset((dict, list, FrozenDict, FrozenList))


def loads(text: str, resource_version: str | None = None) -> FrozenDict:
    """A stored object's JSON, decoded frozen; `resource_version` set in its metadata first
    (the store keeps none: it is the key's mod revision, as upstream's)."""
    obj = json.loads(text)
    if resource_version is not None:
        obj["metadata"]["resourceVersion"] = resource_version
    return freeze(obj)


def thaw(value):
    """A plain, mutable deep copy of a JSON value, frozen or not: yours to change."""
    kind = type(value)
    if kind is FrozenDict or kind is dict:
        return {key: thaw(item) if type(item) in _CONTAINERS else item for key, item in value.items()}
    if kind is FrozenList or kind is list:
        return [thaw(item) if type(item) in _CONTAINERS else item for item in value]
    return value


def is_frozen(value) -> bool:
    """Whether `value` is a shared, read-only object."""
    return type(value) is FrozenDict or type(value) is FrozenList
