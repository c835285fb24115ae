"""HTTP framing a hostile client can abuse: body lengths, chunked bodies, slow clients.

kube-apiserver leaves this to Go's net/http, configured in secure_serving.go; kubelab's
HTTP server is the standard library's, which trusts its client, so these rules are here:

- Content-Length is a decimal number, one value: anything else ("-1", "1e9", two different
  values) is refused before a byte of the body is read, with net/http's words
  (`bad Content-Length "-1"`), and the connection is closed.
- The body is at most 3 MiB (body.MAX_BODY_BYTES). A larger declared length is refused
  before reading (401/403 first for a stranger, then 413), and a chunked body is read only
  up to the limit; memory is bounded either way.
- `Transfer-Encoding: chunked` bodies are read, as net/http reads them (kubectl never sends
  one, but any HTTP client may); another transfer coding is net/http's 501.
- After a refusal with the body still unread, the answer goes first and then the rest of the
  body is read and dropped for at most DRAIN_SECONDS (so the client, still sending, sees the
  answer rather than a reset), never kept, then the connection closes — Go's
  closeWriteAndWait does the same.
- Slow clients: a connection waits at most IDLE_TIMEOUT (90 s) for a request to start,
  READ_HEADER_TIMEOUT (32 s) for its headers to end — upstream's IdleTimeout and
  ReadHeaderTimeout — and BODY_TIMEOUT (60 s, the request timeout) for its body; then it is
  closed without an answer, as net/http closes it. One watchdog thread keeps the deadlines
  (`Deadlines`), so a slowloris client holds one idle thread, not one forever.

Simplification: the standard library's limits on a header line (64 KiB, the request line
included) and on the number of headers (100) stay as they are, smaller than Go's 1 MiB for
all headers together; past them the answer is a Status 414 or 431.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler

from ...api import errors
from . import body as bodies

IDLE_TIMEOUT, READ_HEADER_TIMEOUT, BODY_TIMEOUT = 90.0, 32.0, 60.0
DRAIN_SECONDS, DRAIN_BYTES = 2.0, 64 * 1024 * 1024
_CHUNK_LINE = 4096


class Body:
    """The framing of one request's body, read at most once."""

    def __init__(self, headers, rfile):
        self.rfile = rfile
        self.read_done = False
        lengths = headers.get_all("Content-Length") or []
        encodings = [part.strip().lower() for value in headers.get_all("Transfer-Encoding") or []
                     for part in value.split(",") if part.strip()]
        self.chunked = encodings == ["chunked"]
        self.length: int | None = None
        if encodings and not self.chunked:
            raise errors.ApiError(errors.status(501, "NotImplemented",
                                                f'unsupported transfer encoding: "{",".join(encodings)}"'))
        if self.chunked:
            return   # a chunked body's own framing wins over any Content-Length (RFC 9112 6.3)
        values = {value.strip() for value in lengths}
        if len(values) > 1:
            raise errors.bad_request(f"http: message cannot contain multiple Content-Length headers; "
                                     f"got {sorted(values)}")
        if values:
            text = values.pop()
            if not text.isdigit() or not text.isascii() or len(text) > 19:
                raise errors.bad_request(f'bad Content-Length "{text}"')
            self.length = int(text)

    @property
    def present(self) -> bool:
        return self.chunked or bool(self.length)

    @property
    def pending(self) -> bool:
        """Is there body left in the connection that nobody has read?"""
        return self.present and not self.read_done

    @property
    def too_large(self) -> bool:
        """Declared larger than the limit (known before reading only for Content-Length)."""
        return self.length is not None and self.length > bodies.MAX_BODY_BYTES

    def read(self) -> bytes:
        """The whole body (at most MAX_BODY_BYTES), or 413 with the rest left unread."""
        if not self.present:
            self.read_done = True
            return b""
        if self.too_large:
            raise bodies.too_large()
        data = self._read_chunked() if self.chunked else self.rfile.read(self.length)
        if not self.chunked and len(data) < self.length:
            raise ConnectionResetError("the client closed the connection in the middle of its body")
        self.read_done = True
        return data

    def _read_chunked(self) -> bytes:
        parts, total = [], 0
        while True:
            line = self.rfile.readline(_CHUNK_LINE + 1)
            if not line.endswith(b"\n"):
                raise errors.bad_request("http: malformed chunked encoding")
            size_text = line.split(b";", 1)[0].strip()
            if not size_text or len(size_text) > 16 or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
                raise errors.bad_request("http: malformed chunked encoding")
            size = int(size_text, 16)
            if size == 0:
                break
            if total + size > bodies.MAX_BODY_BYTES:
                raise bodies.too_large()
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.read(2) != b"\r\n":
                raise errors.bad_request("http: malformed chunked encoding")
            parts.append(chunk)
            total += size
        for _ in range(100):   # trailer fields, up to the empty line
            line = self.rfile.readline(_CHUNK_LINE + 1)
            if line in (b"\r\n", b"\n", b""):
                break
        return b"".join(parts)


