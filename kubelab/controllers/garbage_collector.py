"""The garbage collector: dependents follow their owners (metadata.ownerReferences).

A ReplicaSet's pods name it in ownerReferences; delete the ReplicaSet and the collector
deletes the pods. How depends on the propagationPolicy the owner was deleted with, which
the API server turned into a finalizer (apiserver/deletion.py):

  Background   the owner is gone at once; its dependents now have a *dangling* owner
               reference, and a dependent whose owners are all gone is deleted.
  Foreground   the owner stays, with finalizer `foregroundDeletion`; the collector deletes
               its dependents, and once none with blockOwnerDeletion is left it removes
               the finalizer — then the API server deletes the owner.
  Orphan       the owner stays, with finalizer `orphan`; the collector removes the owner from
               every dependent's ownerReferences (a strategic merge patch with
               {"$patch": "delete", "uid": ...}), then removes the finalizer.

    every resource ──informers──▶ the graph: uid → object, owner uid → dependent uids
                                  ──▶ enqueue uids ──▶ sync(uid):
        being deleted with `orphan`              -> orphan the dependents, drop the finalizer
        being deleted with `foregroundDeletion`  -> delete the dependents; none blocking left
                                                    -> drop the finalizer
        has owners                               -> all owners gone (or waiting for their
                                                    dependents): delete me; some gone: remove
                                                    those references; all there: nothing

Invariant: a dependent is deleted only after the API server confirms its owner is absent
(a uid can be missing from our caches just because they lag, so the collector looks the
owner up before it deletes) — the collector must never delete something that is still owned.

Real Kubernetes builds the graph from every resource discovery lists (custom resources
too), keeps "virtual" nodes for owners it has not seen, and runs two queues (attemptToDelete
and attemptToOrphan) with several workers; kubelab keeps one queue of uids and one graph.
"""
from __future__ import annotations

from ..api.resources import BY_KIND, RESOURCES
from ..client import ApiError, Controller
from ..objects import meta

ORPHAN, FOREGROUND = "orphan", "foregroundDeletion"
STRATEGIC = "application/strategic-merge-patch+json"
IGNORED = ("events",)   # events are never owners and rarely dependents: not worth a cache


