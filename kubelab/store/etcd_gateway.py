"""The wire under `EtcdStore`: etcd's JSON gRPC gateway, spoken with the standard library.

What it models. etcd speaks gRPC; for clients without gRPC it also serves every v3 call
as `POST /v3/<service>/<method>` with the request message as JSON (etcd 3.4: `/v3/kv/range`,
`/v3/kv/put`, `/v3/watch`, `/v3/lease/grant`, ...). The JSON is protobuf's JSON mapping:
  - bytes fields (keys, values) are base64: "foo" travels as "Zm9v";
  - int64 fields (revisions, lease IDs, counts) are strings: "revision": "42";
  - fields at their zero value are left out: no "count" means 0, no "kvs" means none;
  - an error is {"error": ..., "message": "etcdserver: ...", "code": <gRPC code>} with an
    HTTP status (400, 404, 429, ...) that follows the gRPC code.
A streaming call (watch, snapshot) answers with one JSON object per line, each wrapped as
{"result": <message>}, for as long as the stream lives.

Invariant: nothing above this file sees base64, int64-as-string or HTTP. Callers get
`KeyValue`s and ints, and etcd's errors as the interface's error classes (see
interface.ETCD_MESSAGES), worded exactly as etcd words them.

Left out: TLS, authentication tokens and several endpoints (kubelab's etcd is one member on
127.0.0.1). The 3.4 gateway reads a request's whole body before answering, so a stream
cannot take more requests once open (no full duplex): every watch has its own stream.
"""
from __future__ import annotations

import base64
import binascii
import http.client
import json
import select
import threading
import urllib.parse

from .interface import ETCD_MESSAGES, CompactedError, KeyValue, RequestTooLarge, StoreError

COMPACTED_MESSAGE = "etcdserver: mvcc: required revision has been compacted"
GRPC_TOO_LARGE = "grpc: received message larger than max"


class Unreachable(StoreError):
    """The etcd endpoint did not answer (not running, wrong address, or gone)."""


# -- the JSON mapping ----------------------------------------------------------------------
def encode(text: str) -> str:
    """A key or value as the gateway wants it: UTF-8 bytes, base64."""
    return base64.b64encode(text.encode("utf-8", "surrogateescape")).decode("ascii")


def decode(field: str | None) -> str:
    """The inverse of encode; a missing field is the empty string (protobuf's zero value)."""
    # binascii, not base64.b64decode: the same decoding without a wrapper (ranges decode
    # two fields per key, thousands of keys at a time).
    return binascii.a2b_base64(field).decode("utf-8", "surrogateescape") if field else ""


def key_value(message: dict) -> KeyValue:
    """mvccpb.KeyValue from its JSON form (missing fields are zero, int64s are strings)."""
    return KeyValue(key=decode(message.get("key")), value=decode(message.get("value")),
                    create_revision=int(message.get("create_revision", 0)),
                    mod_revision=int(message.get("mod_revision", 0)),
                    version=int(message.get("version", 0)),
                    lease=int(message.get("lease", 0)))


def header_revision(message: dict) -> int:
    return int(message.get("header", {}).get("revision", 0))


def error_from(reply: dict, status: int) -> StoreError:
    """etcd's error message -> the interface's error class, keeping etcd's words.

    A compaction error comes back as CompactedError(0, 0): etcd does not say which revision
    it compacted to, so the caller fills both revisions in (see EtcdStore._compacted).
    """
    message = reply.get("message") or reply.get("error") or f"HTTP {status} from etcd"
    if message == COMPACTED_MESSAGE:
        return CompactedError(0, 0)
    if message.startswith(GRPC_TOO_LARGE):
        # Over --max-request-bytes plus gRPC's 512 KiB allowance, gRPC itself refuses the
        # message before etcd sees it: still "too large", in gRPC's words.
        error = RequestTooLarge()
        error.args = (message,)
        return error
    error_class = ETCD_MESSAGES.get(message)
    return error_class() if error_class else StoreError(message)


