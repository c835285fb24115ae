"""Shared objects: dicts and lists that refuse to be changed, loudly.

What it models. client-go's rule for everything an informer hands out — "NEVER modify
objects from the store": a lister's object is the cache's own, shared by every handler and
lister of the process, so a controller that edits one (sets a status, appends a container)
silently changes what everyone else reads, and the next compare against it goes wrong.
Go cannot stop you; kubelab can. In process, the API server's watch cache decodes each
object version once, and that one object is what every informer and lister of the process
holds (client/client.py: a list or watch with `shared=True`): so it is *frozen* — a `FrozenDict` / `FrozenList`
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

The choice, measured (a Running pod, 2.7 KB of JSON; Python 3.11; tests/client/test_frozen.py
holds the behaviour, the figures are from /tmp benches on this shared machine, noisy):
  - reads: a subclass misses the interpreter's exact-dict and exact-list fast paths, so
    `d["k"]` costs ~85 ns instead of ~53, `l[0]` ~90 instead of ~10; `.get`, `in`,
    iteration and `json.dumps` within noise. Over a settling cluster that is lost in the
    noise (cost_breakdown: the scheduler and kubelets got faster, having no copies to decode).
  - construction: `json.loads` then a walk that freezes (and interns) ~2.5-3× a plain
    `json.loads`, but once per object version for the whole process, instead of one
    `json.loads` per in-process watcher plus one `json.dumps` (a pod version reaches the
    scheduler, the controller manager and its kubelet at least). A version made `like` the one
    before (the watch cache passes it) reuses every part that compares equal (in C) and
    freezes only what changed: a status write costs about half a fresh one.
  - memory: the same bytes as plain dicts per object (`__slots__ = ()`), one object instead
    of one per watcher; interning keys and strings under 64 characters takes a pod's tree
    from ~16.5 KB to ~8-12 KB (every pod's "metadata", "Running", "default", timestamps
    of the same second are one string each).
  Rejected: plain shared dicts (free reads, but a careless handler silently corrupts every
  component's view: "silently wrong"); read-only proxies (`types.MappingProxyType` is no
  dict: `isinstance`, `json` and every `dict | {}` in the code would break); an
  `object_hook` decode (lists cannot be hooked; as slow once they are fixed up in Python).

Left out: freezing of strings and numbers (already immutable), and of objects a component
builds itself (those are its own to change). A part reused `like` the version before is
compared by value, so a number that changed only its JSON type between two versions (1 →
1.0, true → 1) keeps the earlier type in the cache: no kind kubelab serves does that.
PyYAML's safe dumper refuses a dict subclass ("cannot represent an object"): `thaw` first
(kubectl's printers never see frozen objects: its gets and lists are its own).
"""
from __future__ import annotations

import json
from sys import intern as _intern

