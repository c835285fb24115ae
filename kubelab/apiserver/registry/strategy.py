"""A kind's strategy: every server-side rule of one kind, in one place.

Upstream gives each kind a file pkg/registry/<group>/<kind>/strategy.go whose object answers
the generic registry's questions; kubelab's `Strategy` asks the same ones, with upstream's
names in Python's spelling:

    default(obj)                          fill in what a manifest leaves out (SetDefaults_<Kind>)
    prepare_for_create(obj)               server-set fields on create (PrepareForCreate: e.g.
                                          clear status, which is the controllers' to write)
    prepare_for_update(obj, old)          ... on update (PrepareForUpdate: keep what may not change)
    validate(obj) -> causes               the kind's rules (Validate), after defaulting
    validate_update(obj, old) -> causes   what an update may not change (ValidateUpdate)

Each cause is errors.cause(field, reason, message); the generic path turns them into one 422.
A kind's file makes one Strategy (subclass it, override what the kind needs) and the registry
(registry/__init__.py) lists it under its plural — the same key as its row in the resource
table (api/resources.py). A custom kind's strategy (apiextensions/strategy.py) is made at
runtime from its CRD and answers the same questions.

What a strategy does not hold yet (issue 7, point 3, still open): the first kinds' rules
(pods, deployments, replicasets, services, endpoints, namespaces, nodes) still live in
defaults.py and validation.py, status resets and deletion hooks in server.py and deletion.py,
Table columns in api/printers/.
"""
from __future__ import annotations

Cause = dict   # errors.cause(field, reason, message)


class Strategy:
    """The rules of one served kind; the defaults do nothing, so a kind overrides only its own."""

    plural = ""   # the kind's row in the resource table

    def default(self, obj: dict) -> None:
        """Fill in defaulted fields of `obj` (a private copy), in place."""

    def prepare_for_create(self, obj: dict) -> None:
        """Set or clear server-owned fields before a create is validated."""

    def prepare_for_update(self, obj: dict, old: dict) -> None:
        """Set or clear server-owned fields before an update is validated."""

    def validate(self, obj: dict) -> list[Cause]:
        """Every rule `obj` breaks; [] when valid."""
        return []

    def validate_update(self, obj: dict, old: dict) -> list[Cause]:
        """Every rule the change from `old` to `obj` breaks (immutable fields, …)."""
        return []


class FunctionStrategy(Strategy):
    """A strategy assembled from a kind file's plain functions (how the registry's first files
    were written): `validate_update(old, new)` in their order, adapted to upstream's (obj, old)."""

    def __init__(self, plural: str, default=None, validate=None, validate_update=None):
        self.plural = plural
        self._default, self._validate, self._validate_update = default, validate, validate_update

    def default(self, obj: dict) -> None:
        if self._default:
            self._default(obj)

    def validate(self, obj: dict) -> list[Cause]:
        return self._validate(obj) if self._validate else []

    def validate_update(self, obj: dict, old: dict) -> list[Cause]:
        return self._validate_update(old, obj) if self._validate_update else []
