"""Service-account tokens: JWTs the API server signs, and later believes by checking the signature.

A pod (or a controller) proves it runs as service account NS/NAME by presenting a token the
API server itself issued. The token carries its own claims, so checking it needs the public
key and the clock, not a lookup:

    {"iss": "https://kubernetes.default.svc.cluster.local",     who issued it
     "sub": "system:serviceaccount:default:reader",              the user it stands for
     "aud": ["https://kubernetes.default.svc.cluster.local"],    who may accept it
     "iat": …, "nbf": …, "exp": …,                                when it is good
     "jti": "…",                                                 its id (shows in the audit log)
     "kubernetes.io": {"namespace": "default",
                       "serviceaccount": {"name": "reader", "uid": "…"},
                       "pod": {"name": …, "uid": …}}}             only when bound to a pod

Invariant: a token authenticates only if its signature verifies with the API server's key,
its issuer is ours, one of its audiences is ours, and the clock is inside [nbf, exp].

Then, as upstream's validator (pkg/serviceaccount/claims.go), the service account and the pod
the token is bound to are looked up (the API server's `lookup`, its watch cache: upstream's
listers) on every request: a token whose account or pod was deleted (or made again, with
another uid) stops authenticating at the very next request — "service account token has been
invalidated". Tokens whose claims carry no account uid are kubelab's in-process controllers'
(issued directly, for accounts that need not exist): only the token is checked for those.
Left out: tokens bound to a Secret or a Node, the `warnafter` year-long pod tokens, and legacy
tokens stored in Secrets.
"""
from __future__ import annotations

import random
import uuid

from ...objects.timefmt import parse as parse_rfc3339
from . import jwt, rsa
from .user import SERVICE_ACCOUNTS_GROUP, UserInfo, authenticated, service_account_username

ISSUER = "https://kubernetes.default.svc.cluster.local"  # --service-account-issuer (kubeadm's)
DEFAULT_EXPIRATION_SECONDS = 3600                        # TokenRequest's default
CREDENTIAL_ID = "authentication.kubernetes.io/credential-id"


class AuthenticationError(Exception):
    """Credentials that are ours but not good: bad signature, expired, wrong audience."""


