"""Object metadata: names, namespaces, keys, labels and owner references.

Invariant: every helper here reads (or returns a new) dict and never mutates its argument,
except the explicitly named setters (`set_owner`), which callers use on their own copies.
"""
from __future__ import annotations

Key = str  # "namespace/name" for namespaced objects, "name" for cluster-scoped ones


# These run a few hundred thousand times while a cluster of a few hundred pods settles, so
# the common case (a dict with a metadata dict) goes first and bad input is what raises.
_NOT_AN_OBJECT = (KeyError, TypeError, AttributeError)


def _metadata(obj: dict) -> dict:
    """obj["metadata"], or {} when it is missing or not an object (bad input reads as empty)."""
    try:
        metadata = obj["metadata"]
    except _NOT_AN_OBJECT:
        return {}
    return metadata if isinstance(metadata, dict) else {}


def name(obj: dict) -> str:
    """The object's metadata.name ("" if it has none yet)."""
    return _metadata(obj).get("name", "")


def namespace(obj: dict) -> str:
    """The object's metadata.namespace ("" for cluster-scoped objects)."""
    return _metadata(obj).get("namespace", "")


def uid(obj: dict) -> str:
    return _metadata(obj).get("uid", "")


def resource_version(obj: dict) -> str:
    return _metadata(obj).get("resourceVersion", "")


def labels(obj: dict) -> dict[str, str]:
    return _metadata(obj).get("labels") or {}


def annotations(obj: dict) -> dict[str, str]:
    return _metadata(obj).get("annotations") or {}


def key(obj: dict) -> Key:
    """The cache key client-go uses: "namespace/name", or "name" when cluster-scoped."""
    metadata = _metadata(obj)   # (read once: informers, queues and caches ask this of every event)
    ns, object_name = metadata.get("namespace", ""), metadata.get("name", "")
    return f"{ns}/{object_name}" if ns else object_name


def split_key(k: Key) -> tuple[str, str]:
    """("namespace", "name") from a key; namespace is "" for cluster-scoped keys."""
    if "/" in k:
        ns, n = k.split("/", 1)
        return ns, n
    return "", k


def owner_references(obj: dict) -> list[dict]:
    return _metadata(obj).get("ownerReferences") or []


def controller_of(obj: dict) -> dict | None:
    """The ownerReference marked controller=true, if any (at most one may be)."""
    for ref in owner_references(obj):
        if ref.get("controller"):
            return ref
    return None


def owner_reference(owner: dict, *, controller: bool = True) -> dict:
    """An ownerReference pointing at `owner`, as controllers set on what they create."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": name(owner),
        "uid": uid(owner),
        "controller": controller,
        "blockOwnerDeletion": True,
    }


def is_being_deleted(obj: dict) -> bool:
    return bool(_metadata(obj).get("deletionTimestamp"))


def omit_empty(metadata: dict) -> None:
    """Empty lists and maps are not stored (Go's `omitempty`): [] finalizers read as none."""
    for field in ("labels", "annotations", "ownerReferences", "finalizers"):
        if field in metadata and not metadata[field]:
            del metadata[field]
