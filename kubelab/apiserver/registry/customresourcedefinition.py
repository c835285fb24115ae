"""CustomResourceDefinition (apiextensions.k8s.io/v1): the kind that adds kinds.

Its rules are upstream's (apiextensions/validation.py); what is particular to kubelab is the
collision rule. kubelab names a resource by its plural alone (a Request carries no group),
so a CRD whose plural, singular, short names or kind a built-in kind already uses is refused
with a 422 — upstream would serve both, told apart by group. A CRD in a protected group
(`*.k8s.io`, `*.kubernetes.io`) needs upstream's approval annotation. Collisions between
CRDs of one group are not refused: the naming controller (apiextensions/crds.py) answers
them as upstream does, with NamesAccepted=False.
"""
from __future__ import annotations

from ...api import errors
from ..apiextensions import validation as crd_validation
from ..apiextensions.crds import FINALIZER
from ...api.resources import RESOURCES
from .strategy import FunctionStrategy

APPROVAL = "api-approved.kubernetes.io"


def default(crd: dict) -> None:
    crd_validation.apply_defaults(crd)
    metadata = crd.setdefault("metadata", {})
    if "creationTimestamp" not in metadata:   # on create only: the create path has cleared it
        crd.pop("status", None)
        finalizers = metadata.setdefault("finalizers", [])
        if FINALIZER not in finalizers:
            finalizers.append(FINALIZER)


def validate(crd: dict) -> list[dict]:
    causes = crd_validation.validate(crd)
    spec = crd.get("spec") or {}
    group = spec.get("group") or ""
    if (group in ("k8s.io", "kubernetes.io") or group.endswith((".k8s.io", ".kubernetes.io"))) and \
            not ((crd.get("metadata") or {}).get("annotations") or {}).get(APPROVAL):
        causes.append(errors.cause(f"metadata.annotations[{APPROVAL}]", "FieldValueRequired",
                                   f'Required value: protected groups must have approval annotation "{APPROVAL}", '
                                   "see https://github.com/kubernetes/enhancements/pull/1111"))
    causes += _built_in_collisions(spec.get("names") or {})
    served = [v for v in spec.get("versions") or [] if isinstance(v, dict) and v.get("served")]
    if len(served) > 1:
        # Deliberate simplification: one served version, so no conversion between versions.
        causes.append(errors.forbidden_field("spec.versions", "kubelab serves one version per "
                                             "CustomResourceDefinition; mark the others served: false"))
    return causes


def _built_in_collisions(names: dict) -> list[dict]:
    causes = []
    taken = {}
    for resource in RESOURCES.values():
        for word in (resource.plural, resource.singular, *resource.short_names):
            taken.setdefault(word, resource.plural)
    kinds = {resource.kind: resource.plural for resource in RESOURCES.values()}
    for field in ("plural", "singular"):
        if names.get(field) in taken:
            causes.append(errors.invalid_value(f"spec.names.{field}", names[field], "is already in use by the "
                                               f"built-in resource {taken[names[field]]} (kubelab names a "
                                               "resource by its plural alone)"))
    for index, short in enumerate(names.get("shortNames") or []):
        if short in taken:
            causes.append(errors.invalid_value(f"spec.names.shortNames[{index}]", short, "is already in use by "
                                               f"the built-in resource {taken[short]}"))
    if names.get("kind") in kinds:
        causes.append(errors.invalid_value("spec.names.kind", names["kind"], "is already in use by the "
                                           f"built-in resource {kinds[names['kind']]}"))
    return causes


def validate_update(old: dict, new: dict) -> list[dict]:
    return crd_validation.validate_update(old, new)


STRATEGY = FunctionStrategy("customresourcedefinitions", default, validate, validate_update)
