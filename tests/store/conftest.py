"""Fixtures for the store's stories: backends to run them against.

A real etcd: `etcd_store` is an EtcdStore on a fresh etcd-server of its own (about 60 ms to
start), so every story begins, as with MemoryStore(), at revision 1 with nothing compacted
and no alarm raised. The binary is /usr/bin/etcd or `etcd` on PATH; on a fresh machine where
`./run test` installs Debian's etcd-server first, and says so (the suite itself installs
nothing). Only if no binary can be had are the etcd stories skipped, and the skip says why. Each etcd runs
under a watchdog and `timeout`, so it stops even if pytest itself is killed.
"""
import pytest

from kubelab.store.etcd import EtcdStore
from kubelab.store.etcd_process import EtcdProcess, EtcdUnavailable, find_etcd


@pytest.fixture(scope="session")
def etcd_binary():
    """The etcd binary (./run test installs Debian's etcd-server when it can)."""
    try:
        return find_etcd()
    except EtcdUnavailable as why:
        pytest.skip(f"real etcd not available: {why}")


@pytest.fixture
def start_etcd(etcd_binary):
    """start_etcd(**options) -> a running EtcdProcess, stopped when the test ends."""
    started = []

    def start(**options) -> EtcdProcess:
        started.append(EtcdProcess(binary=etcd_binary, max_seconds=1800, **options))
        return started[-1].start()

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def etcd_server(start_etcd):
    return start_etcd()


@pytest.fixture
def etcd_store(etcd_server):
    store = EtcdStore(etcd_server.endpoint)
    yield store
    store.close()


@pytest.fixture
def etcd(start_etcd):
    """The contract suite's etcd backend: make(clock=None, **limits) -> an EtcdStore on an etcd
    of its own, started with those limits. A real etcd keeps real time: `clock` is ignored."""
    def make(clock=None, *, max_request_bytes: int = 0, quota_backend_bytes: int = 0) -> EtcdStore:
        server = start_etcd(max_request_bytes=max_request_bytes,
                            quota_backend_bytes=quota_backend_bytes)
        return EtcdStore(server.endpoint)
    return make
