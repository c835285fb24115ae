"""DELETE: graceful deletion, finalizers, and how dependents go (propagationPolicy).

An object is not always gone when DELETE returns. Three things can hold it:

  graceful deletion  a pod on a node gets `deletionTimestamp` = now + grace period and stays
                     until its kubelet has stopped the containers and deletes it with grace 0;
  finalizers         any object with `metadata.finalizers` gets `deletionTimestamp` and stays
                     until every finalizer is removed (by whoever put it there);
  propagation        the API server itself adds a finalizer for the garbage collector:
                       Background (the default)  no finalizer: the owner goes now, the garbage
                                                 collector deletes the dependents afterwards;
                       Foreground                `foregroundDeletion`: the owner stays until the
                                                 collector has deleted every dependent that has
                                                 blockOwnerDeletion;
                       Orphan                    `orphan`: the collector first removes the owner
                                                 from the dependents' ownerReferences, then lets
                                                 the owner go; the dependents stay.

An update that removes the last finalizer of an object being deleted (with grace period 0)
deletes it (upstream's ShouldDeleteDuringUpdate). What differs by kind is the kind's strategy's
(registry/strategy.py): graceful deletion (pods), a deletion of its own (namespaces: marked
Terminating, emptied by the namespace controller), what is released once it is gone (a
Service's ClusterIP), and whether DELETE answers with the object.

Real Kubernetes also accepts the deprecated `orphanDependents` option and per-kind default
policies (Orphan for some old API versions); kubelab takes propagationPolicy only, default
Background, which is what every v1 kind it serves uses.
"""
from __future__ import annotations

from ..objects import meta
from ..objects.timefmt import rfc3339
from ..api import errors
from ..api.request import Step
from .handler_chain import step

ORPHAN, FOREGROUND = "orphan", "foregroundDeletion"
POLICIES = ("Background", "Foreground", "Orphan")


def delete_options(request) -> dict:
    """DeleteOptions from the body and the query (the query wins, as kubectl sends both)."""
    options = dict(request.body) if isinstance(request.body, dict) else {}
    if not isinstance(options.get("preconditions") or {}, dict):
        raise errors.bad_request("the body of the request was in an unknown format")
    for name in ("propagationPolicy", "gracePeriodSeconds", "dryRun"):
        if request.params.get(name) is not None:
            options[name] = request.params[name]
    if options.get("gracePeriodSeconds") is not None:
        try:
            options["gracePeriodSeconds"] = int(options["gracePeriodSeconds"])
        except (TypeError, ValueError):
            raise errors.bad_request(f'invalid gracePeriodSeconds "{options["gracePeriodSeconds"]}"')
    policy = options.get("propagationPolicy")
    if policy is not None and policy not in POLICIES:
        raise errors.invalid("DeleteOptions", "", "", [errors.not_supported("propagationPolicy", policy,
                                                                              ["Foreground", "Background", "Orphan"])])
    return options


def check_preconditions(resource, obj: dict, options: dict) -> None:
    preconditions = options.get("preconditions") or {}
    for field, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
        wanted = preconditions.get(field)
        if wanted and wanted != obj["metadata"].get(field):
            raise errors.conflict(resource.plural, resource.group, meta.name(obj),
                                  f"Precondition failed: {label} in precondition: {wanted}, "
                                  f"{label} in object meta: {obj['metadata'].get(field)}")


def with_gc_finalizers(obj: dict, policy: str | None) -> bool:
    """Set the garbage collector's finalizer for `policy`; True if the finalizers changed."""
    if policy is None:
        return False
    finalizers = list(obj["metadata"].get("finalizers") or [])
    before = list(finalizers)
    finalizers = [f for f in finalizers if f not in (ORPHAN, FOREGROUND)]
    if policy == "Orphan":
        finalizers.append(ORPHAN)
    elif policy == "Foreground":
        finalizers.append(FOREGROUND)
    if finalizers == before:
        return False
    if finalizers:
        obj["metadata"]["finalizers"] = finalizers
    else:
        obj["metadata"].pop("finalizers", None)
    return True


def delete(server, resource, request) -> dict:
    """The DELETE verb (see the module note)."""
    with step(request, "validation"):   # DeleteOptions that do not parse
        options = delete_options(request)
    with step(request, "store"):
        kv, obj = server.read(resource, request.namespace, request.name)
        check_preconditions(resource, obj, options)
    server.admit("DELETE", resource, request, None, obj)
    request.steps.append(Step("validation", "skipped", "a delete is not validated"))
    strategy = server.strategy(resource)
    answer = strategy.delete(server, resource, request, obj, kv.mod_revision)   # namespaces
    if answer is not None:
        return answer
    grace = options.get("gracePeriodSeconds")
    being_deleted = meta.is_being_deleted(obj)
    if not being_deleted:
        with_gc_finalizers(obj, options.get("propagationPolicy") or "Background")
        # Graceful deletion (pods on a node): the kubelet stops the containers, then deletes with grace 0.
        seconds = strategy.graceful_delete_seconds(obj, grace)
        if seconds is not None:
            return mark(server, resource, request, obj, kv.mod_revision, seconds, "graceful")
    if obj["metadata"].get("finalizers"):
        if not being_deleted:
            return mark(server, resource, request, obj, kv.mod_revision, 0, "finalizers pending")
        if grace == 0 and obj["metadata"].get("deletionGracePeriodSeconds") != 0:
            return mark(server, resource, request, obj, kv.mod_revision, 0, "finalizers pending")
        request.steps.append(Step("store", "passed", "already being deleted: nothing written"))
        return obj
    return deleted_status(strategy, resource, server.remove(resource, request, obj, kv.mod_revision))


def deleted_status(strategy, resource, obj: dict) -> dict:
    """What DELETE answers once the object is really gone: a Success Status naming it, or for
    a few kinds the object (upstream's ReturnDeletedObject; an object still pending — grace
    period, finalizers — is always answered with the object itself)."""
    if strategy.returns_deleted_object:
        return obj
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {"name": meta.name(obj), "group": resource.group, "kind": resource.plural,
                        "uid": meta.uid(obj)}}


def mark(server, resource, request, obj: dict, mod: int, seconds: int, summary: str) -> dict:
    """Mark `obj` deleted in `seconds` (deletionTimestamp, deletionGracePeriodSeconds) and store it."""
    obj["metadata"]["deletionTimestamp"] = rfc3339(server.clock.now() + seconds)
    obj["metadata"]["deletionGracePeriodSeconds"] = seconds
    return server.write(resource, request, obj, mod, "delete", summary)
