"""Resource types as kubectl names them: `po`, `pods`, `deploy`, `deployment.apps`, `all`.

kubectl turns what you type into a resource (the plural the API serves, like `deployments`),
a kind (`Deployment`) and a group (`apps`). The group shows up in what kubectl prints:
`deployment.apps/nginx created`, `deployments.apps "nginx" not found`, while the core group
is left out: `pod/nginx`, `pods "nginx" not found`.

Real kubectl learns this table from the API server's discovery documents (/api, /apis) and
caches it; kubelab's kubectl reads the table those documents are made from
(kubelab/api/resources.py) directly, so it knows every resource kubelab serves. `all` is the category real kubectl expands the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..api.resources import RESOURCES
from .errors import KubectlError


@dataclass(frozen=True)
class ResourceType:
    plural: str                  # what the API serves: "deployments"
    kind: str                    # "Deployment"
    group: str                   # "apps", or "" for the core group
    namespaced: bool
    short_names: tuple[str, ...] = ()
    version: str = "v1"

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def kind_prefix(self) -> str:
        """What `-o name` and `created` lines start with: "deployment.apps", "pod"."""
        return f"{self.singular}.{self.group}" if self.group else self.singular

    @property
    def group_resource(self) -> str:
        """How API errors name the resource: "deployments.apps", "pods"."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


# The rows discovery serves (kubelab/api/resources.py), for every resource one can list.
RESOURCE_TYPES: list[ResourceType] = [
    ResourceType(served.plural, served.kind, served.group, served.namespaced, tuple(served.short_names))
    for served in RESOURCES.values() if "list" in served.verbs
]

BY_PLURAL = {resource.plural: resource for resource in RESOURCE_TYPES}

# `kubectl get all`: the "all" category, in discovery order (core group first, then apps).
ALL = [BY_PLURAL[plural] for plural in ("pods", "replicationcontrollers", "services", "daemonsets", "deployments",
                                         "replicasets", "statefulsets")]


# The kinds CustomResourceDefinitions add, learned from discovery when a name is not in the
# table above (as real kubectl's discovery cache would hold them). `learn_from` sets the client.
_DISCOVERY: dict = {"client": None, "types": None}


def learn_from(client) -> None:
    """Use `client`'s discovery for the custom kinds of the next command (read on first need)."""
    _DISCOVERY.update(client=client, types=None)


def _custom_types() -> list[ResourceType]:
    if _DISCOVERY["types"] is None:
        discover = getattr(_DISCOVERY["client"], "discover", None)
        found = discover() if discover else {}
        _DISCOVERY["types"] = [ResourceType(r.plural, r.kind, r.group, r.namespaced, tuple(r.short_names), r.version)
                               for r in (found or {}).values()]
    return _DISCOVERY["types"]


def resolve(word: str) -> ResourceType:
    """A resource from any name kubectl accepts: plural, singular, short name, with .group."""
    name, _, group = word.lower().partition(".")
    full_group = group or None
    group = group.split(".")[-1] if group else None   # "deployments.v1.apps" -> "apps"
    for resource in RESOURCE_TYPES:
        if name in (resource.plural, resource.singular) or name in resource.short_names:
            if group is None or group == resource.group or (group == "v1" and not resource.group):
                return resource
    for resource in _custom_types():
        if name in (resource.plural, resource.singular) or name in resource.short_names:
            if full_group is None or full_group in (resource.group, f"{resource.version}.{resource.group}"):
                return resource
    raise KubectlError(f'error: the server doesn\'t have a resource type "{word}"')


def resolve_many(word: str) -> list[ResourceType]:
    """`pods,svc` or `all` -> resource types, in the order given."""
    out: list[ResourceType] = []
    for part in word.split(","):
        for resource in ALL if part.lower() == "all" else [resolve(part)]:
            if resource not in out:
                out.append(resource)
    return out


def for_object(obj: dict, source: str = "") -> ResourceType:
    """The resource an object from a manifest belongs to, from its apiVersion and kind."""
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    group, _, version = api_version.rpartition("/")
    for resource in RESOURCE_TYPES + _custom_types():
        if resource.kind == kind and resource.group == group and version == resource.version:
            return resource
    name = (obj.get("metadata") or {}).get("name", "")
    namespace = (obj.get("metadata") or {}).get("namespace", "")
    raise KubectlError(f'error: resource mapping not found for name: "{name}" namespace: "{namespace}" '
                       f'from "{source}": no matches for kind "{kind}" in version "{api_version}"\n'
                       f'ensure CRDs are installed first')
