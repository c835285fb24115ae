"""Namespaces: defaulting, and a deletion that empties the namespace before it goes.

Upstream: pkg/registry/core/namespace (strategy.go and storage.go's own Delete). A namespace's
`spec.finalizers` ("kubernetes") is the namespace controller's: DELETE marks the namespace
Terminating; the controller deletes what it holds, then writes `namespaces/<name>/finalize`
without the finalizer, and that update ends it. A second DELETE while it empties is 409.
"""
from __future__ import annotations

import copy

from ...api import errors
from ...api.request import Step
from ...objects import meta
from ...objects.timefmt import rfc3339
from ..validation import validate_dns_name
from .strategy import Strategy

NAMESPACE_PURGING = ("The system is ensuring all content is removed from this namespace.  Upon completion, "
                     "this namespace will automatically be purged by the system.")


class NamespaceStrategy(Strategy):
    plural = "namespaces"

    def default(self, obj: dict) -> None:
        name = obj.get("metadata", {}).get("name", "")
        obj.setdefault("metadata", {}).setdefault("labels", {})["kubernetes.io/metadata.name"] = name
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {}).setdefault("phase", "Active")

    def validate_name(self, name: str, field: str = "metadata.name") -> list[dict]:
        return validate_dns_name(name, field, "label")

    def prepare_for_subresource_update(self, subresource: str, obj: dict, old: dict) -> dict:
        """finalize: only .spec.finalizers changes (status: only .status, as every kind)."""
        if subresource != "finalize":
            return super().prepare_for_subresource_update(subresource, obj, old)
        merged = copy.deepcopy(old)
        merged.setdefault("spec", {})["finalizers"] = (obj.get("spec") or {}).get("finalizers") or []
        return merged

    def delete(self, server, resource, request, obj: dict, mod: int) -> dict:
        """Mark the namespace Terminating; it goes once the namespace controller has finalized it."""
        from ..deletion import deleted_status, mark
        if obj.get("spec", {}).get("finalizers"):
            if meta.is_being_deleted(obj):
                raise errors.conflict(resource.plural, resource.group, meta.name(obj), NAMESPACE_PURGING)
            obj["metadata"]["deletionTimestamp"] = rfc3339(server.clock.now())
            obj["metadata"]["deletionGracePeriodSeconds"] = 0
            obj.setdefault("status", {})["phase"] = "Terminating"
            return server.write(resource, request, obj, mod, "delete", "Terminating")
        if obj["metadata"].get("finalizers"):
            if not meta.is_being_deleted(obj):
                return mark(server, resource, request, obj, mod, 0, "finalizers pending")
            request.steps.append(Step("store", "passed", "already being deleted: nothing written"))
            return obj
        return deleted_status(self, resource, server.remove(resource, request, obj, mod))

    def should_delete_during_update(self, obj: dict) -> bool:
        """Finalized: neither metadata.finalizers nor spec.finalizers left."""
        return meta.is_being_deleted(obj) and not obj["metadata"].get("finalizers") and \
            not (obj.get("spec") or {}).get("finalizers")


STRATEGY = NamespaceStrategy()
