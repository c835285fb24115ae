"""Access reviews: ask the authorizer a question without doing the thing.

`kubectl auth can-i delete pods` sends a SelfSubjectAccessReview — "may *I* do this?" — and
prints yes or no from `status.allowed`. A SubjectAccessReview asks the same about someone
else (which itself needs permission: cluster-admin, or system:auth-delegator for webhooks).

    POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews
    {"spec": {"resourceAttributes": {"namespace": "default", "verb": "delete", "resource": "pods"}}}
    → the same object with  "status": {"allowed": false}  (and a reason when allowed)

Reviews are create-only and never stored: the answer is computed by the same authorizer
that guards real requests, so can-i always matches what would happen.

A SelfSubjectRulesReview lists every rule the asker holds in a namespace: what
`kubectl auth can-i --list` prints.

Real Kubernetes also has LocalSubjectAccessReview (namespaced); kubelab answers the kinds
`kubectl auth can-i` and webhooks use.
"""
from __future__ import annotations

import copy

from ...api import errors
from ...api.resources import REVIEW_GROUP as GROUP, REVIEW_KINDS  # noqa: F401  (re-exported)
from ..authentication.user import UserInfo
from .attributes import Attributes



def attributes_from_spec(spec: dict, user: UserInfo, kind: str) -> Attributes:
    """The question a review's spec asks, for `user`."""
    resource = spec.get("resourceAttributes")
    non_resource = spec.get("nonResourceAttributes")
    if bool(resource) == bool(non_resource):
        raise errors.invalid(kind, GROUP, "", [errors.invalid_value(
            "spec.resourceAttributes", None, "exactly one of nonResourceAttributes or resourceAttributes "
                                             "must be specified")])
    if non_resource:
        return Attributes(user, non_resource.get("verb", ""), path=non_resource.get("path", ""),
                          resource_request=False)
    return Attributes(user, resource.get("verb", ""), resource.get("namespace", ""), resource.get("group", ""),
                      resource.get("resource", ""), resource.get("subresource", ""), resource.get("name", ""))


def subject_of(spec: dict) -> UserInfo:
    """The user a SubjectAccessReview asks about (user, groups, uid, extra from its spec)."""
    if not spec.get("user") and not spec.get("groups"):
        raise errors.invalid("SubjectAccessReview", GROUP, "", [errors.invalid_value(
            "spec.user", "", "at least one of user or group must be specified")])
    return UserInfo(spec.get("user", ""), spec.get("uid", ""), tuple(spec.get("groups") or ()),
                    {k: list(v) for k, v in (spec.get("extra") or {}).items()})


def review(resource: str, body: dict | None, requester: UserInfo, authorizer) -> dict:
    """Answer a (Self)SubjectAccessReview: the body, with `status` filled in."""
    kind = REVIEW_KINDS[resource]
    if not isinstance(body, dict):
        raise errors.bad_request("the body of the request was in an unknown format")
    answer = copy.deepcopy(body)
    # Decoded as the Go type first (a 400 naming the field, as upstream's decoder): groups that
    # are not strings would otherwise reach the authorizer, whose remembered decisions key on them.
    from ..decode import check_definition
    check_definition(f"io.k8s.api.authorization.v1.{kind}", answer, kind, "v1")
    answer.setdefault("apiVersion", f"{GROUP}/v1")
    answer.setdefault("kind", kind)
    answer["metadata"] = {"creationTimestamp": None, **{k: v for k, v in (body.get("metadata") or {}).items()
                                                       if k in ("name", "generateName")}}
    spec = answer.get("spec") or {}
    if resource == "selfsubjectrulesreviews":
        answer["status"] = rules_review_status(authorizer, requester, spec.get("namespace", ""))
        return answer
    user = requester if resource == "selfsubjectaccessreviews" else subject_of(spec)
    allowed, reason = authorizer.authorize(attributes_from_spec(spec, user, kind))
    answer["status"] = {"allowed": allowed}
    if reason:
        answer["status"]["reason"] = reason
    return answer


def rules_review_status(authorizer, user: UserInfo, namespace: str) -> dict:
    """Every rule `user` holds in `namespace`, split as SelfSubjectRulesReview's status is."""
    from .bootstrap_policy import NODE_RULES
    from ..authentication.user import node_name
    rules: list[dict] = []
    for each in authorizer.authorizers:
        if hasattr(each, "rules_for"):
            rules += each.rules_for(user, namespace)
        elif each.name == "Node" and node_name(user):
            rules += NODE_RULES
        elif each.name == "AlwaysAllow":
            rules += [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
                      {"verbs": ["*"], "nonResourceURLs": ["*"]}]
    resource_rules = [{k: rule[k] for k in ("verbs", "apiGroups", "resources", "resourceNames") if rule.get(k)}
                      for rule in rules if rule.get("resources")]
    non_resource_rules = [{"verbs": rule["verbs"], "nonResourceURLs": rule["nonResourceURLs"]}
                          for rule in rules if rule.get("nonResourceURLs")]
    return {"resourceRules": resource_rules, "nonResourceRules": non_resource_rules, "incomplete": False}
