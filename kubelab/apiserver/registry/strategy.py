"""A kind's strategy: every server-side rule of one kind, in one place.

Upstream gives each kind a file pkg/registry/<group>/<kind>/strategy.go whose object answers
the generic registry's questions; kubelab's `Strategy` asks the same ones, with upstream's
names in Python's spelling. The generic path (server.py, deletion.py) asks these and never
names a kind:

  write     default(obj)                       fill in what a manifest leaves out (SetDefaults_<Kind>)
            prepare_for_create(obj)            server-set fields on create (PrepareForCreate: e.g.
                                               clear status, which is the controllers' to write;
                                               with uid_before_prepare, metadata.uid is already set)
            prepare_for_update(obj, old)       ... on an update of the main resource (its status
                                               is already reset to the stored one when the kind
                                               has a status subresource)
            prepare_for_subresource_update(subresource, obj, old) -> obj
                                               what a write to status (or finalize) keeps: by
                                               default only .status changes (the status strategy)
            validate_name(name) -> causes      the rule its names follow (a DNS subdomain by default)
            validate(obj) -> causes            the kind's rules (Validate), after defaulting
            validate_update(obj, old) -> causes what an update may not change (ValidateUpdate)
            validate_status_update(obj, old) -> causes
                                               a write to status (ValidateStatusUpdate): by default
                                               both of the above; a kind whose rules read only its
                                               spec (which a status write keeps) skips validate()
            check_write(server, resource, request, obj, old)
                                               a check that needs the server (RBAC escalation)
            reserve(server, resource, obj, old=None) -> undo | None
                                               take what the object holds outside the store (a
                                               Service's ClusterIP, node ports); undo() if the
                                               write does not happen
            restore(server)                    an API server starts: take what stored objects hold
            spec_changed(old, new) -> bool     does metadata.generation move?
            summary(old, new) -> str           a few words for the trace ("replicas 3 → 5")
  delete    delete(server, resource, request, obj, mod) -> answer | None
                                               a kind that deletes its own way (namespaces: mark
                                               Terminating); None takes the generic path
            graceful_delete_seconds(obj, grace) -> seconds | None
                                               CheckGracefulDelete: pods on a node wait for the kubelet
            should_delete_during_update(obj)   the update that removed the last finalizer ends it
            release(server, obj, keep=None)    give back what reserve() took, once it is gone (or
                                               what an update to `keep` gave up)
            returns_deleted_object             DELETE answers with the object, not a Status
  read      field_selectors                    the fields `?fieldSelector=` may name (GetAttrs)
            watch_trigger                      the field the watch cache indexes watches by when they
                                               select one value of it (upstream's TriggerPublisherFunc:
                                               pods, spec.nodeName); "" for none
            table_columns(), table_row(obj, now)
                                               `kubectl get`'s columns (TableConvertor): by default
                                               the kind's row in api/printers (TABLES[plural]), which
                                               kubelab's kubectl also reads, being a layer above api/

Each cause is errors.cause(field, reason, message); the generic path turns them into one 422.
A kind's file makes one Strategy (subclass it, override what the kind needs) and the registry
(registry/__init__.py) lists it under its plural — the same key as its row in the resource
table (api/resources.py). A custom kind's strategy (apiextensions/strategy.py) is made at
runtime from its CRD and answers the same questions. docs/internals.md, "How to add a kind",
has a worked example.
"""
from __future__ import annotations

from typing import Callable

from ...api.printers import table as printed
from ...api.resources import RESOURCES, Resource
from ...objects import meta
from .. import validation
from ..decode import clone

Cause = dict   # errors.cause(field, reason, message)
NAME_AND_NAMESPACE = ("metadata.name", "metadata.namespace")


