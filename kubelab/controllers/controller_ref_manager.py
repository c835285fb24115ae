"""Adoption and release: which objects a controller may call its own.

A selector says which objects an owner *wants*; the ownerReference marked `controller: true`
says which owner *has* them. Before acting, a controller claims its candidates
(k8s.io/kubernetes/pkg/controller/controller_ref_manager.go, ClaimObject):

    owned by someone else              -> ignore it
    owned by us, selector matches      -> ours
    owned by us, selector no longer    -> release it (drop our ownerReference)
    orphan, selector matches           -> adopt it (add our ownerReference), then ours
    orphan, selector does not match    -> ignore it

Invariant: an object has at most one controller, and a controller only ever counts, scales or
deletes objects that carry its ownerReference. An owner that is being deleted neither adopts
nor releases.

Before the first adoption the owner is re-read from the API server, not the cache
(upstream's RecheckDeletionTimestamp): adopting for an owner that is already being deleted
would leave orphans the garbage collector never sees.

Upstream patches the ownerReferences with a strategic merge patch keyed by uid; kubelab
sends a JSON merge patch of the whole list with the cached resourceVersion, so a concurrent
change is refused with 409 Conflict and the sync is retried.
"""
from __future__ import annotations

from typing import Callable

from ..client import ApiError, Client
from ..objects import meta, selector
from ..objects.selector import Requirement


def resolve_controller_ref(informer, kind: str, namespace: str, reference: dict) -> dict | None:
    """The cached owner an ownerReference points at: right kind, same name *and* uid, or None
    (a same-named object made after the owner was deleted is not the owner)."""
    if reference.get("kind") != kind:
        return None
    owner = informer.get(f"{namespace}/{reference.get('name')}")
    return owner if owner is not None and meta.uid(owner) == reference.get("uid") else None


class ControllerRefManager:
    """Claims objects of one resource for one owner, adopting orphans and releasing strays."""

    def __init__(self, client: Client, owner: dict, resource: str, requirements: list[Requirement],
                 recheck_owner: Callable[[], dict]):
        self.client, self.owner, self.resource = client, owner, resource
        self.requirements = requirements
        self.recheck_owner = recheck_owner  # a live GET of the owner (not the cache)
        self._can_adopt: bool | None = None  # asked at most once per claim

    def claim(self, candidates: list[dict], already_ours: Callable[[dict], bool] | None = None) -> list[dict]:
        """The candidates that are ours after adoption and release, in the given order.
        `already_ours(obj)` may answer the common case (our controller reference, selector
        matches) from what the caller remembers of that object (pod_facts.py)."""
        claimed = []
        for obj in candidates:
            if already_ours is not None and already_ours(obj):
                claimed.append(obj)
                continue
            mine = self._claim_one(obj)
            if mine is not None:
                claimed.append(mine)
        return claimed

    def _claim_one(self, obj: dict) -> dict | None:
        matches = selector.matches(self.requirements, meta.labels(obj))
        owner_being_deleted = meta.is_being_deleted(self.owner)
        reference = meta.controller_of(obj)
        if reference is not None:
            if reference.get("uid") != meta.uid(self.owner):
                return None                      # someone else's
            if matches:
                return obj                       # ours already
            if not owner_being_deleted:
                self._write_owner_references(obj, [r for r in meta.owner_references(obj)
                                                   if r.get("uid") != meta.uid(self.owner)])
            return None                          # released
        if owner_being_deleted or not matches or meta.is_being_deleted(obj):
            return None
        if meta.namespace(obj) != meta.namespace(self.owner) or not self.can_adopt():
            return None
        return self._write_owner_references(obj, meta.owner_references(obj) +
                                            [meta.owner_reference(self.owner)])

    def can_adopt(self) -> bool:
        """Is the owner still there, the same one, and not being deleted? (a live read)"""
        if self._can_adopt is None:
            try:
                fresh = self.recheck_owner()
                self._can_adopt = meta.uid(fresh) == meta.uid(self.owner) and \
                    not meta.is_being_deleted(fresh)
            except ApiError as error:
                if error.code != 404:
                    raise
                self._can_adopt = False
        return self._can_adopt

    def _write_owner_references(self, obj: dict, references: list[dict]) -> dict | None:
        patch = {"metadata": {"ownerReferences": references or None,
                              "resourceVersion": meta.resource_version(obj)}}
        try:
            return self.client.patch(self.resource, meta.name(obj), patch, meta.namespace(obj))
        except ApiError as error:
            if error.code == 404:
                return None  # gone meanwhile: nothing to claim
            raise
