"""Discovery: how a client learns which resources this API server serves.

kubectl knows no resource by heart. Before `kubectl get deploy` it asks:

    GET /api          → APIVersions      (the core group's versions: v1)
    GET /apis         → APIGroupList     (apps, ... and their versions)
    GET /api/v1       → APIResourceList  (pods: namespaced, kind Pod, verbs, shortNames po, ...)
    GET /apis/apps/v1 → APIResourceList  (deployments: shortNames deploy, categories all, ...)

and maps "deploy" to `apps/v1 deployments` from the answers (its RESTMapper). Since v1.26
clients may ask for all of it at once, "aggregated discovery" (an APIGroupDiscoveryList per
`/api` and `/apis`), by naming it in the Accept header; a server that answers with the plain
documents is understood too. kubelab serves both, from one source: resources.py.

Invariant: every document here is generated from resources.py (served.py), so a kind added
there is discoverable (and reachable over HTTP) without touching this file.
"""
from __future__ import annotations

from ...api import errors
from ...api.resources import Resource
from .served import served

GIT_VERSION = "v1.32.0-kubelab"   # the Kubernetes version whose semantics kubelab follows

# `kubectl get all` is the category "all"; upstream puts these kinds in it.
CATEGORIES = {"pods": ["all"], "services": ["all"], "replicasets": ["all"], "deployments": ["all"],
              "daemonsets": ["all"], "statefulsets": ["all"], "jobs": ["all"], "cronjobs": ["all"],
              "replicationcontrollers": ["all"]}

# What each subresource is (its kind, group, version) and which verbs it takes, as upstream.
SUBRESOURCES = {
    "status": (None, ("get", "patch", "update")),
    "binding": (("", "v1", "Binding"), ("create",)),
    "eviction": (("policy", "v1", "Eviction"), ("create",)),
    "scale": (("autoscaling", "v1", "Scale"), ("get", "patch", "update")),
    "log": (None, ("get",)),
    "finalize": (None, ("update",)),
    "ephemeralcontainers": (None, ("get", "patch", "update")),
}


def version() -> dict:
    """GET /version: what `kubectl version` prints as the server's version."""
    return {"major": "1", "minor": "32", "gitVersion": GIT_VERSION,
            "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
            "buildDate": "2025-01-01T00:00:00Z", "goVersion": "python3", "compiler": "kubelab",
            "platform": "linux/amd64"}


def group_versions() -> dict[str, list[str]]:
    """{group: [versions]}, the core group as "", in the order resources.py lists them."""
    groups: dict[str, list[str]] = {}
    for resource in served().values():
        versions = groups.setdefault(resource.group, [])
        if resource.version not in versions:
            versions.append(resource.version)
    return groups


def api_versions(server_address: str) -> dict:
    """GET /api."""
    return {"kind": "APIVersions", "versions": group_versions().get("", []),
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def api_group(group: str) -> dict | None:
    """GET /apis/<group>; None for a group we do not serve."""
    versions = group_versions().get(group) if group else None
    if not versions:
        return None
    listed = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": listed,
            "preferredVersion": listed[0]}


def api_group_list() -> dict:
    """GET /apis: every named group."""
    groups = [api_group(group) for group in group_versions() if group]
    for group in groups:
        del group["kind"], group["apiVersion"]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def _served(group: str, version: str) -> list[Resource]:
    return [r for r in served().values() if r.group == group and r.version == version]


