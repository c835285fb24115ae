"""The HTTP transport against a tiny fake API server: REST paths, Status errors, watch streams.

The fake records what it was asked and answers as a real kube-apiserver would; these stories
check the wire, and tests/processes/ checks the transport against kubelab's real server.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kubelab.api.request import Request
from kubelab.client import ApiError, Client, Informer
from kubelab.client.http import HTTPTransport, url_of
from kubelab.client import kubeconfig
from kubelab.clock import RealClock

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default",
                                                      "resourceVersion": "7"}}


class FakeAPIServer(BaseHTTPRequestHandler):
    seen: list = []            # (method, path, headers, body)
    watch_events: list = []    # lines the next watch streams, then it ends

    def log_message(self, *args):
        pass

    def _answer(self, code: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.seen.append((self.command, self.path, dict(self.headers), body))

    def do_GET(self):
        self._record()
        if "watch=true" in self.path:
            return self._stream()
        if self.path.endswith("/pods/missing"):
            return self._answer(404, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                      "message": 'pods "missing" not found', "reason": "NotFound",
                                      "details": {"name": "missing", "kind": "pods"}, "code": 404})
        if self.path.startswith("/api/v1/pods"):
            return self._answer(200, {"kind": "PodList", "apiVersion": "v1",
                                      "metadata": {"resourceVersion": "7"}, "items": [POD]})
        if self.path == "/plain-500":
            self.send_response(500)
            self.send_header("Content-Length", "4")
            self.end_headers()
            return self.wfile.write(b"boom")
        self._answer(200, POD)

    def _stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in self.watch_events:
            line = (json.dumps(event) + "\n").encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def do_POST(self):
        self._record()
        self._answer(201, POD)

    def do_PUT(self):
        self._record()
        self._answer(409, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                           "message": "Operation cannot be fulfilled", "reason": "Conflict", "code": 409})

    do_PATCH = do_POST
    do_DELETE = do_POST


@pytest.fixture
def server():
    FakeAPIServer.seen = []
    FakeAPIServer.watch_events = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeAPIServer)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(httpd) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}"


def test_requests_become_the_rest_paths_kubernetes_serves():
    assert url_of(Request("get", "pods", "default", "web")) == "/api/v1/namespaces/default/pods/web"
    assert url_of(Request("list", "deployments")) == "/apis/apps/v1/deployments"
    assert url_of(Request("list", "pods", "kube-system", params={"labelSelector": "app=web"})) \
        == "/api/v1/namespaces/kube-system/pods?labelSelector=app%3Dweb"
    assert url_of(Request("create", "pods", "default", "web", "binding")) \
        == "/api/v1/namespaces/default/pods/web/binding"
    assert url_of(Request("create", "replicasets", "default", "web")) == "/apis/apps/v1/namespaces/default/replicasets"
    assert url_of(Request("update", "nodes", "", "node-1", "status")) == "/api/v1/nodes/node-1/status"
    assert url_of(Request("watch", "pods", params={"resourceVersion": "42"})) \
        == "/api/v1/pods?resourceVersion=42&watch=true"


def test_the_client_sends_verbs_with_the_token_and_its_name(server):
    client = Client(HTTPTransport(_url(server), "s3cret"), "kube-scheduler")
    assert client.get("pods", "web")["metadata"]["name"] == "web"
    client.create("pods", POD, dry_run=True)
    client.patch("pods", "web", {"metadata": {"labels": {"a": "b"}}})
    client.transport.request(Request("patch", "pods", "default", "web", body=[{"op": "remove", "path": "/x"}],
                                     params={"patchType": "application/json-patch+json"}))
    client.delete("pods", "web", propagation_policy="Foreground")
    methods = [(method, path) for method, path, _, _ in FakeAPIServer.seen]
    assert methods == [("GET", "/api/v1/namespaces/default/pods/web"),
                       ("POST", "/api/v1/namespaces/default/pods?dryRun=All"),
                       ("PATCH", "/api/v1/namespaces/default/pods/web"),
                       ("PATCH", "/api/v1/namespaces/default/pods/web"),
                       ("DELETE", "/api/v1/namespaces/default/pods/web?propagationPolicy=Foreground")]
    headers = FakeAPIServer.seen[2][2]
    assert headers["Authorization"] == "Bearer s3cret"
    assert headers["User-Agent"] == "kube-scheduler"
    assert headers["Content-Type"] == "application/merge-patch+json"
    assert FakeAPIServer.seen[1][3] == POD
    assert FakeAPIServer.seen[3][2]["Content-Type"] == "application/json-patch+json"


def test_a_refusal_is_raised_as_the_servers_status(server):
    client = Client(HTTPTransport(_url(server), "t"))
    with pytest.raises(ApiError) as missing:
        client.get("pods", "missing")
    assert (missing.value.code, missing.value.reason) == (404, "NotFound")
    assert missing.value.message == 'pods "missing" not found'
    with pytest.raises(ApiError) as conflict:
        client.update("pods", POD)
    assert (conflict.value.code, conflict.value.reason) == (409, "Conflict")


def test_a_body_that_is_not_a_status_gets_client_gos_generic_words(server):
    transport = HTTPTransport(_url(server), "t")
    with pytest.raises(ApiError) as error:
        transport.get_path("/plain-500")
    assert error.value.code == 500 and error.value.reason == "InternalError"
    assert error.value.message == 'an error on the server ("boom") has prevented the request from succeeding'


def test_a_server_that_is_not_there_is_a_503_the_components_retry():
    with pytest.raises(ApiError) as error:
        Client(HTTPTransport("http://127.0.0.1:9", "t")).get("pods", "web")
    assert error.value.code == 503
    assert "connect: connection refused" in error.value.message


def test_watch_events_arrive_on_the_clock_in_order_then_an_error_ends_the_stream(server):
    modified = json.loads(json.dumps(POD))
    modified["metadata"]["resourceVersion"] = "8"
    FakeAPIServer.watch_events = [{"type": "ADDED", "object": POD}, {"type": "MODIFIED", "object": modified}]
    clock = RealClock()
    seen = []

    def on_event(event_type, obj):
        seen.append((event_type, obj["metadata"].get("resourceVersion"), threading.get_ident()))
        if event_type == "ERROR":
            clock.stop()

    Client(HTTPTransport(_url(server), "t", clock)).watch("pods", on_event, resource_version="6")
    clock.run(5.0)
    assert [(kind, version) for kind, version, _ in seen] == [("ADDED", "7"), ("MODIFIED", "8"), ("ERROR", None)]
    assert {thread for _, _, thread in seen} == {threading.get_ident()}  # the loop's thread, not the reader's
    assert FakeAPIServer.seen[0][1] == "/api/v1/pods?resourceVersion=6&watch=true"


def test_an_informer_over_http_lists_then_watches_into_its_cache(server):
    clock = RealClock()
    informer = Informer(Client(HTTPTransport(_url(server), "t", clock)), "pods", clock)
    clock.call_soon(informer.start)
    clock.run(0.3)
    informer.stop()
    assert informer.has_synced and informer.get("default/web")["metadata"]["resourceVersion"] == "7"
    # The watch asks the server to end it after 5-10 minutes (client-go's reflector does).
    path, query = FakeAPIServer.seen[1][1].split("?")
    params = dict(pair.split("=") for pair in query.split("&"))
    assert path == "/api/v1/pods" and params["resourceVersion"] == "7" and params["watch"] == "true"
    assert 300 <= int(params["timeoutSeconds"]) <= 600


def test_a_kubeconfig_round_trips_in_the_shape_kubectl_reads(tmp_path, monkeypatch):
    path = kubeconfig.write(str(tmp_path / "kubeconfig"), "http://127.0.0.1:6443", "abc")
    written = (tmp_path / "kubeconfig").read_text()
    assert "current-context: kubelab" in written and "token: abc" in written
    assert oct((tmp_path / "kubeconfig").stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv("KUBECONFIG", path)
    config = kubeconfig.load()
    assert (config.server, config.token, config.namespace, config.user) == \
        ("http://127.0.0.1:6443", "abc", "default", "admin")


def test_a_create_whose_answer_was_lost_is_not_sent_twice_but_a_get_is_retried():
    # The API server applies a POST, then its connection breaks before the answer: sending
    # it again could create twice (Go's http.Transport retries only idempotent requests).
    import socketserver

    received = []

    class Server(socketserver.StreamRequestHandler):
        def handle(self):   # each connection: the first request answered, the second applied, then broken
            answered = False
            while (line := self.rfile.readline()):
                length = 0
                while (header := self.rfile.readline().strip()):
                    name, _, value = header.decode().partition(":")
                    length = int(value) if name.lower() == "content-length" else length
                self.rfile.read(length)
                method = line.split()[0].decode()
                received.append(method)
                if answered:
                    return
                answered = True
                body = b'{"kind":"PodList","items":[],"metadata":{"resourceVersion":"1"}}'
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                                 % (len(body), body))

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Server)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = Client(HTTPTransport(f"http://127.0.0.1:{server.server_address[1]}", "t"))
        client.list("pods", "default")
        with pytest.raises(ApiError) as lost:
            client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "once"}}, "default")
        assert lost.value.code == 503 and received == ["GET", "POST"]   # sent once
        client.list("pods", "default")      # a new connection
        client.list("pods", "default")      # broken after sending: a GET is sent again
        assert received == ["GET", "POST", "GET", "GET", "GET"]
    finally:
        server.shutdown()
        server.server_close()
