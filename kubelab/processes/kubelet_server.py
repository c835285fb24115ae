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

`kubectl exec POD -- COMMAND` comes the same way: the API server passes the upgraded
connection through, and GET /exec/<ns>/<pod>/<container>?command=…&stdout=1 answers as a
WebSocket speaking v5.channel.k8s.io (websocket.py): the command runs to its end through the
runtime's ExecSync, its output goes out on stdout, its exit on the error stream. `kubectl
port-forward` reaches /portForward/<ns>/<pod> (SPDY streams, spdy.py) and `kubectl logs -f` the
same log path with follow=true; `kubectl attach` /attach/<ns>/<pod>/<container>. With the
process runtime, exec and attach carry stdin and a TTY, over WebSocket or SPDY
(remotecommand.py joins kubectl's streams to the container shim's stdio socket); with the
simulated one, exec runs through ExecSync without stdin and attach hears the log.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..api.errors import ApiError, status
from ..kubelet import container_io
from ..kubelet.shell import StartError
from . import remotecommand, websocket


class KubeletServer:
    """Serves GET /containerLogs/<ns>/<pod>/<container> for `kubelet` on 127.0.0.1:`port` (0: any)."""

    def __init__(self, kubelet, clock, port: int = 0):
        self.kubelet, self.clock = kubelet, clock
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, args=(0.2,), name="kubelet-server", daemon=True).start()

    def _on_kubelet_thread(self, work, seconds: float = 10.0, answer_later: bool = False):
        """Run `work()` on the kubelet's own thread (its code never runs on two) and return what it
        returns, or raise the ApiError it raised. With `answer_later`, `work(answer)` calls
        `answer(value)` itself, when the runtime calls back."""
        done, outcome = threading.Event(), {}

        def answer(value) -> None:
            outcome.setdefault("value", value)
            done.set()

        def run() -> None:
            try:
                if answer_later:
                    work(answer)
                else:
                    answer(work())
            except ApiError as error:
                outcome["error"] = error
                done.set()
        self.clock.call_soon_threadsafe(run)
        if not done.wait(seconds):
            raise ApiError(status(504, "Timeout", "the kubelet did not answer in time"))
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def _container(self, namespace: str, pod: str, container: str):
        """The container of that name in the pod's newest sandbox (on the kubelet's thread)."""
        sandboxes = self.kubelet.runtime.list_pod_sandboxes(namespace, pod)
        return sandboxes[-1].containers.get(container) if sandboxes else None

    def logs(self, namespace: str, pod: str, container: str, options: dict) -> str:
        """The container's logs, read on the kubelet's own thread (raises ApiError)."""
        return self._on_kubelet_thread(lambda: self.kubelet.container_logs(namespace, pod, container, options))

    def pod_ip(self, namespace: str, pod: str) -> str | None:
        """The running pod's IP (port-forward connects there), read on the kubelet's thread."""
        def look():
            sandboxes = self.kubelet.runtime.list_pod_sandboxes(namespace, pod)
            return sandboxes[-1].ip if sandboxes else None
        try:
            return self._on_kubelet_thread(look)
        except ApiError:
            return None

    def running(self, namespace: str, pod: str, container: str) -> str | None:
        """The id of the container while it runs, else None (a followed log ends with its container)."""
        def look():
            found = self._container(namespace, pod, container)
            return found.id if found is not None and found.state == "running" else None
        try:
            return self._on_kubelet_thread(look)
        except ApiError:
            return None

    def exec(self, namespace: str, pod: str, container: str, argv: list[str], seconds: float = 300.0):
        """Run `argv` in the container on the kubelet's thread; its ExecResult (raises ApiError)."""
        return self._on_kubelet_thread(
            lambda answer: self.kubelet.exec_in_container(namespace, pod, container, argv, answer), seconds,
            answer_later=True)

    def stdio(self, kind: str, namespace: str, pod: str, container: str, wanted: dict) -> dict:
        """Where an exec or attach session plugs in, looked up (and an exec started) on the
        kubelet's thread: {"id"} of the shim to connect to, {"start_error"} when the command is
        not in the image, or {} when the runtime has no live stdio (the simulated one)."""
        def look() -> dict:
            runtime, found = self.kubelet.runtime, self._container(namespace, pod, container)
            if found is None or found.state != "running":
                raise ApiError(status(400, "BadRequest", f'container not found ("{container}")'))
            if not hasattr(runtime, "exec_stream"):
                return {}
            if kind == "attach":
                return {"id": found.id}
            try:
                return {"id": runtime.exec_stream(found.id, wanted["command"], wanted["stdin"], wanted["tty"])}
            except StartError as error:
                return {"start_error": str(error)}
        return self._on_kubelet_thread(look)

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
        if len(parts) == 3 and parts[0] == "portForward":
            return self._port_forward(parts[1], parts[2])
        if len(parts) == 4 and parts[0] in ("attach", "exec"):
            return self._remote_command(parts[0], parts[1], parts[2], parts[3], url.query)
        if len(parts) != 4 or parts[0] != "containerLogs":
            return self._answer(404, "application/json", json.dumps(status(404, "NotFound", "404 page not found")))
        options = {name: values[-1] for name, values in urllib.parse.parse_qs(url.query).items()}
        if options.pop("follow", "").lower() == "true":
            return self._follow(parts[1], parts[2], parts[3], options)
        try:
            text = self.server.owner.logs(parts[1], parts[2], parts[3], options)
        except ApiError as error:   # the API server passes the kubelet's words on (log.http_provider)
            return self._answer(error.code, "text/plain; charset=utf-8", error.message)
        self._answer(200, "text/plain; charset=utf-8", text)

    def _follow(self, namespace: str, pod: str, container: str, options: dict) -> None:
        """`kubectl logs -f`: what there is, then each new line as it comes (chunked), until the
        container stops or the client goes away. The API server passes this answer through."""
        owner = self.server.owner
        whole = {k: v for k, v in options.items() if k not in ("tailLines", "limitBytes", "sinceSeconds", "sinceTime")}
        try:
            first, seen = owner.logs(namespace, pod, container, options), owner.logs(namespace, pod, container, whole)
        except ApiError as error:
            return self._answer(error.code, "text/plain; charset=utf-8", error.message)
        self.send_response(200)   # HTTP/1.0: the body is everything until the connection closes
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        following = owner.running(namespace, pod, container)
        try:
            self._write(first)
            while following is not None:
                time.sleep(0.5)   # this server thread polls the runtime's log; the kubelet's loop never waits
                still = owner.running(namespace, pod, container)
                text = owner.logs(namespace, pod, container, whole) if still in (following, None) else seen
                if text.startswith(seen) and len(text) > len(seen):
                    self._write(text[len(seen):])
                seen = text
                if still != following:
                    break
        except (ApiError, OSError):
            pass
        self.close_connection = True

    def _write(self, text: str) -> None:
        self.wfile.write(text.encode())
        self.wfile.flush()

    do_POST = do_GET   # SPDY clients POST their upgrade (exec, portForward)

    def _port_forward(self, namespace: str, pod: str) -> None:
        """`kubectl port-forward`: SPDY streams (inside a WebSocket, or an upgraded connection)
        copied to and from <pod IP>:<port> (spdy.py)."""
        from . import spdy
        ip = self.server.owner.pod_ip(namespace, pod)
        if ip is None:
            return self._answer(404, "text/plain; charset=utf-8", f'pod "{pod}" has no running sandbox here')
        offered = self.headers.get("Sec-WebSocket-Protocol", "")
        tunneled = self.headers.get("Upgrade", "").lower() == "websocket"
        if tunneled and "SPDY/3.1+portforward.k8s.io" not in offered:
            return self._answer(400, "text/plain; charset=utf-8", "port-forward speaks SPDY/3.1+portforward.k8s.io")
        self.send_response(101, "Switching Protocols")
        self.send_header("Connection", "Upgrade")
        if tunneled:
            self.send_header("Upgrade", "websocket")
            self.send_header("Sec-WebSocket-Accept", websocket.accept_key(self.headers.get("Sec-WebSocket-Key", "")))
            self.send_header("Sec-WebSocket-Protocol", "SPDY/3.1+portforward.k8s.io")
        else:
            self.send_header("Upgrade", "SPDY/3.1")
            self.send_header("X-Stream-Protocol-Version", "portforward.k8s.io")
        self.end_headers()
        self.wfile.flush()

        def send(payload: bytes) -> None:
            self.wfile.write(websocket.frame(payload) if tunneled else payload)
            self.wfile.flush()
        session = spdy.Session(send, on_stream=None)
        spdy.forward_ports(session, ip)
        try:
            while True:
                if tunneled:
                    opcode, payload = websocket.read_frame(self.rfile)
                    if opcode is None or opcode == 0x8:
                        break
                    if opcode == 0x9:
                        send_pong = websocket.frame(payload, opcode=0xA)
                        self.wfile.write(send_pong)
                        continue
                    session.receive(payload)
                else:
                    chunk = self.rfile.read1(65536)
                    if not chunk:
                        break
                    session.receive(chunk)
        except (OSError, ValueError):
            pass
        self.close_connection = True

    def _remote_command(self, kind: str, namespace: str, pod: str, container: str, query: str) -> None:
        """exec and attach: kubectl's streams joined to the container's stdio (remotecommand.py);
        a runtime without live stdio gets ExecSync's output, or the log from now on."""
        wanted = remotecommand.options(query)
        if not (wanted["stdin"] or wanted["stdout"] or wanted["stderr"]):   # upstream's remotecommand NewOptions
            return self._answer(400, "text/plain; charset=utf-8", "you must specify at least 1 of stdin, stdout, stderr")
        try:
            target = self.server.owner.stdio(kind, namespace, pod, container, wanted)
        except ApiError as error:
            target = {"refused": f"unable to upgrade connection: {error.message}"}
        if not target and kind == "attach":
            return self._attach(namespace, pod, container)
        if not target and not (wanted["stdin"] or wanted["tty"]):
            return self._exec(namespace, pod, container, urllib.parse.parse_qs(query))
        streams = remotecommand.negotiate(self, wanted)
        if isinstance(streams, str):
            return self._answer(400, "text/plain; charset=utf-8", streams)
        refusal = target.get("refused") or (_oci_exec_failed(target["start_error"]) if "start_error" in target else
                                            None if target else "kubelab's simulated runtime runs exec without "
                                            "stdin or a terminal; `kubelab up --runtime process` runs it for real")
        shim = None if refusal else _connect(target["id"])
        if shim is None:
            streams.finish(websocket.failure_status(refusal or f'container not found ("{container}")'))
            self.close_connection = True
            return
        argv = wanted["command"]
        remotecommand.bridge(streams, shim, wanted, lambda code: websocket.exit_status(code, argv)
                             if kind == "exec" else websocket.exit_status(0, []))

    def _attach(self, namespace: str, pod: str, container: str) -> None:
        """`kubectl attach` to a simulated runtime's container: its log from now on, over the exec
        WebSocket, until it exits (no live stdio to join: no stdin, no TTY, no SPDY)."""
        owner = self.server.owner
        protocol = websocket.choose_protocol(self.headers.get("Sec-WebSocket-Protocol", ""))
        following = owner.running(namespace, pod, container)
        if self.headers.get("Upgrade", "").lower() != "websocket" or protocol is None or following is None:
            return self._answer(400, "text/plain; charset=utf-8",
                                f'container {container} is not running, or the client does not speak WebSocket')
        websocket.accept(self, protocol)
        try:
            self.wfile.write(websocket.message(websocket.STDOUT, b""))
            seen = owner.logs(namespace, pod, container, {})
            while owner.running(namespace, pod, container) == following:
                time.sleep(0.5)   # this server thread polls the runtime's log; the kubelet's loop never waits
                text = owner.logs(namespace, pod, container, {})
                if text.startswith(seen) and len(text) > len(seen):
                    self.wfile.write(websocket.message(websocket.STDOUT, text[len(seen):].encode()))
                seen = text
            self.wfile.write(websocket.message(websocket.ERROR, websocket.exit_status(0, [])))
            self.wfile.write(websocket.close_frame())
        except (ApiError, OSError):
            pass
        self.close_connection = True

    def _exec(self, namespace: str, pod: str, container: str, query: dict) -> None:
        """The exec WebSocket: handshake, the command's output on stdout, its end on the error stream."""
        protocol = websocket.choose_protocol(self.headers.get("Sec-WebSocket-Protocol", ""))
        if self.headers.get("Upgrade", "").lower() != "websocket" or protocol is None:
            return self._answer(400, "text/plain; charset=utf-8",
                                "kubelab's kubelet speaks exec over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io)")
        argv = query.get("command") or []
        websocket.accept(self, protocol)
        self.wfile.write(websocket.message(websocket.STDOUT, b""))   # "connected", as upstream's wsstream says
        self.wfile.flush()
        try:
            result = self.server.owner.exec(namespace, pod, container, argv)
        except ApiError as error:
            self.wfile.write(websocket.message(websocket.ERROR, websocket.failure_status(error.message)))
        else:
            if result.exit_code == 126 or result.exit_code < 0 and not result.timed_out:
                text = result.output.strip() or f"exec: {argv[0] if argv else ''}: not found"
                self.wfile.write(websocket.message(websocket.ERROR, websocket.failure_status(_oci_exec_failed(text))))
            else:
                if result.output:
                    self.wfile.write(websocket.message(websocket.STDOUT, result.output.encode()))
                self.wfile.write(websocket.message(websocket.ERROR, websocket.exit_status(result.exit_code, argv)))
        self.wfile.write(websocket.close_frame())
        self.wfile.flush()
        self.close_connection = True

    def _answer(self, code: int, content_type: str, text: str) -> None:
        payload = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _oci_exec_failed(text: str) -> str:
    """runc's words when an exec'd command cannot start (kubectl prints them)."""
    text = text.split("unable to start container process: ")[-1].removesuffix(": unknown")
    return f"OCI runtime exec failed: exec failed: unable to start container process: {text}: unknown"


def _connect(shim_id: str):
    """The shim's stdio socket, once it listens (an exec's shim takes a moment to start)."""
    for _ in range(100):
        try:
            return container_io.connect(shim_id)
        except OSError:
            time.sleep(0.05)
    return None
