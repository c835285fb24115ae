"""A secured control plane: the API server with tokens, Node + RBAC and the default policy.

`admin` is the kubeconfig's client (kubernetes-admin, group system:masters); `as_token(t)`
is a client presenting token `t`; `service_account(ns, name)` creates an account and
returns a client holding a fresh token for it, from the TokenRequest API.
"""
import random

import pytest

from kubelab.apiserver import APIServer
from kubelab.client import Client, InProcessTransport
from kubelab.clock import VirtualClock
from kubelab.cluster.credentials import ClusterCredentials
from kubelab.store import MemoryStore


class ControlPlane:
    def __init__(self, seed: int = 0):
        self.clock = VirtualClock()
        self.store = MemoryStore()
        self.apiserver = APIServer(self.store, self.clock, random.Random(seed))
        self.apiserver.bootstrap()
        self.credentials = ClusterCredentials(self.apiserver, seed)
        self.transport = InProcessTransport(self.apiserver)
        self.admin = Client(self.transport, "kubectl", self.credentials.admin)
        self.admin.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",  # as the SA
                                              "metadata": {"name": "default", "namespace": "default"}})  # controller would

    def as_token(self, token: str, user_agent: str = "test") -> Client:
        return Client(self.transport, user_agent, token)

    def service_account(self, namespace: str, name: str, **spec) -> Client:
        """Create service account NAMESPACE/NAME; a client holding a token from the TokenRequest API."""
        self.admin.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                              "metadata": {"name": name, "namespace": namespace}})
        answer = self.admin.request_token(name, namespace, **spec)
        return self.as_token(answer["status"]["token"], name)

    def snapshot(self) -> tuple:
        """Everything in the store, and its revision: equal snapshots mean nothing changed."""
        listed = self.store.range("/", prefix=True)
        return listed.revision, [(kv.key, kv.value) for kv in listed.kvs]


@pytest.fixture
def plane():
    return ControlPlane()
