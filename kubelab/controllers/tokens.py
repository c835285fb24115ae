"""The token controller: fills in the Secrets that ask for a service-account token.

Since v1.24 nothing creates token Secrets by itself: pods get short-lived tokens from the
TokenRequest API through their kube-api-access volume. A user who wants a long-lived token
still can, by creating a Secret of type kubernetes.io/service-account-token annotated with
kubernetes.io/service-account.name; this controller then

    secret of that type with no token        -> add data: token, ca.crt, namespace
                                                and the account's uid as an annotation
    the account is gone (or has another uid) -> delete the Secret
    an account is deleted                    -> its token Secrets are looked at again

Real Kubernetes gives kube-controller-manager the service-account signing key
(--service-account-private-key-file) and this controller signs a legacy token itself,
with no expiry. kubelab's components hold no keys and only talk to the API server, so the
controller asks the TokenRequest API for a token bound to the Secret (valid one year):
the same object, filled the same way, and the token dies with the Secret.
"""
from __future__ import annotations

import base64
import copy

from ..client import ApiError, Controller
from ..objects import meta

SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"
ACCOUNT_NAME = "kubernetes.io/service-account.name"
ACCOUNT_UID = "kubernetes.io/service-account.uid"
TOKEN_SECONDS = 365 * 24 * 3600
# kubelab's cluster CA is not a real certificate authority (the HTTP front serves plain or
# self-signed TLS); the bundle says so rather than pretend.
CA_PLACEHOLDER = "# kubelab: no cluster certificate authority\n"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class TokensController(Controller):
    name = "tokens-controller"
    # It mints the credentials the others speak with, so it cannot wait for one of its own:
    # upstream starts it with the root client builder (the manager's own identity).
    root_credentials = True

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.secrets = factory.informer("secrets")
        self.serviceaccounts = factory.informer("serviceaccounts")
        self.secrets.add_handlers(self.on_secret, lambda old, new: self.on_secret(new))
        self.serviceaccounts.add_handlers(on_delete=self.on_serviceaccount_deleted)

    def on_secret(self, secret: dict) -> None:
        if secret.get("type") == SERVICE_ACCOUNT_TOKEN:
            self.enqueue(secret)

    def on_serviceaccount_deleted(self, account: dict) -> None:
        for secret in self.secrets.list(meta.namespace(account)):
            if secret.get("type") == SERVICE_ACCOUNT_TOKEN and \
                    meta.annotations(secret).get(ACCOUNT_NAME) == meta.name(account):
                self.enqueue(secret)

    def sync(self, key: str) -> None:
        secret = self.secrets.get(key)
        if secret is None or meta.is_being_deleted(secret):
            return
        namespace, name = meta.split_key(key)
        account_name = meta.annotations(secret).get(ACCOUNT_NAME, "")
        account = self._account(namespace, account_name)
        wanted_uid = meta.annotations(secret).get(ACCOUNT_UID)
        if account is None or (wanted_uid and wanted_uid != meta.uid(account)):
            self._delete(namespace, name)
            return
        if (secret.get("data") or {}).get("token"):
            return  # already filled
        token = self.client.create("serviceaccounts", {
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
            "spec": {"expirationSeconds": TOKEN_SECONDS,
                     "boundObjectRef": {"kind": "Secret", "apiVersion": "v1", "name": name,
                                        "uid": meta.uid(secret)}}},
            namespace, subresource="token", name=account_name)["status"]["token"]
        filled = copy.deepcopy(secret)
        filled["metadata"].setdefault("annotations", {})[ACCOUNT_UID] = meta.uid(account)
        filled.setdefault("data", {}).update({"token": _b64(token), "ca.crt": _b64(CA_PLACEHOLDER),
                                              "namespace": _b64(namespace)})
        self.client.update("secrets", filled, namespace)

    def _account(self, namespace: str, name: str) -> dict | None:
        cached = self.serviceaccounts.get(f"{namespace}/{name}")
        if cached is not None:
            return cached
        try:
            return self.client.get("serviceaccounts", name, namespace)  # our cache may lag
        except ApiError as error:
            if error.code == 404:
                return None
            raise

    def _delete(self, namespace: str, name: str) -> None:
        try:
            self.client.delete("secrets", name, namespace)
        except ApiError as error:
            if error.code != 404:
                raise
