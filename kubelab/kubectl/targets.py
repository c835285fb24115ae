"""What a command's arguments point at: `pods`, `pod web-1 web-2`, `deploy/web svc/web`.

kubectl's resource builder accepts two spellings: a type (or `type1,type2`, or `all`)
followed by names, or `type/name` pairs. A type without names means "every object of that
type" (a list); a type with names means exactly those objects (gets). When the arguments name
exactly one object, kubectl prints that object itself rather than a List (`single`).
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import KubectlError
from .resources import ResourceType, resolve, resolve_many


@dataclass(frozen=True)
class Target:
    resource: ResourceType
    name: str | None = None    # None: every object of the type


def parse_targets(args: list[str]) -> tuple[list[Target], bool]:
    """(targets, single): what the arguments name, and whether they name a single object."""
    if not args:
        return [], False
    if any("/" in arg for arg in args):
        return _pairs(args), len(args) == 1
    resources = resolve_many(args[0])
    names = args[1:]
    if not names:
        return [Target(resource) for resource in resources], False
    targets = [Target(resource, name) for resource in resources for name in names]
    return targets, len(targets) == 1


def _pairs(args: list[str]) -> list[Target]:
    targets = []
    for arg in args:
        if "/" not in arg:
            raise KubectlError("error: there is no need to specify a resource type as a separate argument "
                               "when passing arguments in resource/name form (e.g. 'kubectl get "
                               "resource/<resource_name>' instead of 'kubectl get resource "
                               "resource/<resource_name>'")
        parts = arg.split("/")
        if len(parts) > 2:
            raise KubectlError("error: arguments in resource/name form may not have more than one slash")
        if not parts[0] or not parts[1]:
            raise KubectlError("error: arguments in resource/name form must have a single resource and name")
        targets.append(Target(resolve(parts[0]), parts[1]))
    return targets