class GarbageCollector(Controller):
    name = "generic-garbage-collector"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.objects: dict[str, tuple[str, dict]] = {}   # uid -> (resource, object)
        self.dependents: dict[str, set[str]] = {}         # owner uid -> dependent uids
        for resource in sorted(RESOURCES):
            if resource in IGNORED:
                continue
            informer = factory.informer(resource)
            informer.add_handlers(lambda obj, r=resource: self.on_change(r, None, obj),
                                  lambda old, new, r=resource: self.on_change(r, old, new),
                                  lambda obj, r=resource: self.on_delete(r, obj))

    # -- the graph ---------------------------------------------------------------------------
    def on_change(self, resource: str, old: dict | None, obj: dict) -> None:
        uid = meta.uid(obj)
        if old is not None and meta.uid(old) == uid:
            for ref in meta.owner_references(old):
                self.dependents.get(ref.get("uid"), set()).discard(uid)
        self.objects[uid] = (resource, obj)
        for ref in meta.owner_references(obj):
            self.dependents.setdefault(ref.get("uid"), set()).add(uid)
        finalizers = obj["metadata"].get("finalizers") or []
        if meta.owner_references(obj) or (meta.is_being_deleted(obj) and
                                          (ORPHAN in finalizers or FOREGROUND in finalizers)):
            self.enqueue(uid)
        if meta.is_being_deleted(obj):
            for owner in self._owners_deleting_dependents(obj):
                self.enqueue(owner)

    def on_delete(self, resource: str, obj: dict) -> None:
        uid = meta.uid(obj)
        self.objects.pop(uid, None)
        for ref in meta.owner_references(obj):
            self.dependents.get(ref.get("uid"), set()).discard(uid)
        for dependent in sorted(self.dependents.get(uid, ())):
            self.enqueue(dependent)       # its owner is gone: look at it
        for owner in self._owners_deleting_dependents(obj):
            self.enqueue(owner)           # one blocker fewer

    def _owners_deleting_dependents(self, obj: dict) -> list[str]:
        return [ref["uid"] for ref in meta.owner_references(obj)
                if ref.get("uid") in self.objects
                and FOREGROUND in (self.objects[ref["uid"]][1]["metadata"].get("finalizers") or [])]

    # -- reconcile ------------------------------------------------------------------------
    def sync(self, uid: str) -> None:
        if uid not in self.objects:
            return
        resource, obj = self.objects[uid]
        finalizers = obj["metadata"].get("finalizers") or []
        if meta.is_being_deleted(obj):
            if ORPHAN in finalizers:
                self.orphan_dependents(uid, resource, obj)
            elif FOREGROUND in finalizers:
                self.delete_dependents_first(uid, resource, obj)
            return
        if meta.owner_references(obj):
            self.check_owners(uid, resource, obj)

    def check_owners(self, uid: str, resource: str, obj: dict) -> None:
        solid, gone, waiting = [], [], []
        for ref in meta.owner_references(obj):
            owner = self.lookup_owner(ref, meta.namespace(obj))
            if owner is None:
                gone.append(ref)
            elif meta.is_being_deleted(owner) and FOREGROUND in (owner["metadata"].get("finalizers") or []):
                waiting.append(ref)
            else:
                solid.append(ref)
        if not gone and not waiting:
            return
        if solid:  # still owned by someone: only drop the references that no longer hold
            self.client.patch(resource, meta.name(obj), {"metadata": {
                "ownerReferences": [{"$patch": "delete", "uid": ref["uid"]} for ref in gone + waiting],
                "uid": uid}}, meta.namespace(obj), patch_type=STRATEGIC)
            return
        policy = "Foreground" if waiting and self.dependents.get(uid) else "Background"
        try:
            self.client.delete(resource, meta.name(obj), meta.namespace(obj), propagation_policy=policy,
                               preconditions={"uid": uid})
        except ApiError as error:
            if error.code not in (404, 409):
                raise

    def lookup_owner(self, ref: dict, namespace: str) -> dict | None:
        """The owner, if it exists with this uid: from the graph, else from the API server."""
        if ref.get("uid") in self.objects:
            return self.objects[ref["uid"]][1]
        owner_resource = BY_KIND.get(ref.get("kind", ""))
        if owner_resource is None:
            # A kind this controller cannot map (a CRD's): upstream's collector cannot resolve it
            # either and leaves the dependent alone rather than call its owner gone.
            return {"metadata": {"uid": ref.get("uid")}}
        try:
            owner = self.client.get(owner_resource.plural, ref.get("name", ""),
                                    namespace if owner_resource.namespaced else None)
        except ApiError as error:
            if error.code == 404:
                return None
            raise
        return owner if meta.uid(owner) == ref.get("uid") else None

    def delete_dependents_first(self, uid: str, resource: str, owner: dict) -> None:
        blocking = 0
        for dependent_uid in sorted(self.dependents.get(uid, ())):
            if dependent_uid not in self.objects:
                continue
            dependent_resource, dependent = self.objects[dependent_uid]
            ref = next((r for r in meta.owner_references(dependent) if r.get("uid") == uid), {})
            if ref.get("blockOwnerDeletion"):
                blocking += 1
            if not meta.is_being_deleted(dependent):
                self.enqueue(dependent_uid)   # it sees its owner waiting, and goes
        if blocking == 0:
            self.remove_finalizer(resource, owner, FOREGROUND)

    def orphan_dependents(self, uid: str, resource: str, owner: dict) -> None:
        for dependent_uid in sorted(self.dependents.get(uid, ())):
            if dependent_uid not in self.objects:
                continue
            dependent_resource, dependent = self.objects[dependent_uid]
            try:
                self.client.patch(dependent_resource, meta.name(dependent), {"metadata": {
                    "ownerReferences": [{"$patch": "delete", "uid": uid}], "uid": dependent_uid}},
                    meta.namespace(dependent), patch_type=STRATEGIC)
            except ApiError as error:
                if error.code != 404:
                    raise
        self.remove_finalizer(resource, owner, ORPHAN)

    def remove_finalizer(self, resource: str, obj: dict, finalizer: str) -> None:
        """Read the owner fresh and write it back without `finalizer` (a 409 retries the key)."""
        fresh = self.client.get(resource, meta.name(obj), meta.namespace(obj) or None)
        if meta.uid(fresh) != meta.uid(obj) or finalizer not in (fresh["metadata"].get("finalizers") or []):
            return
        fresh["metadata"]["finalizers"] = [f for f in fresh["metadata"]["finalizers"] if f != finalizer]
        self.client.update(resource, fresh, meta.namespace(obj) or None)