def drain(connection: socket.socket, rfile) -> None:
    """Read and drop what the client still sends, for a bounded time and amount; never kept."""
    deadline = time.monotonic() + DRAIN_SECONDS
    dropped = 0
    try:
        connection.shutdown(socket.SHUT_WR)   # the answer is out; tell the client we are done
        while dropped < DRAIN_BYTES and (remaining := deadline - time.monotonic()) > 0:
            connection.settimeout(remaining)
            chunk = rfile.read1(1 << 16)
            if not chunk:
                break
            dropped += len(chunk)
    except OSError:
        pass


class Deadlines:
    """One watchdog thread: a connection still reading when its deadline passes is shut."""

    def __init__(self, stopping: threading.Event, tick: float = 0.25):
        self.stopping, self.tick = stopping, tick
        self._lock = threading.Lock()
        self._armed: dict[int, tuple[float, object]] = {}   # id(handler) -> (deadline, handler)
        self._thread: threading.Thread | None = None

    def arm(self, handler, seconds: float) -> None:
        with self._lock:
            self._armed[id(handler)] = (time.monotonic() + seconds, handler)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="kubelab-apiserver-deadlines",
                                                daemon=True)
                self._thread.start()

    def disarm(self, handler) -> None:
        with self._lock:
            self._armed.pop(id(handler), None)

    def _watch(self) -> None:
        while not self.stopping.wait(self.tick):
            now = time.monotonic()
            with self._lock:
                expired = [handler for deadline, handler in self._armed.values() if deadline <= now]
                for handler in expired:
                    del self._armed[id(handler)]
            for handler in expired:
                handler.read_timed_out()


class GuardedHandler(BaseHTTPRequestHandler):
    """The standard library's request handler, made to answer as kube-apiserver does.

    - every method reaches `_serve` (the subclass refuses what it does not serve with a 405
      Status), where the standard library would answer an HTML 501;
    - the standard library's own refusals (a request line over 64 KiB: 414; a header line
      too long or too many headers: 431; a malformed request line: 400) are `Status`
      objects, not HTML pages;
    - the request waits for its first byte at most `front.idle_timeout`, for its headers at
      most `front.read_header_timeout` (the subclass re-arms for the body)."""

    front = property(lambda self: self.server.front)
    _timed_out = False

    def __getattr__(self, name: str):
        if name.startswith("do_"):   # OPTIONS, HEAD, TRACE, anything: one way in
            return self._serve
        raise AttributeError(name)

    def handle_one_request(self) -> None:
        deadlines = self.front.deadlines
        deadlines.arm(self, self.front.idle_timeout)
        try:
            if not self.rfile.peek(1):   # the client closed, or idled past the deadline
                self.close_connection = True
                return
            deadlines.arm(self, self.front.read_header_timeout)
            super().handle_one_request()
        except OSError:
            self.close_connection = True
        finally:
            deadlines.disarm(self)
        if self._timed_out:
            self.close_connection = True

    def read_timed_out(self) -> None:
        """The watchdog's call: too slow; close without an answer, as net/http does."""
        self._timed_out = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if self._timed_out:
            self.close_connection = True
            return
        reasons = {400: "BadRequest", 405: "MethodNotAllowed", 413: "RequestEntityTooLarge"}
        text = {414: "Request-URI Too Long: the request line is longer than 65536 bytes",
                431: f"Request Header Fields Too Large: {message}"}.get(code, message or "Bad Request")
        status = errors.status(code, reasons.get(code, "BadRequest" if code < 500 else ""), text)
        payload = json.dumps(status, separators=(",", ":")).encode()
        self.close_connection = True
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass
