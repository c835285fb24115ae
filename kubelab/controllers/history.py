"""ControllerRevisions: the history of a DaemonSet's or StatefulSet's pod template.

A Deployment keeps its history in old ReplicaSets; a DaemonSet and a StatefulSet own their
pods directly, so each version of their template is kept in a ControllerRevision (apps/v1):

    metadata.name    "<owner>-<hash>"     the hash of the template (pod_template_hash.py's FNV)
    data             {"spec": {"template": {..., "$patch": "replace"}}}   a patch that restores it
    revision         1, 2, 3, ...         the order versions were *last used* in
    annotations      the owner's, when the revision was made (kubernetes.io/change-cause)

`kubectl rollout history` lists them and `rollout undo` patches the owner with one's data;
undoing to an old template makes that revision the newest again (its number is bumped, no
twin is made), as upstream's history package does (pkg/controller/history, v1.32).

Invariant: an owner has at most one revision per distinct template, each carrying the owner's
controller ownerReference; at most revisionHistoryLimit revisions that no live pod uses are kept.

A name taken by a revision with different data (a hash collision) bumps the owner's
status.collisionCount, which feeds the next hash, as upstream.
"""
from __future__ import annotations

import copy

from ..client import ApiError
from ..objects import meta
from .pod_template_hash import compute_hash

RESOURCE = "controllerrevisions"
HASH_LABEL = "controller-revision-hash"   # apps/v1 ControllerRevisionHashLabelKey


def revision_data(owner: dict) -> dict:
    """The patch a revision stores: the owner's template, replaced whole on undo."""
    template = copy.deepcopy(owner["spec"].get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def revision_hash(owner: dict) -> str:
    """The hash naming the owner's current template's revision (with its collisionCount)."""
    return compute_hash(owner["spec"].get("template") or {},
                        (owner.get("status") or {}).get("collisionCount"))


def owned_revisions(informer, owner: dict) -> list[dict]:
    """The owner's revisions in the cache, oldest revision number first."""
    revisions = [revision for revision in informer.list(meta.namespace(owner))
                 if (meta.controller_of(revision) or {}).get("uid") == meta.uid(owner)]
    return sorted(revisions, key=lambda revision: (revision.get("revision", 0), meta.name(revision)))


def sync_revision(client, informer, owner: dict) -> tuple[dict, list[dict]]:
    """The revision of the owner's current template, made or re-numbered if need be; and all
    the owner's revisions (the current one included), oldest first."""
    revisions = owned_revisions(informer, owner)
    data = revision_data(owner)
    next_number = max((revision.get("revision", 0) for revision in revisions), default=0) + 1
    equal = [revision for revision in revisions if revision.get("data") == data]
    if equal:
        current = equal[-1]
        if current is not revisions[-1]:   # an old template in use again (rollout undo)
            updated = copy.deepcopy(current)
            updated["revision"] = next_number
            current = client.update(RESOURCE, updated)
            revisions = [r for r in revisions if meta.uid(r) != meta.uid(current)] + [current]
        return current, revisions
    hash_ = revision_hash(owner)
    labels = dict(((owner["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {})
    labels[HASH_LABEL] = hash_
    revision = {"apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": {"name": f"{meta.name(owner)}-{hash_}", "namespace": meta.namespace(owner),
                             "labels": labels, "ownerReferences": [meta.owner_reference(owner)]},
                "data": data, "revision": next_number}
    if meta.annotations(owner):   # the owner's, change-cause included (what rollout history shows)
        revision["metadata"]["annotations"] = dict(meta.annotations(owner))
    try:
        created = client.create(RESOURCE, revision, meta.namespace(owner))
    except ApiError as error:
        if error.code != 409:
            raise
        existing = client.get(RESOURCE, revision["metadata"]["name"], meta.namespace(owner))
        if existing.get("data") != data or (meta.controller_of(existing) or {}).get("uid") != meta.uid(owner):
            raise Collision() from None
        created = existing
    return created, revisions + [created]


class Collision(Exception):
    """A revision's name is taken by other data: the owner's collisionCount must go up."""


def truncate(client, revisions: list[dict], live: set[str], limit: int) -> None:
    """Delete the oldest revisions no live pod uses, keeping `limit` of them (and every live one)."""
    unused = [revision for revision in revisions[:-1] if meta.name(revision) not in live]
    for revision in unused[:max(0, len(unused) - limit)]:
        try:
            client.delete(RESOURCE, meta.name(revision), meta.namespace(revision))
        except ApiError as error:
            if error.code != 404:
                raise

