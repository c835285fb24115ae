"""Kubernetes REST paths, read into the API server's `Request`.

    GET    /api/v1/namespaces/default/pods?labelSelector=app%3Dweb   list pods in default
    GET    /api/v1/pods?watch=true                                   watch pods everywhere
    POST   /apis/apps/v1/namespaces/default/deployments              create
    PUT    /api/v1/namespaces/default/pods/web-1/status              update a subresource
    PATCH  /api/v1/nodes/node-1                                      patch a cluster-scoped object
    DELETE /api/v1/namespaces/default/pods/web-1?gracePeriodSeconds=0

A path names a group and version (`/api/v1` is the core group, `/apis/<group>/<version>` the
others), then optionally `namespaces/<ns>`, then the resource, a name and a subresource. The
HTTP method and whether a name is present make the verb, as in upstream's RequestInfo
(k8s.io/apiserver/pkg/endpoints/request/requestinfo.go): GET on a collection is `list` (or
`watch` with `?watch=true`), GET on an object is `get`, POST `create`, PUT `update`, PATCH
`patch`, DELETE `delete` (`deletecollection` on a collection).

Query parameters travel in `Request.params`, numbers as ints; a PATCH's Content-Type (which
kind of patch the body is) travels as `params["patchType"]`, upstream's media type string.

Left out: the deprecated `/api/v1/watch/...` paths (kubectl and client-go use `?watch=true`).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from ...api import errors
from ...api.request import Request
from ...api.resources import RESOURCES, Resource
from .served import served

_INT_PARAMS = ("limit", "gracePeriodSeconds", "timeoutSeconds", "tailLines", "sinceSeconds", "limitBytes")
_BOOL_PARAMS = ("watch", "allowWatchBookmarks", "pretty", "timestamps", "previous", "follow")
# sendInitialEvents stays text here: absent, true and false are three answers (watch_list.py).
_METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}

PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json", "application/apply-patch+yaml")


@dataclass
class Route:
    """Where a resource path points: the resource and the Request the API server will handle."""
    resource: Resource
    request: Request
    group_version: str


def split(target: str) -> tuple[list[str], dict]:
    """A request target into its path segments and its query parameters (typed)."""
    parts = urlsplit(target)
    segments = [segment for segment in parts.path.split("/") if segment]
    params: dict = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        params[key] = value
    for key in _INT_PARAMS:
        if key in params:
            try:
                params[key] = int(params[key])
            except ValueError:
                raise errors.bad_request(f'invalid value for {key}: "{params[key]}"')
    for key in _BOOL_PARAMS:
        if key in params:
            params[key] = params[key].lower() in ("true", "1", "")
    return segments, params


def not_found() -> errors.ApiError:
    return errors.ApiError(errors.status(404, "NotFound", "the server could not find the requested resource"))


def resolve(method: str, segments: list[str], params: dict) -> Route:
    """The resource and Request a REST path names; 404 for paths that name nothing we serve."""
    if segments[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", segments[2:]
    elif segments[:1] == ["apis"] and len(segments) >= 3:
        group, version, rest = segments[1], segments[2], segments[3:]
    else:
        raise not_found()
    namespace = ""
    # /namespaces/<ns>/<resource>...: a namespaced path. /namespaces/<name>[/status] is the
    # Namespace object itself, which is why the third segment decides.
    if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] not in RESOURCES["namespaces"].subresources:
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise not_found()
    plural, name, subresource = (rest + ["", ""])[:3]
    resource = served().get(plural)
    if resource is None or resource.group != group or resource.version != version:
        raise not_found()
    if namespace and not resource.namespaced:
        raise not_found()
    verb = _verb(method, bool(name), params)
    if subresource and subresource not in resource.subresources:
        raise not_found()
    request = Request(verb, resource.plural, namespace, name, subresource, params=params)
    return Route(resource, request, resource.api_version)


def _verb(method: str, has_name: bool, params: dict) -> str:
    if method in ("GET", "HEAD"):
        if has_name:
            return "get"
        return "watch" if params.get("watch") else "list"
    verb = _METHOD_VERBS.get(method)
    if verb is None:
        raise errors.method_not_allowed(f"the server does not allow this method on the requested resource")
    if verb == "delete" and not has_name:
        return "deletecollection"
    if verb in ("update", "patch") and not has_name:
        raise errors.method_not_allowed("the server does not allow this method on the requested resource")
    return verb


def patch_type(content_type: str) -> str:
    """The patch type a PATCH's Content-Type names; 415 for anything else, with upstream's words."""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in PATCH_TYPES:
        raise errors.ApiError(errors.status(
            415, "UnsupportedMediaType",
            f'the body of the request was in an unknown format - accepted media types include: '
            f'{", ".join(PATCH_TYPES)}'))
    return media_type
