"""Authorization: may this user do this? Ask each authorizer in turn (kube-apiserver's
`--authorization-mode=Node,RBAC`), the first that allows or denies decides.

    Node  ─no opinion─▶  RBAC  ─no opinion─▶  403 Forbidden

Each authorizer answers "allow", "deny" or "no opinion" with a reason. When none allows,
the request is refused with upstream's 403, which names the user, the verb, the resource
(with its subresource), the API group and the namespace — exactly what a Role would need:

    pods is forbidden: User "system:serviceaccount:default:reader" cannot delete resource
    "pods" in API group "" in the namespace "default"

`AlwaysAllow` is the mode kube-apiserver runs in when no other is configured; kubelab uses
it for an API server built without security (unit tests of other components).
"""
from __future__ import annotations

from ...api import errors
from .attributes import Attributes


class AlwaysAllow:
    name = "AlwaysAllow"

    def authorize(self, attributes: Attributes) -> tuple[str, str]:
        return "allow", ""


class Authorizer:
    """The union of authorizers, in order."""

    def __init__(self, authorizers: list):
        self.authorizers = list(authorizers)

    def authorize(self, attributes: Attributes) -> tuple[bool, str]:
        """(allowed, reason): the first authorizer with an opinion decides."""
        reasons = []
        for authorizer in self.authorizers:
            decision, reason = authorizer.authorize(attributes)
            if decision == "allow":
                return True, reason
            if reason:
                reasons.append(reason)
            if decision == "deny":
                break
        return False, ", ".join(reasons)


def forbidden_message(attributes: Attributes) -> str:
    """Upstream's words for a refusal (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters)."""
    user = attributes.user.name
    if not attributes.resource_request:
        return f'User "{user}" cannot {attributes.verb} path "{attributes.path}"'
    what = (f'User "{user}" cannot {attributes.verb} resource "{attributes.qualified_resource}" '
            f'in API group "{attributes.api_group}"')
    if attributes.namespace:
        return f'{what} in the namespace "{attributes.namespace}"'
    return f"{what} at the cluster scope"


def forbidden(attributes: Attributes, reason: str = "") -> errors.ApiError:
    """The 403 Status for a refused request."""
    message = forbidden_message(attributes) + (f": {reason}" if reason else "")
    if not attributes.resource_request:
        status = errors.status(403, "Forbidden", f"forbidden: {message}")
        status["details"] = {}  # upstream sends empty details for a path
        return errors.ApiError(status)
    refused = errors.forbidden(attributes.resource, attributes.api_group, attributes.name, message)
    # Upstream's StatusDetails leaves empty fields out (omitempty): {"kind": "pods"} for a list.
    refused.status["details"] = {k: v for k, v in refused.status["details"].items() if v}
    return refused
