"""The handler chain: what every request goes through before the API server looks at it.

kube-apiserver wraps its REST handlers in filters (DefaultBuildHandlerChain): authentication
turns credentials into a user, authorization decides whether that user may make this
request, and only then does the request reach admission, validation and the store:

    request ─▶ authentication ─▶ authorization ─▶ admission ─▶ validation ─▶ store
               401 Unauthorized   403 Forbidden    403 / 404     422 Invalid   409 Conflict

`HandlerChain.serve(request, handler)` runs the first two and hands the request on. It also
keeps a `RequestRecord` of each request: the steps it passed and the one that refused it,
so a lesson can draw a real request's path. Each step records itself: the chain its two,
then the API server appends to `request.steps` as it goes (`step(request, name)` below):
each admission plugin by name ("admission: NamespaceLifecycle"), validation, the store's
write — so a refusal is written down by the step that made it, never guessed from its code.

Two configurations:

- `HandlerChain.secure(...)`: tokens, no anonymous requests, Node + RBAC — what `Cluster`
  and `kubelab up` run (as kubeadm sets kube-apiserver up).
- `HandlerChain.trusting()`: no authentication; the API server believes the user name a
  client claims and allows everything. An `APIServer` built alone starts like this, so the
  unit tests of other components need no credentials; kube-apiserver's old insecure port
  behaved the same way (removed in 1.20 — never expose such a server).

A request that arrives with `user_info` already set was made by the API server itself
(bootstrap, the first list of a watch): it passes without a second check. Transports clear
`user_info`, so no client can claim it.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass, field

from ..api import errors
from .authentication import Authenticator, StaticTokens, Unauthenticated, bearer_token
from .authentication.impersonation import impersonate
from .authentication.serviceaccount import ServiceAccountTokens
from .authentication.user import UserInfo
from .authorization import (REVIEW_KINDS, AlwaysAllow, Attributes, Authorizer, NodeAuthorizer, PolicyCache,
                            RBACAuthorizer, for_path, for_request, forbidden, review)
from .authorization.node_graph import NodeGraph

from ..api.request import STEPS, Step  # noqa: F401  (the record's vocabulary; re-exported)


@dataclass
class RequestRecord:
    """One request's way through the API server, step by step."""
    time: float
    user: str
    verb: str
    resource: str
    namespace: str
    name: str
    subresource: str = ""
    steps: list[Step] = field(default_factory=list)
    code: int = 200

    @property
    def refused_at(self) -> str | None:
        return next((step.name for step in self.steps if step.outcome == "refused"), None)

    def table(self) -> str:
        width = max(len(step.name) for step in self.steps)
        return "\n".join(f"{step.name:<{width}}  {step.outcome:<8} {step.detail}".rstrip() for step in self.steps)


def refused(request) -> bool:
    """Has a step of this request already recorded that it refused it?"""
    return any(step.outcome == "refused" for step in request.steps)


class step:
    """`with step(request, name[, detail]):` runs one step of the request path: a refusal
    (ApiError) is recorded under `name` unless a step inside it already recorded one; with a
    `detail`, passing is recorded too. (A class, not a generator: every request runs several.)"""

    __slots__ = ("request", "name", "detail")

    def __init__(self, request, name: str, detail: str | None = None):
        self.request, self.name, self.detail = request, name, detail

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:
        if kind is None:
            if self.detail is not None:
                self.request.steps.append(Step(self.name, "passed", self.detail))
        elif issubclass(kind, errors.ApiError) and not refused(self.request):
            self.request.steps.append(Step(self.name, "refused", f"{error.code} {error.reason}: {error.message}"))
        return False   # the refusal goes on up


