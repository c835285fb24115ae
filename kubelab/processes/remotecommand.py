"""`kubectl exec` and `kubectl attach` on the kubelet's side: client streams ⇄ the container's stdio.

Upstream's kubelet serves both through the CRI streaming server and the remotecommand
package (client-go/tools/remotecommand on kubectl's side). One session carries up to five
streams, whichever the request asked for (`stdin`, `stdout`, `stderr`, `tty` in its query):

    stdin   kubectl → process      stdout, stderr   process → kubectl
    error   kubectl ← the end: a Status (Success, or NonZeroExitCode with the exit code)
    resize  kubectl → the terminal's size, {"Width": w, "Height": h}, with `-t`

and two ways to carry them, as the kubectl version asks:

    WebSocket   kubectl 1.29+: `v5.channel.k8s.io` (or v4): each binary message starts with its
                channel byte (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize); v5 adds 255
                "close": [255, 0] is end-of-input, what makes `echo hi | kubectl exec -i … cat` end
    SPDY/3.1    older kubectl, or KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false: the connection upgrades
                to SPDY, kubectl opens one stream per channel (header `streamType`), the server
                waits for all it expects, and a FIN on the stdin stream is end-of-input

Either way the other end is the container shim's socket (kubelet/container_io.py, the same
channel numbers): for `attach` the container's own shim (its stdin only if the pod's container
has `stdin: true`; with `tty: true` its output is a terminal's), for `exec` a new shim the
runtime starts for the command (a pty with `-t`). The session ends when the shim says the
process exited. A runtime without live stdio (the simulated one) gets the older path in
kubelet_server.py: exec through ExecSync, attach as output only.

Left out: the v1–v3 protocols (plain-text errors), `base64.channel.k8s.io`, and SPDY flow control.
"""
from __future__ import annotations

import json
import socket
import threading
import urllib.parse

from ..kubelet import container_io
from . import spdy, websocket

CHANNEL_PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STREAM_TYPES = {"stdin": container_io.STDIN, "stdout": container_io.STDOUT, "stderr": container_io.STDERR,
                "error": 3, "resize": container_io.RESIZE}


def options(query: str) -> dict:
    """What the request asks for: the command, and which streams (upstream's PodExecOptions)."""
    values = urllib.parse.parse_qs(query)
    flag = lambda name: (values.get(name) or [""])[-1].lower() in ("1", "true")   # noqa: E731
    return {"command": values.get("command") or [], "stdin": flag("stdin"), "stdout": flag("stdout"),
            "stderr": flag("stderr"), "tty": flag("tty")}


class ClientStreams:
    """kubectl's side of a session, whatever carries it: `send` output, `finish` with a Status;
    input reaches `on_stdin(data)`, `on_close()` (end of input) and `on_resize(bytes)`."""
    on_stdin = on_close = on_resize = None

    def __init__(self, handler):
        self.handler = handler
        self.lock = threading.Lock()


class WebSocketStreams(ClientStreams):
    def __init__(self, handler, protocol: str):
        super().__init__(handler)
        self.protocol = protocol
        websocket.accept(handler, protocol)
        self._write(websocket.message(container_io.STDOUT, b""))   # "connected", as upstream's wsstream says

    def _write(self, payload: bytes) -> None:
        with self.lock:
            self.handler.wfile.write(payload)
            self.handler.wfile.flush()

    def send(self, channel: int, data: bytes) -> None:
        self._write(websocket.message(channel, data))

    def finish(self, status: bytes) -> None:
        self._write(websocket.message(3, status) + websocket.close_frame())

    def read_input(self) -> None:
        """Until kubectl closes: its stdin, end-of-input and resize messages."""
        while True:
            opcode, payload = websocket.read_frame(self.handler.rfile)
            if opcode is None or opcode == 0x8:
                return
            if opcode == 0x9:
                self._write(websocket.frame(payload, opcode=0xA))
            elif opcode == 0x2 and payload:
                channel, data = payload[0], payload[1:]
                if channel == container_io.STDIN and data:
                    self.on_stdin(data)
                elif channel == container_io.RESIZE:
                    self.on_resize(data)
                elif channel == container_io.CLOSE and data[:1] == bytes([container_io.STDIN]):
                    self.on_close()


