"""Fixtures for kubectl's tests: a hand-built cluster behind a fake client, and a real control plane.

The helpers live beside this file (kubectl_fake_client.py, kubectl_cluster_state.py); this
folder is put on sys.path so test modules can import them by name.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import kubectl_cluster_state as cluster_state  # noqa: E402
from kubectl_fake_client import FakeClient  # noqa: E402

from kubelab.kubectl import run  # noqa: E402


@pytest.fixture
def small_cluster():
    """The hand-built cluster of kubectl_cluster_state, five minutes after it was created."""
    return FakeClient(*cluster_state.objects())


@pytest.fixture
def kubectl(small_cluster):
    """`kubectl("get pods")` -> what kubectl prints, against the small cluster at NOW."""
    return lambda args, **kw: run(small_cluster, args, cluster_state.NOW, **kw)


@pytest.fixture
def live_kubectl(client, clock):
    """kubectl against the real API server (tests/conftest.py's client), at the clock's time."""
    return lambda args, **kw: run(client, args, clock.now(), **kw)