# -- HTTP ----------------------------------------------------------------------------------
SAFE_TO_RETRY = frozenset({"/v3/kv/range", "/v3/maintenance/status", "/v3/lease/timetolive",
                           "/v3/lease/leases"})   # calls that change nothing


def closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """Has the server closed this idle kept-alive connection? An idle connection the server
    has nothing to say on is never readable; readable means its end (or TLS's close_notify)."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)
    except (OSError, ValueError):
        return True


class Gateway:
    """POSTs JSON to one etcd endpoint; one kept-alive connection per calling thread."""

    def __init__(self, endpoint: str, timeout: float = 30.0) -> None:
        parts = urllib.parse.urlsplit(endpoint)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"endpoint must look like http://127.0.0.1:2379, not {endpoint!r}")
        self.endpoint = endpoint
        self.host, self.port = parts.hostname, parts.port or 2379
        self.timeout = timeout
        self._local = threading.local()   # .connection: this thread's HTTPConnection

    def call(self, path: str, request: dict) -> dict:
        """One unary call: the reply message, or the mapped etcd error raised.

        A write is sent once. If the connection breaks after it was sent, nobody knows whether
        etcd applied it (it may have died just after its fsync), so it is not sent again: the
        caller gets Unreachable, an unknown outcome. Sending it again could apply it twice — a
        put landing after a later write, a txn answering "failed" for its own success (the
        linearizability test caught that). Reads, which change nothing, are retried once.
        """
        body = json.dumps(request).encode()
        connection = getattr(self._local, "connection", None)
        if connection is not None and closed_by_peer(connection):
            self._drop()   # the server closed it while idle (it restarted): nothing was sent yet
            connection = None
        reused = connection is not None
        if connection is None:
            connection = self._local.connection = self._connect(self.timeout)
        try:
            connection.request("POST", path, body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
            self._drop()
            if reused and path in SAFE_TO_RETRY:
                return self.call(path, request)
            raise Unreachable(f"etcd at {self.endpoint} closed the connection: {error}") from None
        except OSError as error:
            self._drop()
            raise Unreachable(f"etcd at {self.endpoint} is unreachable: {error}") from None
        try:
            reply = json.loads(payload) if payload else {}
        except ValueError:
            reply = {"message": payload.decode(errors="replace").strip()}
        if response.status != 200:
            raise error_from(reply, response.status)
        return reply

    def open_stream(self, path: str, request: dict) -> "Stream":
        """A streaming call on a connection of its own: read it line by line, close to end it."""
        connection = self._connect(timeout=None)
        try:
            connection.request("POST", path, json.dumps(request).encode(),
                               {"Content-Type": "application/json"})
            response = connection.getresponse()
        except OSError as error:
            connection.close()
            raise Unreachable(f"etcd at {self.endpoint} is unreachable: {error}") from None
        if response.status != 200:
            payload = response.read()
            connection.close()
            raise error_from(json.loads(payload or b"{}"), response.status)
        return Stream(connection, response)

    def _connect(self, timeout: float | None) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def _drop(self) -> None:
        connection, self._local.connection = getattr(self._local, "connection", None), None
        if connection is not None:
            connection.close()

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        self._drop()


class Stream:
    """One server stream: `next_message()` -> the next message, or None once it has ended."""

    def __init__(self, connection: http.client.HTTPConnection,
                 response: http.client.HTTPResponse) -> None:
        self._connection, self._response = connection, response

    def next_message(self) -> dict | None:
        try:
            line = self._response.readline()
        except (OSError, ValueError, http.client.HTTPException):
            return None   # closed under us (cancel) or the server went away
        if not line:
            return None
        reply = json.loads(line)
        if "error" in reply:
            raise error_from(reply["error"], 200)
        return reply.get("result", {})

    def close(self) -> None:
        """End the stream now, even while another thread is blocked reading it."""
        sock = self._connection.sock
        if sock is not None:
            try:
                sock.shutdown(2)   # socket.SHUT_RDWR: wakes the blocked reader with EOF
            except OSError:
                pass
        self._connection.close()
