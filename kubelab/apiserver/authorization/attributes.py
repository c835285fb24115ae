"""What authorization is asked: may USER do VERB to RESOURCE[/SUBRESOURCE] NAME in NAMESPACE?

Upstream's authorizer.Attributes. A *resource request* names an API group, a resource, maybe
a subresource, a namespace and a name; a *non-resource request* names a URL path (`/version`,
`/healthz`, `/api`). Verbs are the API's: get, list, watch, create, update, patch, delete,
deletecollection (and a few special ones: impersonate, bind, escalate, approve).
"""
from __future__ import annotations

from dataclasses import dataclass

from ...api.resources import RESOURCES  # the registry of what is served
from ..authentication.user import UserInfo


@dataclass(frozen=True)
class Attributes:
    user: UserInfo
    verb: str
    namespace: str = ""
    api_group: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    path: str = ""                 # non-resource requests only
    resource_request: bool = True
    # For a create: the name in the body. RBAC never looks at it (resourceNames cannot limit
    # create, as upstream); the Node authorizer does, as NodeRestriction admission would.
    object_name: str = ""

    @property
    def qualified_resource(self) -> str:
        """"pods/status" — how rules and messages name the resource with its subresource."""
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


# Create-only kinds that are answered, never stored (they may be absent from RESOURCES).
REVIEW_GROUPS = {"selfsubjectaccessreviews": "authorization.k8s.io",
                 "subjectaccessreviews": "authorization.k8s.io",
                 "selfsubjectrulesreviews": "authorization.k8s.io",
                 "localsubjectaccessreviews": "authorization.k8s.io",
                 "tokenreviews": "authentication.k8s.io",
                 "selfsubjectreviews": "authentication.k8s.io"}


def for_request(request, user: UserInfo) -> Attributes:
    """The attributes of an API request (group looked up from the served resources)."""
    served = RESOURCES.get(request.resource)
    group = served.group if served is not None else REVIEW_GROUPS.get(request.resource, "")
    body = request.body if isinstance(request.body, dict) else {}
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    object_name = metadata.get("name", "") if request.verb == "create" else ""
    return Attributes(user, request.verb, request.namespace or "", group, request.resource,
                      request.subresource or "", request.name or "", object_name=str(object_name or ""))


def for_path(user: UserInfo, verb: str, path: str) -> Attributes:
    """The attributes of a request for a non-resource URL."""
    return Attributes(user, verb, path=path, resource_request=False)
