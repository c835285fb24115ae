"""Just enough SPDY/3.1 for `kubectl port-forward` (the portforward.k8s.io protocol).

kubectl port-forward opens, per connection it accepts on the learner's machine, two SPDY
streams to the kubelet — `streamtype: error` and `streamtype: data`, both with the pod's
`port` and one `requestid` — and the kubelet copies the data stream to and from a TCP
connection to <pod IP>:<port>. kubectl 1.31+ carries the SPDY bytes inside a WebSocket
(subprotocol `SPDY/3.1+portforward.k8s.io`); older clients upgrade the HTTP connection to
SPDY directly. Both arrive here as a byte transport.

    frames   control: SYN_STREAM (a stream opens), SYN_REPLY (we accept it), RST_STREAM,
             SETTINGS, PING (echoed), GOAWAY, WINDOW_UPDATE; data: stream id, FIN flag, bytes
    headers  a zlib stream per direction, primed with SPDY's dictionary (the spec's words,
             rebuilt below from its parts)

Left out: priorities, server push, flow control beyond granting the client's window back.
"""
from __future__ import annotations

import socket
import struct
import threading
import zlib

SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01

_WORDS = ("options head post put delete trace accept accept-charset accept-encoding accept-language "
          "accept-ranges age allow authorization cache-control connection content-base content-encoding "
          "content-language content-length content-location content-md5 content-range content-type date etag "
          "expect expires from host if-match if-modified-since if-none-match if-range if-unmodified-since "
          "last-modified location max-forwards pragma proxy-authenticate proxy-authorization range referer "
          "retry-after server te trailer transfer-encoding upgrade user-agent vary via warning www-authenticate "
          "method get status |200 OK| version HTTP/1.1 url public set-cookie keep-alive origin")
_TAIL = ("100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
         "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
         "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
         "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
         "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
         "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.")


def _dictionary() -> bytes:
    words = _WORDS.split("|")   # "200 OK" is the one word with a space
    names = words[0].split() + [words[1]] + words[2].split()
    return b"".join(struct.pack("!I", len(w)) + w.encode() for w in names) + _TAIL.encode()


DICTIONARY = _dictionary()