class ServiceAccountTokens:
    """Issues service-account tokens and authenticates them (the API server holds the key)."""

    def __init__(self, key: rsa.PrivateKey, clock, rng: random.Random | None = None,
                 issuer: str = ISSUER, audiences: tuple[str, ...] = (ISSUER,)):
        self.key, self.clock, self.rng = key, clock, rng or random.Random(0)
        self.issuer, self.audiences = issuer, tuple(audiences)
        # Signatures already checked, token -> (claims, user) (upstream caches authentications
        # too); time and audience are still checked on every request.
        self._verified: dict[str, tuple[dict, UserInfo]] = {}
        # (resource, namespace, name) -> the object or None: the API server's lookup, set by
        # handler_chain.secure; None: nothing is looked up (only the token is checked).
        self.lookup = None

    @property
    def public_key(self) -> rsa.PublicKey:
        return self.key.public

    def claims(self, namespace: str, name: str, uid: str, audiences: list[str] | None = None,
               expiration_seconds: int = DEFAULT_EXPIRATION_SECONDS, pod: dict | None = None) -> dict:
        """The claims a TokenRequest for NS/NAME gets (what 1.32 puts in a token)."""
        now = int(self.clock.now())
        private = {"namespace": namespace, "serviceaccount": {"name": name, "uid": uid}}
        if pod:
            private["pod"] = {"name": pod["name"], "uid": pod["uid"]}
        return {"aud": list(audiences or self.audiences), "exp": now + int(expiration_seconds),
                "iat": now, "iss": self.issuer, "jti": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                "kubernetes.io": private, "nbf": now, "sub": service_account_username(namespace, name)}

    def issue(self, namespace: str, name: str, uid: str, **options) -> str:
        """A signed token for service account NAMESPACE/NAME (options as for `claims`)."""
        return jwt.encode(self.claims(namespace, name, uid, **options), self.key)

    def authenticate(self, token: str) -> UserInfo | None:
        """The service account behind `token`; None if it is not one of our tokens at all."""
        cached = self._verified.get(token)
        if cached is None:
            cached = self._verify(token)
            if cached is None:
                return None
        claims, user = cached
        self._check_time_and_audience(claims)
        if self.lookup is not None:
            self._check_bound_objects(claims)
        return user

    def _check_bound_objects(self, claims: dict) -> None:
        """The account (and the pod) the token names still exist, with the uids it names."""
        private = claims.get("kubernetes.io") or {}
        namespace, account, pod = private.get("namespace", ""), private.get("serviceaccount") or {}, private.get("pod")
        if not account.get("uid"):
            return   # an in-process controller's token: its account need not exist
        invalid_if_deleted_before = self.clock.now() - DELETION_LEEWAY
        found = self.lookup("serviceaccounts", namespace, account["name"])
        if found is None:
            raise AuthenticationError(f'serviceaccounts "{account["name"]}" not found')
        if _deleted_before(found, invalid_if_deleted_before):
            raise AuthenticationError(f"service account {namespace}/{account['name']} has been deleted")
        if found["metadata"].get("uid") != account["uid"]:
            raise AuthenticationError(f"service account UID ({found['metadata'].get('uid')}) does not match "
                                      f"claim ({account['uid']})")
        if pod:
            found = self.lookup("pods", namespace, pod.get("name", ""))
            if found is None or _deleted_before(found, invalid_if_deleted_before):
                raise AuthenticationError("service account token has been invalidated")
            if found["metadata"].get("uid") != pod.get("uid"):
                raise AuthenticationError(f"pod UID ({found['metadata'].get('uid')}) does not match service "
                                          f"account pod ref claim ({pod.get('uid')})")

    def _verify(self, token: str) -> tuple[dict, UserInfo] | None:
        """Check the signature once; remember the claims and the user they name."""
        try:
            unverified = jwt.peek(token)
        except jwt.TokenError:
            return None  # not a JWT: another authenticator's business
        if not isinstance(unverified, dict) or unverified.get("iss") != self.issuer:
            return None
        try:
            claims = jwt.decode(token, self.key.public)
        except jwt.TokenError as error:
            raise AuthenticationError(str(error)) from None
        if len(self._verified) >= 4096:
            self._verified.clear()
        self._verified[token] = (claims, user_from_claims(claims))
        return self._verified[token]

    def _check_time_and_audience(self, claims: dict) -> None:
        now = self.clock.now()
        if not isinstance(claims.get("exp"), (int, float)) or now >= claims["exp"]:
            raise AuthenticationError("service account token has expired")
        if isinstance(claims.get("nbf"), (int, float)) and now < claims["nbf"]:
            raise AuthenticationError("service account token is not valid yet")
        audiences = claims.get("aud")
        audiences = [audiences] if isinstance(audiences, str) else audiences or []
        if not set(audiences) & set(self.audiences):
            raise AuthenticationError("token audiences %s is invalid for the target audiences %s"
                                      % (_go_list(audiences), _go_list(self.audiences)))


DELETION_LEEWAY = 60   # jwt.DefaultLeeway: an object deleting for longer than this invalidates its tokens


def _deleted_before(obj: dict, moment: float) -> bool:
    stamp = obj["metadata"].get("deletionTimestamp")
    return bool(stamp) and parse_rfc3339(stamp) < moment


def user_from_claims(claims: dict) -> UserInfo:
    """The user a verified token stands for: the service account, its groups, the pod it is bound to."""
    private = claims.get("kubernetes.io") or {}
    namespace = private.get("namespace", "")
    account = private.get("serviceaccount") or {}
    if not namespace or not account.get("name") or \
            claims.get("sub") != service_account_username(namespace, account["name"]):
        raise AuthenticationError("service account token claims are malformed")
    extra = {CREDENTIAL_ID: [f"JTI={claims['jti']}"]} if claims.get("jti") else {}
    if private.get("pod"):
        extra["authentication.kubernetes.io/pod-name"] = [private["pod"]["name"]]
        extra["authentication.kubernetes.io/pod-uid"] = [private["pod"]["uid"]]
    return authenticated(claims["sub"], SERVICE_ACCOUNTS_GROUP, f"{SERVICE_ACCOUNTS_GROUP}:{namespace}",
                         uid=account.get("uid", ""), extra=extra)


def _go_list(values) -> str:
    return "[" + " ".join(values) + "]"