class HandlerChain:
    """Authentication, authorization and the request records, in front of the API server."""

    impersonates = True  # Impersonate-User / Impersonate-Group are honoured (authentication/impersonation.py)

    def __init__(self, clock, authenticator: Authenticator | None, authorizer: Authorizer,
                 tokens: ServiceAccountTokens | None = None, static_tokens: StaticTokens | None = None,
                 policy: PolicyCache | None = None, keep: int = 1000):
        self.clock, self.authenticator, self.authorizer = clock, authenticator, authorizer
        self.tokens, self.static_tokens, self.policy = tokens, static_tokens, policy
        self.records: collections.deque[RequestRecord] = collections.deque(maxlen=keep)
        self._described: dict[UserInfo, str] = {}   # user -> its authentication step's words

    @classmethod
    def trusting(cls, clock) -> "HandlerChain":
        """No authentication, AlwaysAllow: the client's claimed name is believed."""
        return cls(clock, None, Authorizer([AlwaysAllow()]))

    @classmethod
    def secure(cls, store, clock, tokens: ServiceAccountTokens, static_tokens: StaticTokens,
               anonymous: bool = False) -> "HandlerChain":
        """Bearer tokens (static, then service-account), anonymous refused; Node, then RBAC."""
        policy = PolicyCache(store)
        return cls(clock, Authenticator([static_tokens, tokens], anonymous),
                   Authorizer([NodeAuthorizer(NodeGraph(store)), RBACAuthorizer(policy)]), tokens, static_tokens,
                   policy)

    @property
    def secured(self) -> bool:
        return self.authenticator is not None

    # -- the filters ---------------------------------------------------------------------
    def authenticate(self, request) -> UserInfo:
        """Fill in `request.user_info` and `request.user` from its credentials (401 if none hold)."""
        if request.user_info is not None:
            return request.user_info  # the API server's own request
        if self.authenticator is None:
            user = UserInfo(request.user or "system:anonymous", "", ("system:authenticated",))
        else:
            credentials = request.credentials or bearer_token(request.params.pop("authorization", ""))
            user = self.authenticator.authenticate(credentials)
        if getattr(request, "impersonate_user", "") or getattr(request, "impersonate_groups", None):
            user = impersonate(user, request.impersonate_user, list(request.impersonate_groups or []),
                               self._may_impersonate)
        request.user_info, request.user = user, user.name
        return user

    def _may_impersonate(self, requester: UserInfo, namespace: str, resource: str, name: str) -> None:
        """Raise the 403 unless `requester` may impersonate `resource` `name` (verb impersonate)."""
        attributes = Attributes(requester, "impersonate", namespace, "", resource, name=name)
        allowed, reason = self.authorizer.authorize(attributes)
        if not allowed:
            raise forbidden(attributes, reason)

    def authorize(self, request, user: UserInfo) -> str:
        """The reason the request is allowed; raises the 403 otherwise."""
        attributes = for_request(request, user)
        allowed, reason = self.authorizer.authorize(attributes)
        if not allowed:
            raise forbidden(attributes, reason)
        return reason

    def authorize_path(self, credentials: str, verb: str, path: str) -> UserInfo:
        """For non-resource URLs (/version, /healthz, /metrics): the user, or 401/403."""
        if self.authenticator is None:
            return UserInfo("system:anonymous")
        user = self.authenticator.authenticate(credentials)
        attributes = for_path(user, verb, path)
        allowed, reason = self.authorizer.authorize(attributes)
        if not allowed:
            raise forbidden(attributes, reason)
        return user

    # -- serving ---------------------------------------------------------------------------
    def serve(self, request, handler) -> dict:
        """Authenticate, authorize, then `handler(request)`; record every step on the way."""
        if request.user_info is not None:
            return handler(request)  # internal: already checked
        record = self._start(request)
        try:
            self._check(request, record)
        except errors.ApiError as error:
            record.code = error.code
            raise  # refused before the API server proper saw it: no later steps
        try:
            if request.resource in REVIEW_KINDS and request.verb == "create":
                result = review(request.resource, request.body, request.user_info, self.authorizer)
                status = result["status"]
                record.steps.append(Step("review", "passed", f"allowed: {status['allowed']}"
                                         if "allowed" in status else "rules listed"))
                return result
            result = handler(request)
        except errors.ApiError as error:
            record.code = error.code
            self._finish(record, request, error)
            raise
        self._finish(record, request, None, result)
        return result

    def admit_watch(self, request) -> None:
        """A watch passes the same two filters before it is opened."""
        if request.user_info is not None:
            return
        record = self._start(request)
        try:
            self._check(request, record)
        except errors.ApiError as error:
            record.code = error.code
            raise

    def _start(self, request) -> RequestRecord:
        record = RequestRecord(self.clock.now(), request.user or "", request.verb, request.resource,
                               request.namespace or "", request.name or "", request.subresource or "")
        self.records.append(record)
        return record

    def _check(self, request, record: RequestRecord) -> None:
        try:
            user = self.authenticate(request)
        except Unauthenticated as error:
            record.steps.append(Step("authentication", "refused", f"401 Unauthorized: {error.why}"))
            raise
        except errors.ApiError as error:  # the caller was known, but may not act as whom it asked
            record.steps.append(Step("authentication", "refused", f"{error.code} impersonation: {error.message}"))
            raise
        record.user = user.name
        secured = self.secured
        acting = user.extra.get("authentication.kubernetes.io/impersonated-by")
        who = self._described.get(user) if not acting else None   # (the same few users ask every time)
        if who is None:
            who = f"user {user.name}" + (f", groups {list(user.groups)}" if secured else "") \
                + (f", impersonated by {acting[0]}" if acting else "")
            if not acting and len(self._described) < 16384:   # (5,000 kubelets each a user)
                self._described[user] = who
        record.steps.append(Step("authentication", "passed" if secured else "skipped", who))
        try:
            reason = self.authorize(request, user)
        except errors.ApiError as error:
            record.steps.append(Step("authorization", "refused", f"403 {error.message}"))
            raise
        record.steps.append(Step("authorization", "passed" if secured else "skipped",
                                 reason or ("allowed" if secured else "AlwaysAllow")))

    @staticmethod
    def _finish(record: RequestRecord, request, error: errors.ApiError | None, result=None) -> None:
        """The later steps, as the API server recorded them on the request."""
        record.steps.extend(request.steps)
        if error is not None and record.refused_at is None:   # a refusal no step owned up to
            record.steps.append(Step("apiserver", "refused", f"{error.code} {error.reason}: {error.message}"))


def secure(apiserver, static_tokens: StaticTokens, tokens: ServiceAccountTokens,
           anonymous: bool = False) -> HandlerChain:
    """Run `apiserver` as kubeadm sets kube-apiserver up: tokens, Node + RBAC, the default policy.

    Installs the chain (from now on every request must authenticate), gives the API server
    the service-account key (for TokenRequest), then runs the `rbac/bootstrap-roles`
    post-start hook: the default ClusterRoles and ClusterRoleBindings, created if missing.
    """
    from .authorization.bootstrap_policy import ensure_policy
    apiserver.tokens = tokens
    tokens.lookup = apiserver.lookup   # a deleted account's or pod's tokens stop authenticating
    apiserver.chain = HandlerChain.secure(apiserver.store, apiserver.clock, tokens, static_tokens, anonymous)
    if "NodeRestriction" not in apiserver.admission.names:   # kubeadm enables it beside Node authorization
        from .admission.node_restriction import NodeRestriction
        apiserver.admission.add(NodeRestriction())
    ensure_policy(apiserver)
    return apiserver.chain