class Session:
    """One SPDY connection, server side: `receive(bytes)` as they come; `send` writes bytes."""

    def __init__(self, send, on_stream):
        self.send_raw, self.on_stream = send, on_stream
        self.buffer = b""
        self.inflate = zlib.decompressobj(zdict=DICTIONARY)
        self.deflate = zlib.compressobj(zdict=DICTIONARY)
        self.streams: dict[int, dict] = {}     # id -> {"headers": {...}, "on_data": callable}
        self.lock = threading.Lock()

    # -- writing -------------------------------------------------------------------------
    def _control(self, kind: int, flags: int, payload: bytes) -> None:
        with self.lock:
            self.send_raw(struct.pack("!HHI", 0x8000 | 3, kind, (flags << 24) | len(payload)) + payload)

    def data(self, stream_id: int, payload: bytes, fin: bool = False) -> None:
        with self.lock:
            self.send_raw(struct.pack("!II", stream_id & 0x7FFFFFFF, ((FLAG_FIN if fin else 0) << 24) | len(payload))
                          + payload)

    def reply(self, stream_id: int) -> None:
        block = struct.pack("!I", 0)
        with self.lock:
            compressed = self.deflate.compress(block) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        self._control(SYN_REPLY, 0, struct.pack("!I", stream_id) + compressed)

    def reset(self, stream_id: int, code: int = 5) -> None:   # 5: CANCEL
        self._control(RST_STREAM, 0, struct.pack("!II", stream_id, code))

    # -- reading -------------------------------------------------------------------------
    def receive(self, chunk: bytes) -> None:
        self.buffer += chunk
        while len(self.buffer) >= 8:
            first, second = struct.unpack("!II", self.buffer[:8])
            length = second & 0xFFFFFF
            if len(self.buffer) < 8 + length:
                return
            payload, self.buffer = self.buffer[8:8 + length], self.buffer[8 + length:]
            flags = second >> 24
            if first & 0x80000000:
                self._on_control(first & 0xFFFF, flags, payload)   # (version 3 in bits 16-30)
            else:
                self._on_data(first & 0x7FFFFFFF, flags, payload)

    def _headers(self, block: bytes) -> dict[str, str]:
        raw = self.inflate.decompress(block)
        count, = struct.unpack("!I", raw[:4])
        headers, at = {}, 4
        for _ in range(count):
            size, = struct.unpack("!I", raw[at:at + 4])
            name = raw[at + 4:at + 4 + size].decode().lower()
            at += 4 + size
            size, = struct.unpack("!I", raw[at:at + 4])
            headers[name] = raw[at + 4:at + 4 + size].decode()
            at += 4 + size
        return headers

    def _on_control(self, kind: int, flags: int, payload: bytes) -> None:
        if kind == SYN_STREAM:
            stream_id, = struct.unpack("!I", payload[:4])
            stream_id &= 0x7FFFFFFF
            stream = {"id": stream_id, "headers": self._headers(payload[10:]), "on_data": None}
            self.streams[stream_id] = stream
            self.reply(stream_id)
            self.on_stream(stream)
            if flags & FLAG_FIN and stream["on_data"]:
                stream["on_data"](b"", True)
        elif kind == PING:
            self._control(PING, 0, payload)
        elif kind == RST_STREAM:
            stream_id, _ = struct.unpack("!II", payload[:8])
            stream = self.streams.pop(stream_id & 0x7FFFFFFF, None)
            if stream and stream["on_data"]:
                stream["on_data"](b"", True)
        # SETTINGS, GOAWAY, HEADERS, WINDOW_UPDATE: nothing to do for a forwarded port

    def _on_data(self, stream_id: int, flags: int, payload: bytes) -> None:
        if payload:   # give the client its window back at once
            self._control(WINDOW_UPDATE, 0, struct.pack("!II", stream_id, len(payload)))
        stream = self.streams.get(stream_id)
        if stream and stream["on_data"]:
            stream["on_data"](payload, bool(flags & FLAG_FIN))


def forward_ports(session: Session, pod_ip: str) -> None:
    """portforward.k8s.io: pair each request's error and data streams, and copy data to the pod."""
    pairs: dict[str, dict] = {}

    def on_stream(stream: dict) -> None:
        headers = stream["headers"]
        pair = pairs.setdefault(headers.get("requestid", "0"), {})
        pair[headers.get("streamtype", "")] = stream
        if "data" in pair and "error" in pair and "socket" not in pair:
            _connect(pair, headers.get("port", "0"))
        elif headers.get("streamtype") == "data" and "error" not in pair:
            stream["on_data"] = lambda data, fin: pair.setdefault("early", []).append((data, fin))

    def _connect(pair: dict, port: str) -> None:
        data, error = pair["data"], pair["error"]
        try:
            connection = socket.create_connection((pod_ip, int(port)), timeout=5)
        except (OSError, ValueError) as failure:
            session.data(error["id"], f"error forwarding port {port} to pod: {failure}".encode(), fin=True)
            session.data(data["id"], b"", fin=True)
            return
        connection.settimeout(None)
        pair["socket"] = connection

        def to_pod(payload: bytes, fin: bool) -> None:
            try:
                if payload:
                    connection.sendall(payload)
                if fin:
                    connection.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        for payload, fin in pair.pop("early", []):
            to_pod(payload, fin)
        data["on_data"] = to_pod

        def from_pod() -> None:
            try:
                while True:
                    chunk = connection.recv(32768)
                    if not chunk:
                        break
                    session.data(data["id"], chunk)
            except OSError:
                pass
            try:
                session.data(data["id"], b"", fin=True)
                session.data(error["id"], b"", fin=True)
            except OSError:
                pass
            connection.close()
        threading.Thread(target=from_pod, daemon=True).start()

    session.on_stream = on_stream
