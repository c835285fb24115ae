"""The front: one address, connections spread round robin over the API servers, dead ones skipped."""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kubelab.store.etcd_process import free_ports


def _server(name: str) -> ThreadingHTTPServer:
    class Named(BaseHTTPRequestHandler):
        def do_GET(self):
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Named)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return httpd


def _start_front(port: int, backends: list[int]) -> subprocess.Popen:
    """`python -m kubelab.processes.front` as `kubelab up` starts it; bounded by `timeout`."""
    front = subprocess.Popen(["timeout", "60", sys.executable, "-m", "kubelab.processes.front", "--port", str(port),
                              *[f"127.0.0.1:{backend}" for backend in backends]],
                             stderr=subprocess.PIPE, text=True)
    assert "front listening" in front.stderr.readline()
    return front


def test_connections_go_round_robin_and_skip_an_instance_that_is_down():
    one, two = _server("apiserver-1"), _server("apiserver-2")
    dead_port, front_port = free_ports(2)
    front = _start_front(front_port, [one.server_address[1], dead_port, two.server_address[1]])
    answers = [urllib.request.urlopen(f"http://127.0.0.1:{front_port}/", timeout=5).read().decode()
               for _ in range(4)]
    assert answers == ["apiserver-1", "apiserver-2", "apiserver-1", "apiserver-2"]
    front.send_signal(signal.SIGTERM)
    assert front.wait(5) == 0
    for httpd in (one, two):
        httpd.shutdown()
        httpd.server_close()
