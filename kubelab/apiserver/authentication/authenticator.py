"""Authentication: turn a request's credentials into a user, or refuse it with 401.

kube-apiserver tries its authenticators in turn (static tokens, service-account tokens, …:
a *union*); the first that recognises the credentials decides. A request with no
credentials at all is anonymous: upstream lets it through as `system:anonymous` when
`--anonymous-auth=true` (then authorization refuses nearly everything), or refuses it with
401 when anonymous access is off. kubelab's clusters turn it off, so every request without
a valid token is refused before anything else looks at it.

    credentials ─▶ static tokens ─▶ service-account tokens ─▶ (anonymous?) ─▶ UserInfo | 401

The 401 is upstream's, word for word: Status "Unauthorized", reason "Unauthorized". The
reason a token was refused is never told to the client (it would help an attacker) — it is
kept for the request's trace instead.

Real Kubernetes also has client certificates, OIDC, webhook and bootstrap-token
authenticators, and an authenticating proxy; kubelab has the two that its components use.
"""
from __future__ import annotations

from ...api import errors
from .serviceaccount import AuthenticationError
from .user import ANONYMOUS_USER, UserInfo


def unauthorized() -> errors.ApiError:
    """The 401 every refused credential gets."""
    return errors.ApiError(errors.status(401, "Unauthorized", "Unauthorized"))


class Unauthenticated(errors.ApiError):
    """A 401, carrying (for the trace only) why the credentials were refused."""

    def __init__(self, why: str):
        super().__init__(unauthorized().status)
        self.why = why


class Authenticator:
    """The union of token authenticators, then the anonymous rule."""

    def __init__(self, token_authenticators: list, anonymous: bool = False):
        self.token_authenticators = list(token_authenticators)
        self.anonymous = anonymous

    def authenticate(self, credentials: str) -> UserInfo:
        """The user behind a bearer token; raises Unauthenticated (401) if there is none."""
        if not credentials:
            if self.anonymous:
                return ANONYMOUS_USER
            raise Unauthenticated("no credentials, and anonymous requests are not allowed")
        problems = []
        for authenticator in self.token_authenticators:
            try:
                user = authenticator.authenticate(credentials)
            except AuthenticationError as error:
                problems.append(str(error))
                continue
            if user is not None:
                return user
        raise Unauthenticated("; ".join(problems) or "invalid bearer token")


def bearer_token(authorization_header: str | None) -> str:
    """The token from an HTTP `Authorization: Bearer <token>` header ("" if there is none)."""
    scheme, _, token = (authorization_header or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