class Strategy:
    """The rules of one served kind; the defaults are the generic registry's, so a kind
    overrides only its own."""

    plural = ""                      # the kind's row in the resource table
    returns_deleted_object = False   # upstream's ReturnDeletedObject (pods, services, serviceaccounts)
    uid_before_prepare = False       # metadata.uid is set before prepare_for_create (a Job's selector)

    def __init__(self, plural: str | None = None):
        if plural is not None:
            self.plural = plural

    @property
    def resource(self) -> Resource:
        return RESOURCES[self.plural]

    # -- create and update ---------------------------------------------------------------
    def default(self, obj: dict) -> None:
        """Fill in defaulted fields of `obj` (a private copy), in place."""

    def prepare_for_create(self, obj: dict) -> None:
        """Set or clear server-owned fields before a create is validated."""

    def prepare_for_update(self, obj: dict, old: dict) -> None:
        """Set or clear server-owned fields before an update of the main resource is validated."""

    def prepare_for_subresource_update(self, subresource: str, obj: dict, old: dict) -> dict:
        """The object a write to `subresource` stores: the old one with only .status from `obj`."""
        # `old` is this request's own copy (just decoded from the store) and nothing on a status
        # write changes the spec the two share: only the top level and the metadata (which the
        # write stamps with its resourceVersion) are copied — a whole copy was a sixth of a
        # kubelet's status write. A kind that edits more (a custom kind's pruning) copies more.
        merged = dict(old)
        merged["metadata"] = clone(old["metadata"])
        merged["status"] = obj.get("status", {})
        return merged

    def validate_name(self, name: str, field: str = "metadata.name") -> list[Cause]:
        """The rule this kind's names follow (upstream's ValidateObjectMeta name function)."""
        return validation.validate_dns_name(name, field, "subdomain")

    def validate(self, obj: dict) -> list[Cause]:
        """Every rule `obj` breaks; [] when valid (metadata is checked for every kind)."""
        return []

    def validate_update(self, obj: dict, old: dict) -> list[Cause]:
        """Every rule the change from `old` to `obj` breaks (immutable fields, …)."""
        return []

    def validate_status_update(self, obj: dict, old: dict) -> list[Cause]:
        """Every rule a write to status breaks. `obj` is `old` with a new .status, so a kind whose
        validate() reads only the spec overrides this to skip it, as upstream's
        ValidatePodStatusUpdate does not look at the spec."""
        return self.validate(obj) + self.validate_update(obj, old)

    def check_write(self, server, resource: Resource, request, obj: dict, old: dict | None = None) -> None:
        """Refuse (raise ApiError) a write this kind forbids for reasons beyond the object."""

    def reserve(self, server, resource: Resource, obj: dict, old: dict | None = None) -> Callable[[], None] | None:
        """Take what `obj` holds outside the store before it is written (created, or updated from
        `old`); returns how to give it back if the write does not happen."""
        return None

    def restore(self, server) -> None:
        """An API server starts: take again what the stored objects of this kind hold."""

    def spec_changed(self, old: dict, new: dict) -> bool:
        """Does this update move metadata.generation (for kinds that have one)?"""
        return new.get("spec") != old.get("spec")

    def summary(self, old: dict, new: dict) -> str:
        """A few words on what an update changed, for the API server's trace."""
        old_replicas = (old.get("spec") or {}).get("replicas")
        new_replicas = (new.get("spec") or {}).get("replicas")
        return f"replicas {old_replicas} → {new_replicas}" if old_replicas != new_replicas else ""

    # -- delete --------------------------------------------------------------------------
    def delete(self, server, resource: Resource, request, obj: dict, mod: int) -> dict | None:
        """Answer a DELETE this kind's own way, or None for the generic path (deletion.py)."""
        return None

    def graceful_delete_seconds(self, obj: dict, grace: int | None) -> int | None:
        """How long a DELETE leaves `obj` marked before it goes; None: no graceful deletion."""
        return None

    def should_delete_during_update(self, obj: dict) -> bool:
        """An update that leaves a deleted object without finalizers (and grace 0) ends it."""
        return meta.is_being_deleted(obj) and not obj["metadata"].get("finalizers") and \
            obj["metadata"].get("deletionGracePeriodSeconds") == 0

    def release(self, server, obj: dict, keep: dict | None = None) -> None:
        """Give back what reserve() took: all of it once `obj` has left the store, or (after an
        update to `keep`) what `keep` no longer holds."""

    # -- read ----------------------------------------------------------------------------
    watch_trigger = ""

    @property
    def field_selectors(self) -> tuple[str, ...]:
        """The fields a list or watch may select on; every kind has metadata.name and .namespace."""
        row = RESOURCES.get(self.plural)
        return row.field_selectors if row is not None else NAME_AND_NAMESPACE

    def table_columns(self) -> list[dict]:
        """The Table's column definitions (name, type, format, description, priority)."""
        return printed.columns(self.resource)

    def table_row(self, obj: dict, now: float) -> list:
        """One object's cells, in the order of table_columns()."""
        return printed.row(self.resource, obj, now, "None")["cells"]


class FunctionStrategy(Strategy):
    """A strategy assembled from a kind file's plain functions (how the registry's first files
    were written): `validate_update(old, new)` in their order, adapted to upstream's (obj, old)."""

    def __init__(self, plural: str, default=None, validate=None, validate_update=None):
        super().__init__(plural)
        self._default, self._validate, self._validate_update = default, validate, validate_update

    def default(self, obj: dict) -> None:
        if self._default:
            self._default(obj)

    def validate(self, obj: dict) -> list[Cause]:
        return self._validate(obj) if self._validate else []

    def validate_update(self, obj: dict, old: dict) -> list[Cause]:
        return self._validate_update(old, obj) if self._validate_update else []
