"""The store server: kubelab's memory store behind etcd's protocol, shared by several API servers."""
from __future__ import annotations

import threading

import pytest

from kubelab.apiserver import APIServer
from kubelab.api.request import Request
from kubelab.clock import RealClock
from kubelab.processes.store_server import StoreServer, open_store
from kubelab.store import Compare, Op
from kubelab.store.etcd import EtcdStore


@pytest.fixture
def endpoint(tmp_path):
    clock = RealClock()
    server = StoreServer(open_store("memory", str(tmp_path), clock), clock)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    clock.stop()
    thread.join(5)


def test_two_clients_of_the_store_server_see_one_key_space(endpoint):
    one, two = EtcdStore(endpoint), EtcdStore(endpoint)
    put = one.put("/registry/pods/default/web", "v1")
    assert two.get("/registry/pods/default/web").value == "v1"
    stale = two.txn([Compare("/registry/pods/default/web", "mod", "=", put.revision - 1)],
                    [Op.put("/registry/pods/default/web", "v2")])
    assert not stale.succeeded   # compare-and-swap holds across clients: 409 Conflict upstairs
    fresh = two.txn([Compare("/registry/pods/default/web", "mod", "=", put.revision)],
                    [Op.put("/registry/pods/default/web", "v2")])
    assert fresh.succeeded and one.get("/registry/pods/default/web").value == "v2"
    one.close(), two.close()


def test_a_watch_through_one_client_hears_a_write_through_another(endpoint):
    watcher, writer = EtcdStore(endpoint), EtcdStore(endpoint)
    heard = []
    watcher.watch("/registry/pods/", heard.append, prefix=True, prev_kv=True)
    writer.put("/registry/pods/default/a", "1")
    writer.delete("/registry/pods/default/a")
    watcher.sync_watchers()
    events = [(event.type, event.kv.key) for response in heard for event in response.events]
    assert events == [("PUT", "/registry/pods/default/a"), ("DELETE", "/registry/pods/default/a")]
    watcher.close(), writer.close()


def test_a_write_through_one_api_server_reaches_a_watch_through_another(endpoint):
    clock_a, clock_b = RealClock(), RealClock()
    server_a = APIServer(EtcdStore(endpoint), clock_a)
    server_b = APIServer(EtcdStore(endpoint), clock_b)
    server_a.bootstrap()
    seen = []

    def on_event(event_type, obj):
        seen.append((event_type, obj["metadata"]["name"], obj["metadata"]["resourceVersion"]))
        clock_b.stop()

    listed = server_b.handle(Request("list", "services", "default"))
    server_b.watch(Request("watch", "services", "default",
                           params={"resourceVersion": listed["metadata"]["resourceVersion"]}), on_event)
    created = server_a.handle(Request("create", "services", "default", body={
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"ports": [{"port": 80}], "selector": {"app": "web"}}}))
    clock_b.run(5.0)
    assert seen == [("ADDED", "web", created["metadata"]["resourceVersion"])]
    assert server_b.handle(Request("get", "services", "default", "web"))["spec"]["clusterIP"] \
        == created["spec"]["clusterIP"]


def test_every_connection_the_store_server_accepts_sends_without_waiting_for_nagle(tmp_path):
    # With Nagle's algorithm on, an answer's body waits for the client's delayed ACK: two
    # API servers on this store took 44 ms a GET instead of about 1 ms (issue 12).
    import socket
    clock = RealClock()
    server = StoreServer(open_store("memory", str(tmp_path), clock), clock)
    accepted = []
    accept = server.httpd.get_request

    def get_request():
        connection, address = accept()
        accepted.append(connection)
        return connection, address
    server.httpd.get_request = get_request
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        store = EtcdStore(f"http://127.0.0.1:{server.port}")
        store.put("/registry/pods/default/a", "1")
        assert store.get("/registry/pods/default/a").value == "1"
        # Asked while the kept-alive connection is still open (the server closes it after).
        assert accepted and all(connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                                for connection in accepted)
        store.close()
    finally:
        clock.stop()
        thread.join(5)
