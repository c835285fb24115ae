"""Shared fixtures: a bare control plane (clock, store, API server, client) on virtual time."""
import random

import pytest

from kubelab.apiserver import APIServer, Request
from kubelab.client import Client, InProcessTransport, SharedInformerFactory
from kubelab.clock import VirtualClock
from kubelab.store import MemoryStore


@pytest.fixture
def clock():
    return VirtualClock()


@pytest.fixture
def store():
    return MemoryStore()


@pytest.fixture
def apiserver(store, clock):
    server = APIServer(store, clock, random.Random(0))
    server.bootstrap()
    # What the serviceaccount controller does in a running cluster: pods need their namespace's
    # "default" ServiceAccount (the ServiceAccount admission plugin refuses them otherwise).
    for namespace in ("default", "kube-node-lease", "kube-public", "kube-system"):
        server.handle(Request("create", "serviceaccounts", namespace,
                              body={"apiVersion": "v1", "kind": "ServiceAccount",
                                    "metadata": {"name": "default"}}))
    return server


@pytest.fixture
def client(apiserver):
    """An admin client speaking as "test"; use client.for_component(name) for others."""
    return Client(InProcessTransport(apiserver), "test")


@pytest.fixture
def factory(client, clock):
    return SharedInformerFactory(client, clock)
