"""The kubelet's own HTTP endpoint, for a kubelet that runs as a process: `kubectl logs`.

Logs never pass through the store. `kubectl logs web-x` asks the API server, which asks the
pod's node: upstream, GET https://<node>:10250/containerLogs/<namespace>/<pod>/<container>,
the port the kubelet reports in its Node's `status.daemonEndpoints.kubeletEndpoint.Port`.
In a notebook the API server calls the kubelet object directly (Cluster registers it); as
processes, `kubelab kubelet` serves that one path on a free port of 127.0.0.1 and reports the
port, and the API server dials it (apiserver/subresources/log.py).

Like the store server, this is a thread beside the component's loop: each request is posted
into the kubelet's clock and answered when the kubelet has read its runtime's logs, so the
kubelet's code still runs on its one thread. Upstream's kubelet API also serves exec, attach,
port-forward, metrics and pod listings, behind authentication; kubelab serves logs only, on
127.0.0.1 only.
"""
from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..api.errors import ApiError, status


class KubeletServer:
    """Serves GET /containerLogs/<ns>/<pod>/<container> for `kubelet` on 127.0.0.1:`port` (0: any)."""

    def __init__(self, kubelet, clock, port: int = 0):
        self.kubelet, self.clock = kubelet, clock
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, args=(0.2,), name="kubelet-server", daemon=True).start()

    def logs(self, namespace: str, pod: str, container: str, options: dict) -> str:
        """The container's logs, read on the kubelet's own thread (raises ApiError)."""
        done, outcome = threading.Event(), {}

        def read() -> None:
            try:
                outcome["text"] = self.kubelet.container_logs(namespace, pod, container, options)
            except ApiError as error:
                outcome["error"] = error
            finally:
                done.set()
        self.clock.call_soon_threadsafe(read)
        if not done.wait(10):
            raise ApiError(status(504, "Timeout", "the kubelet did not answer in time"))
        if "error" in outcome:
            raise outcome["error"]
        return outcome["text"]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    # TCP_NODELAY: an answer leaves as headers, then body; with Nagle's algorithm on, the body
    # waits for the client's delayed ACK (40 ms on Linux): with two API servers on this
    # store, every GET took 44 ms instead of about 1 ms (issue 12).
    disable_nagle_algorithm = True
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if len(parts) != 4 or parts[0] != "containerLogs":
            return self._answer(404, "application/json", json.dumps(status(404, "NotFound", "404 page not found")))
        options = {name: values[-1] for name, values in urllib.parse.parse_qs(url.query).items()}
        try:
            text = self.server.owner.logs(parts[1], parts[2], parts[3], options)
        except ApiError as error:   # the API server passes the kubelet's words on (log.http_provider)
            return self._answer(error.code, "text/plain; charset=utf-8", error.message)
        self._answer(200, "text/plain; charset=utf-8", text)

    def _answer(self, code: int, content_type: str, text: str) -> None:
        payload = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