class SpdyStreams(ClientStreams):
    def __init__(self, handler, protocol: str, expected: set[str]):
        super().__init__(handler)
        handler.send_response(101, "Switching Protocols")
        handler.send_header("Connection", "Upgrade")
        handler.send_header("Upgrade", "SPDY/3.1")
        handler.send_header("X-Stream-Protocol-Version", protocol)
        handler.end_headers()
        handler.wfile.flush()
        self.expected, self.ids, self.ready = expected, {}, threading.Event()
        self.resize_buffer = b""
        self.session = spdy.Session(self._raw, self._on_stream)

    def _raw(self, data: bytes) -> None:
        self.handler.wfile.write(data)
        self.handler.wfile.flush()

    def _on_stream(self, stream: dict) -> None:
        kind = stream["headers"].get("streamtype", "")
        self.ids[kind] = stream["id"]
        if kind == "stdin":
            stream["on_data"] = lambda data, fin: (data and self.on_stdin(data), fin and self.on_close())
        elif kind == "resize":
            stream["on_data"] = lambda data, fin: self._resize(data)
        if self.expected <= set(self.ids):
            self.ready.set()

    def _resize(self, data: bytes) -> None:
        self.resize_buffer += data
        decoder, text = json.JSONDecoder(), self.resize_buffer.decode(errors="replace")
        while text.strip():
            try:
                size, end = decoder.raw_decode(text.lstrip())
            except ValueError:
                break
            self.on_resize(json.dumps(size).encode())
            text = text.lstrip()[end:]
        self.resize_buffer = text.encode()

    def send(self, channel: int, data: bytes) -> None:
        kind = next((k for k, v in STREAM_TYPES.items() if v == channel), "")
        if kind in self.ids:
            self.session.data(self.ids[kind], data)

    def finish(self, status: bytes) -> None:
        if "error" in self.ids:
            self.session.data(self.ids["error"], status)
        for stream_id in self.ids.values():
            self.session.data(stream_id, b"", fin=True)

    def read_input(self) -> None:
        while True:
            chunk = self.handler.rfile.read1(65536)
            if not chunk:
                return
            self.session.receive(chunk)


def negotiate(handler, wanted: dict) -> ClientStreams | str:
    """Answer the upgrade kubectl asked for; the streams, or why not (a 400's text)."""
    if handler.headers.get("Upgrade", "").lower() == "websocket":
        protocol = websocket.choose_protocol(handler.headers.get("Sec-WebSocket-Protocol", ""))
        return WebSocketStreams(handler, protocol) if protocol else \
            "kubelab's kubelet speaks exec over WebSocket as v5.channel.k8s.io or v4.channel.k8s.io"
    if handler.headers.get("Upgrade", "").lower().startswith("spdy/3.1"):
        offered = [p.strip() for line in handler.headers.get_all("X-Stream-Protocol-Version") or []
                   for p in line.split(",")]
        protocol = next((p for p in CHANNEL_PROTOCOLS if p in offered), None)
        if protocol is None:
            return f"unable to upgrade: none of the stream protocols {offered} is {' or '.join(CHANNEL_PROTOCOLS)}"
        expected = {"error"} | {name for name in ("stdin", "stdout") if wanted[name]}
        expected |= {"resize"} if wanted["tty"] else ({"stderr"} if wanted["stderr"] else set())
        return SpdyStreams(handler, protocol, expected)
    return "Upgrade request required: exec and attach speak WebSocket or SPDY/3.1"


def bridge(streams: ClientStreams, shim: socket.socket, wanted: dict, exit_status) -> None:
    """Copy between kubectl's streams and the shim until the process ends or kubectl goes."""
    streams.on_stdin = lambda data: _to_shim(shim, container_io.STDIN, data) if wanted["stdin"] else None
    streams.on_close = lambda: _to_shim(shim, container_io.CLOSE, bytes([container_io.STDIN]))
    streams.on_resize = lambda size: _to_shim(shim, container_io.RESIZE, size) if wanted["tty"] else None
    threading.Thread(target=_read_quietly, args=(streams, shim), daemon=True).start()
    if isinstance(streams, SpdyStreams) and not streams.ready.wait(30):   # upstream's stream creation timeout
        shim.close()
        streams.handler.close_connection = True
        return
    code = None
    while True:
        stream, payload = container_io.read_frame(shim)
        if stream is None:
            break
        if stream == container_io.EXIT:
            code = int(payload or b"0")
            break
        channel = container_io.STDOUT if wanted["tty"] else stream
        if wanted["stdout" if channel == container_io.STDOUT else "stderr"]:
            try:
                streams.send(channel, payload)
            except OSError:
                break
    try:
        streams.finish(exit_status(code if code is not None else 137))   # no exit frame: its shim was killed
    except OSError:
        pass
    shim.close()
    streams.handler.close_connection = True


def _to_shim(shim: socket.socket, stream: int, payload: bytes) -> None:
    try:
        shim.sendall(container_io.frame(stream, payload))
    except OSError:
        pass


def _read_quietly(streams: ClientStreams, shim: socket.socket | None = None) -> None:
    try:
        streams.read_input()
    except (OSError, ValueError):
        pass
    if shim is not None:   # kubectl went away: the session is over (the process may run on)
        try:
            shim.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