_HOW = ("objects from an informer or a lister are shared read-only with every other component "
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


def freeze(value, like=None, depth: int = 0):
    """The same JSON value, frozen all the way down (a new tree; `value` is not changed).

    `like`: a frozen earlier version of the same object (the watch cache's object before a
    change). Each part of `value` equal to the same part of `like` *is* that part, shared
    instead of frozen again: a status write shares the pod's metadata and spec with the
    version before, so the new version costs what changed. The parts two levels down
    (`spec.containers`, `spec.tolerations`, `metadata.ownerReferences`, `status.conditions`
    …) are shared between *objects* too: one frozen copy per distinct JSON text (`_canonical`),
    so 300 replicas of a template hold one containers list. Keys, and strings shorter than
    `INTERNED`, are interned: every pod's "metadata", "Running", "default" is one string."""
    kind = type(value)
    if kind is dict or kind is list:
        if depth == 0:
            global trees_built
            trees_built += 1
        if depth == SHARED_DEPTH:
            return _canonical(value)
        if kind is dict:   # (strings and numbers inline: most values are)
            before = like.get if type(like) is FrozenDict else _nothing
            return FrozenDict({_intern(key): (_intern(item) if len(item) < INTERNED else item) if type(item) is str
                               else _part(item, before(key), depth + 1) if type(item) in _CONTAINERS else item
                               for key, item in value.items()})
        olds = like if type(like) is FrozenList and len(like) == len(value) else _nones(len(value))
        return FrozenList([_part(item, old, depth + 1) for item, old in zip(value, olds)])
    return _frozen(value)


INTERNED = 64         # strings shorter than this are interned (names, phases, reasons, timestamps)
SHARED_DEPTH = 2      # parts this deep are shared between objects by their JSON text
SHARED_SIZE = 4096    # distinct parts remembered; then forgotten all at once (already shared stay so)
_SHARED: dict[str, object] = {}
trees_built = 0       # objects frozen, ever (benchmarks: one per version with the watch cache)


def _nothing(key):
    return None


def _nones(count: int) -> list:
    return [None] * count


def _part(value, old, depth: int):
    kind = type(value)
    if kind is str:
        if old is not None and old == value:
            return old
        return _intern(value) if len(value) < INTERNED else value
    if kind is dict or kind is list:
        if old is not None and type(old) in _FROZEN and old == value:   # compared in C
            return old
        return freeze(value, old, depth)
    return value


def _canonical(value):
    """The one frozen copy of a part with this JSON text: made now if it is the first, of
    parts that are themselves canonical (a pod's own volume holds the same `projected`
    source as every other pod's)."""
    text = _dumps(value)
    found = _SHARED.get(text)
    if found is None:
        if len(_SHARED) >= SHARED_SIZE:
            _SHARED.clear()
        if type(value) is dict or type(value) is FrozenDict:
            found = FrozenDict({_intern(key): (_intern(item) if len(item) < INTERNED else item) if type(item) is str
                                else _canonical(item) if type(item) in _CONTAINERS else item
                                for key, item in value.items()})
        else:
            found = FrozenList([(_intern(item) if len(item) < INTERNED else item) if type(item) is str
                                else _canonical(item) if type(item) in _CONTAINERS else item for item in value])
        _SHARED[text] = found
    return found


_dumps = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def _frozen(value):
    # (scalars inline, not a call each: this runs once per value of every object version)
    kind = type(value)
    if kind is dict:
        return FrozenDict({_intern(key): (_intern(item) if len(item) < INTERNED else item) if type(item) is str
                           else _frozen(item) if type(item) in _CONTAINERS else item
                           for key, item in value.items()})
    if kind is list:
        return FrozenList([(_intern(item) if len(item) < INTERNED else item) if type(item) is str
                           else _frozen(item) if type(item) in _CONTAINERS else item for item in value])
    if kind is str:
        return _intern(value) if len(value) < INTERNED else value
    return value   # a number, a bool, None, or frozen already (shared as it is)


_FROZEN = frozenset((FrozenDict, FrozenList))
_CONTAINERS = frozenset((dict, list, FrozenDict, FrozenList))


def loads(text: str, resource_version: str | None = None, like=None) -> FrozenDict:
    """A stored object's JSON, decoded frozen; `resource_version` set in its metadata first
    (the store keeps none: it is the key's mod revision, as upstream's); `like` as `freeze`."""
    obj = json.loads(text)
    if resource_version is not None:
        obj["metadata"]["resourceVersion"] = resource_version
    return freeze(obj, like)


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


class NotJSON(ValueError):
    """A value `from_written` cannot vouch for: the caller decodes the stored bytes instead."""


def from_written(obj: dict, resource_version: str, like=None) -> FrozenDict:
    """What `loads(json.dumps(obj), resource_version, like)` gives — the object the API server
    just encoded and stored, frozen without parsing its bytes back (the watch cache's write
    path). `obj`'s metadata.resourceVersion is left out and the given one set last, as the
    store keeps none. Parts already frozen are shared as they are (they were made from JSON);
    anything whose JSON would read back differently — a tuple, a non-string key, a subclass
    of str/int/float, NaN or infinity — raises `NotJSON`, and nothing is left half-made
    (`_SHARED` learns only checked parts)."""
    metadata = obj["metadata"]
    if type(obj) is not dict and type(obj) is not FrozenDict or type(metadata) not in _DICTS:
        raise NotJSON("not a JSON object")
    top = {key: value for key, value in obj.items()}
    top["metadata"] = {key: value for key, value in metadata.items() if key != "resourceVersion"}
    top["metadata"]["resourceVersion"] = resource_version
    return _written(top, like, 0)


def _written(value, like, depth: int):
    """`freeze(value, like, depth)`, checking each scalar and container it does not share."""
    kind = type(value)
    if kind is FrozenDict or kind is FrozenList:
        return value
    if depth == SHARED_DEPTH:
        _check(value)
        return _canonical(value)
    if kind is dict:
        if depth == 0:
            global trees_built
            trees_built += 1
        before = like.get if type(like) is FrozenDict else _nothing
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise NotJSON(f"key {key!r}")
            kind = type(item)
            if kind is str:
                old = before(key)
                out[_intern(key)] = old if type(old) is str and old == item else (
                    _intern(item) if len(item) < INTERNED else item)
            elif kind is dict or kind is list:
                old = before(key)
                out[_intern(key)] = old if type(old) in _FROZEN and old == item else _written(item, old, depth + 1)
            elif kind in _FROZEN:
                out[_intern(key)] = item
            else:
                out[_intern(key)] = _scalar(item)
        return FrozenDict(out)
    if kind is list:
        olds = like if type(like) is FrozenList and len(like) == len(value) else _nones(len(value))
        out = []
        for item, old in zip(value, olds):
            kind = type(item)
            if kind is str:
                out.append(old if type(old) is str and old == item else (
                    _intern(item) if len(item) < INTERNED else item))
            elif kind is dict or kind is list:
                out.append(old if type(old) in _FROZEN and old == item else _written(item, old, depth + 1))
            elif kind in _FROZEN:
                out.append(item)
            else:
                out.append(_scalar(item))
        return FrozenList(out)
    raise NotJSON(f"{kind.__name__} value")


def _scalar(item):
    kind = type(item)
    if kind is int or kind is bool or item is None or (kind is float and item - item == 0.0):
        return item
    raise NotJSON(f"{kind.__name__} value {item!r}")


def _check(value) -> None:
    """Raise NotJSON unless `value` reads back from its JSON as it is (frozen parts are)."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise NotJSON(f"key {key!r}")
            if type(item) is not str:
                _check(item)
    elif kind is list:
        for item in value:
            if type(item) is not str:
                _check(item)
    elif kind is not str and kind not in _FROZEN:
        _scalar(value)


_DICTS = frozenset((dict, FrozenDict))
