"""The ServiceAccount controller: every namespace has a ServiceAccount named "default".

    namespaces, serviceaccounts ──informers──▶ enqueue the namespace ──▶ sync(namespace):
        namespace gone or Terminating   -> nothing (NamespaceLifecycle would refuse anyway)
        "default" missing               -> create it

Invariant: a pod that names no service account runs as `default`, and the ServiceAccount
admission plugin refuses a pod whose account does not exist — so this controller must have
made `default` before the first pod of a new namespace arrives. In a brand-new namespace
that is a race a real cluster sometimes loses for a moment ("serviceaccount "default" not
found"); the ReplicaSet controller simply retries.

Real Kubernetes runs this loop inside kube-controller-manager as "serviceaccount-controller"
with a list of account names (--service-account... flags allow more than "default").
"""
from __future__ import annotations

from ..client import ApiError, Controller
from ..objects import meta

DEFAULT = "default"


class ServiceAccountsController(Controller):
    name = "service-account-controller"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.namespaces = factory.informer("namespaces")
        self.serviceaccounts = factory.informer("serviceaccounts")
        self.namespaces.add_handlers(self.enqueue, lambda old, new: self.enqueue(new))
        self.serviceaccounts.add_handlers(on_delete=self.on_serviceaccount_deleted)

    def on_serviceaccount_deleted(self, account: dict) -> None:
        if meta.name(account) == DEFAULT:
            self.enqueue(meta.namespace(account))

    def sync(self, key: str) -> None:
        namespace = self.namespaces.get(key)
        if namespace is None or (namespace.get("status") or {}).get("phase") == "Terminating":
            return
        if self.serviceaccounts.get(f"{key}/{DEFAULT}") is not None:
            return
        try:
            self.client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                   "metadata": {"name": DEFAULT, "namespace": key}}, key)
        except ApiError as error:
            if error.reason != "AlreadyExists":
                raise