def api_resource_list(group: str, version: str) -> dict | None:
    """GET /api/v1 or /apis/<group>/<version>: each resource and subresource; None if unserved."""
    served = _served(group, version)
    if not served:
        return None
    resources = []
    for resource in served:
        entry = {"name": resource.plural, "singularName": resource.singular,
                 "namespaced": resource.namespaced, "kind": resource.kind, "verbs": list(resource.verbs)}
        if resource.short_names:
            entry["shortNames"] = list(resource.short_names)
        if resource.plural in CATEGORIES:
            entry["categories"] = CATEGORIES[resource.plural]
        resources.append(entry)
        for subresource in resource.subresources:
            kind, verbs = _subresource(resource, subresource)
            resources.append({"name": f"{resource.plural}/{subresource}", "singularName": resource.singular,
                              "namespaced": resource.namespaced, "kind": kind[2],
                              **({"group": kind[0], "version": kind[1]} if kind[0] != group else {}),
                              "verbs": list(verbs)})
    group_version = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": resources}


def _subresource(resource: Resource, subresource: str) -> tuple[tuple[str, str, str], tuple[str, ...]]:
    kind, verbs = SUBRESOURCES.get(subresource, (None, ("get",)))
    return kind or (resource.group, resource.version, resource.kind), verbs


# -- aggregated discovery (apidiscovery.k8s.io/v2, v2beta1) -------------------------------------

AGGREGATED = "APIGroupDiscoveryList"


def wants_aggregated(accept: str) -> str | None:
    """The apidiscovery version the Accept header asks for first ("v2", "v2beta1"), if any."""
    for media_range in accept.split(","):
        params = dict(part.strip().split("=", 1) for part in media_range.split(";")[1:] if "=" in part)
        if params.get("g") == "apidiscovery.k8s.io" and params.get("as") == AGGREGATED \
                and params.get("v") in ("v2", "v2beta1"):
            return params["v"]
    return None


def aggregated(core: bool, discovery_version: str) -> dict:
    """The APIGroupDiscoveryList for /api (core=True) or /apis: all of discovery in one document."""
    items = []
    for group, versions in group_versions().items():
        if (group == "") != core:
            continue
        items.append({"metadata": {"name": group, "creationTimestamp": None},
                      "versions": [{"version": v, "resources": [_discovered(r) for r in _served(group, v)],
                                    "freshness": "Current"} for v in versions]})
    return {"kind": AGGREGATED, "apiVersion": f"apidiscovery.k8s.io/{discovery_version}",
            "metadata": {}, "items": items}


def _discovered(resource: Resource) -> dict:
    entry = {"resource": resource.plural,
             "responseKind": {"group": resource.group, "version": resource.version, "kind": resource.kind},
             "scope": "Namespaced" if resource.namespaced else "Cluster",
             "singularResource": resource.singular, "verbs": list(resource.verbs)}
    if resource.short_names:
        entry["shortNames"] = list(resource.short_names)
    if resource.plural in CATEGORIES:
        entry["categories"] = CATEGORIES[resource.plural]
    subresources = []
    for subresource in resource.subresources:
        kind, verbs = _subresource(resource, subresource)
        subresources.append({"subresource": subresource,
                             "responseKind": {"group": kind[0], "version": kind[1], "kind": kind[2]},
                             "verbs": list(verbs)})
    if subresources:
        entry["subresources"] = subresources
    return entry


def answer(segments: list[str], accept: str, server_address: str) -> tuple[dict, str]:
    """The document (and its Content-Type) a GET of /api, /apis, /api/v1 or /apis/<group>[/<version>]
    answers, aggregated when Accept asks for it; 404 for a group or version not served."""
    aggregated_version = wants_aggregated(accept)
    if len(segments) == 1 and aggregated_version:
        return aggregated(segments[0] == "api", aggregated_version), \
            f"application/json;g=apidiscovery.k8s.io;v={aggregated_version};as=APIGroupDiscoveryList"
    if segments == ["api"]:
        document = api_versions(server_address)
    elif segments == ["apis"]:
        document = api_group_list()
    elif segments[0] == "api":
        document = api_resource_list("", segments[1])
    elif len(segments) == 2:
        document = api_group(segments[1])
    else:
        document = api_resource_list(segments[1], segments[2])
    if document is None:
        raise errors.ApiError(errors.status(404, "NotFound", "the server could not find the requested resource"))
    return document, "application/json"
