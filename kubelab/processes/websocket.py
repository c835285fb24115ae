"""Just enough WebSocket (RFC 6455) for `kubectl exec`: the handshake and binary frames.

kubectl 1.29+ runs `exec` over a WebSocket whose subprotocol is Kubernetes' channel protocol
(`v5.channel.k8s.io`, falling back to v4): every binary message starts with one byte naming
its stream —

    0 stdin   1 stdout   2 stderr   3 error (a Status, JSON, when the command ends)
    4 resize  255 close (v5: "I am done sending on stream N")

The API server passes the upgraded connection through to the kubelet (the exec subresource),
and the kubelet's server (kubelet_server.py) speaks this side of it. Left out: fragmented
messages and extensions (kubectl sends neither), and text frames.
"""
from __future__ import annotations

import base64
import hashlib
import json
import struct

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255


def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept for a client's Sec-WebSocket-Key."""
    return base64.b64encode(hashlib.sha1((key.strip() + GUID).encode()).digest()).decode()


def accept(handler, protocol: str) -> None:
    """Answer an HTTP handler's upgrade request: 101, this subprotocol, the key's proof."""
    handler.send_response(101, "Switching Protocols")
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "Upgrade")
    handler.send_header("Sec-WebSocket-Accept", accept_key(handler.headers.get("Sec-WebSocket-Key", "")))
    handler.send_header("Sec-WebSocket-Protocol", protocol)
    handler.end_headers()


def choose_protocol(offered: str) -> str | None:
    """The channel protocol to speak, from the client's Sec-WebSocket-Protocol list."""
    names = [name.strip() for name in (offered or "").split(",")]
    return next((protocol for protocol in PROTOCOLS if protocol in names), None)


def frame(payload: bytes, opcode: int = 0x2) -> bytes:
    """One unmasked server frame (FIN set): binary by default, 0x8 close."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    return header + payload


def message(stream: int, data: bytes) -> bytes:
    """A channel-protocol message on `stream`, as one frame."""
    return frame(bytes([stream]) + data)


def exit_status(exit_code: int, argv: list[str]) -> bytes:
    """What the error stream says when the command ends (upstream's remotecommand words)."""
    if exit_code == 0:
        return json.dumps({"metadata": {}, "status": "Success"}).encode()
    return json.dumps({"metadata": {}, "status": "Failure",
                       "message": f"command terminated with non-zero exit code: error executing command "
                                  f"[{' '.join(argv)}], exit code {exit_code}",
                       "reason": "NonZeroExitCode",
                       "details": {"causes": [{"reason": "ExitCode", "message": str(exit_code)}]}}).encode()


def failure_status(text: str) -> bytes:
    return json.dumps({"metadata": {}, "status": "Failure", "message": text}).encode()


def close_frame(code: int = 1000) -> bytes:
    return frame(struct.pack("!H", code), opcode=0x8)


def read_frame(stream) -> tuple[int | None, bytes]:
    """One client frame (masked, as clients must send them): (opcode, payload); (None, b"") at EOF."""
    head = stream.read(2)
    if len(head) < 2:
        return None, b""
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if length == 126:
        length, = struct.unpack("!H", stream.read(2))
    elif length == 127:
        length, = struct.unpack("!Q", stream.read(8))
    mask = stream.read(4) if head[1] & 0x80 else b"\0\0\0\0"
    payload = stream.read(length)
    return opcode, bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
