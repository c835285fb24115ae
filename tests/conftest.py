"""Shared fixtures: a bare control plane (clock, store, API server, client) on virtual time."""
import random

import pytest

from kubelab.apiserver import APIServer
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
    return server


@pytest.fixture
def client(apiserver):
    """An admin client speaking as "test"; use client.for_component(name) for others."""
    return Client(InProcessTransport(apiserver), "test")


@pytest.fixture
def factory(client, clock):
    return SharedInformerFactory(client, clock)
