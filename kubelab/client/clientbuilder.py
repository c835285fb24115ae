"""Client builders: how the controller manager gives each controller its own identity.

kube-controller-manager runs with `--use-service-account-credentials`: instead of every
controller speaking as the manager, each gets a client for the service account
kube-system/<controller name> (upstream's DynamicControllerClientBuilder):

    1. get the ServiceAccount kube-system/NAME, create it if it is missing
    2. POST serviceaccounts/NAME/token (TokenRequest), an hour's token
    3. hand the controller a client presenting that token (steps 1–2 happen on its first request) — refreshed once 80% of its
       life has passed, so it never expires under the controller's feet

The API server then authorizes each controller by its own ClusterRole,
system:controller:NAME, so a bug in one controller cannot touch what it has no business with.
"""
from __future__ import annotations

from ..objects.timefmt import parse as parse_rfc3339
from .client import ApiError, Client

NAMESPACE = "kube-system"
EXPIRATION_SECONDS = 3600
REFRESH_AT = 0.8  # of the token's life


class ServiceAccountTokenSource:
    """The current token of one service account; asks for a new one when the old one ages."""

    def __init__(self, client: Client, clock, name: str, namespace: str = NAMESPACE,
                 expiration_seconds: int = EXPIRATION_SECONDS):
        self.client, self.clock, self.name, self.namespace = client, clock, name, namespace
        self.expiration_seconds = expiration_seconds
        self._token, self._refresh_at = "", 0.0

    def __call__(self) -> str:
        if not self._token or self.clock.now() >= self._refresh_at:
            if not self._token:
                ensure_service_account(self.client, self.name, self.namespace)
            answer = self.client.request_token(self.name, self.namespace, expiration_seconds=self.expiration_seconds)
            issued = self.clock.now()
            expires = parse_rfc3339(answer["status"]["expirationTimestamp"])
            self._token, self._refresh_at = answer["status"]["token"], issued + REFRESH_AT * (expires - issued)
        return self._token


class ServiceAccountClientBuilder:
    """`builder(name)` → a Client speaking as service account kube-system/NAME."""

    def __init__(self, client: Client, clock, namespace: str = NAMESPACE):
        self.client, self.clock, self.namespace = client, clock, namespace

    def __call__(self, name: str) -> Client:
        # Nothing is asked of the API server yet: the first request fetches the token, so a
        # controller manager may start before the API server answers (its informers retry).
        return self.client.for_component(name, ServiceAccountTokenSource(self.client, self.clock, name,
                                                                         self.namespace))


def ensure_service_account(client: Client, name: str, namespace: str = NAMESPACE) -> None:
    """Get the ServiceAccount, or create it if missing (another manager may race us: fine)."""
    try:
        client.get("serviceaccounts", name, namespace)
    except ApiError as error:
        if error.code != 404:
            raise
        try:
            client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                              "metadata": {"name": name, "namespace": namespace}})
        except ApiError as race:
            if race.reason != "AlreadyExists":
                raise
