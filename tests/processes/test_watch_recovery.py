"""A broken watch is noticed in every layer, and each layer starts again (issue 12, point 1).

The store (kubelab's store server, or a real etcd) is killed under a watch: the store's watch
tells its callback that it ended; the API server's watch sends its client an ERROR (500
InternalError, as upstream's etcd3 watcher does) and ends; an Informer lists and watches
again, with backoff, once the store is back. These stories kill real processes, so they
wait on the wall clock, bounded by timeouts.
"""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest

from kubelab.apiserver import APIServer
from kubelab.api.request import Request
from kubelab.client import Client, InProcessTransport
from kubelab.client.informer import Informer
from kubelab.clock import RealClock
from kubelab.processes.up import _die_with_parent as die_with_parent
from kubelab.store.etcd import EtcdStore
from kubelab.store.etcd_process import free_ports


def wait_for(check, seconds: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        time.sleep(0.05)


class StoreProcess:
    """`python -m kubelab.processes.store_server` on a fixed port, killed and started at will."""

    def __init__(self, data_dir, kind: str = "file"):
        self.port, = free_ports(1)
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.data_dir, self.kind = str(data_dir), kind
        self.process = None

    def start(self) -> "StoreProcess":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kubelab.processes.store_server",
             "--port", str(self.port), "--store", self.kind, "--data-dir", self.data_dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
        wait_for(self.answers, 20, "the store server")
        return self

    def answers(self) -> bool:
        try:
            urllib.request.urlopen(urllib.request.Request(self.endpoint + "/v3/maintenance/status", b"{}"),
                                   timeout=1).close()
            return True
        except OSError:
            return False

    def kill(self) -> None:
        self.process.kill()   # kill -9: no goodbye on any stream
        self.process.wait()


@pytest.fixture
def store_process(tmp_path):
    started = StoreProcess(tmp_path / "store").start()
    yield started
    if started.process.poll() is None:
        started.kill()


def test_a_store_watch_tells_its_callback_when_the_store_server_is_killed(store_process):
    store = EtcdStore(store_process.endpoint)
    heard = []
    store.watch("/registry/pods/", heard.append, prefix=True)
    store.put("/registry/pods/default/a", "1")
    wait_for(lambda: any(response.events for response in heard), what="the put")
    store_process.kill()
    wait_for(lambda: heard and heard[-1].canceled, what="the end of the watch")
    last = heard[-1]
    assert last.compact_revision == 0 and "ended the stream" in last.cancel_reason


def test_the_api_servers_watch_ends_with_an_internal_error_when_its_store_goes(store_process):
    clock = RealClock()
    apiserver = APIServer(EtcdStore(store_process.endpoint), clock)
    apiserver.bootstrap()
    events = []
    listed = apiserver.handle(Request("list", "pods", "default"))
    apiserver.watch(Request("watch", "pods", "default",
                            params={"resourceVersion": listed["metadata"]["resourceVersion"]}),
                    lambda event_type, obj: events.append((event_type, obj)))
    store_process.kill()
    deadline = time.monotonic() + 15
    while not events and time.monotonic() < deadline:
        clock.run(0.1)
    (event_type, status), = events
    assert event_type == "ERROR"
    assert (status["code"], status["reason"]) == (500, "InternalError")
    assert status["message"].startswith("Internal error occurred: ")


def test_an_informer_lists_again_with_backoff_and_catches_up_once_the_store_is_back(store_process):
    clock = RealClock()
    apiserver = APIServer(EtcdStore(store_process.endpoint), clock)
    apiserver.bootstrap()
    client = Client(InProcessTransport(apiserver), "test")
    informer = Informer(client, "configmaps", clock, namespace="default")
    informer.start()
    client.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "before"}})
    clock.run(0.5)
    assert informer.get("default/before") is not None
    store_process.kill()
    clock.run(3.0)               # the watch ended; lists fail while the store is away, backing off
    assert informer.relists >= 2
    store_process.start()        # the file store comes back with its data, on the same port
    client.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "after"}})
    deadline = time.monotonic() + 40
    while informer.get("default/after") is None and time.monotonic() < deadline:
        clock.run(0.2)
    assert informer.get("default/after") is not None and informer.get("default/before") is not None
