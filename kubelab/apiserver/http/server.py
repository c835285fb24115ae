"""The API server over HTTP: Kubernetes' REST API on 127.0.0.1, in front of `APIServer.handle`.

    kubectl ──HTTP──▶ HTTPAPIServer ──Request──▶ APIServer.handle ──▶ store
                      (this file: paths,           (the request path:
                       bodies, status codes,        admission, validation,
                       Tables, watch streams)       compare-and-swap)

This file is plumbing and holds no Kubernetes logic: it reads a REST call into the same
`Request` kubelab's in-process transport builds (routes.py), hands it to the API server
under one lock, and writes the answer back — the object as JSON, a meta.k8s.io Table when
kubectl asks for one, or the `Status` of an `ApiError` with its HTTP code (404 NotFound,
409 AlreadyExists/Conflict, 422 Invalid, ...). Discovery, OpenAPI, health and metrics are
answered beside it, each from its own file.

Why the standard library's ThreadingHTTPServer and not tornado (which Jupyter brings): one
thread per connection lets a watch be a plain loop that writes lines (watch_stream.py), and
a reader follows a request from the socket to the store without an event loop in between;
kubelab's load (tens of clients, hundreds of watches) is well within what threads carry.
Real kube-apiserver also speaks HTTPS, HTTP/2 and protobuf; kubelab serves plain HTTP/1.1
and JSON on 127.0.0.1 only, because kubectl and the Python client accept `http://` servers
and a learner can read the traffic.
"""
from __future__ import annotations

import collections
import dataclasses
import json
import select
import socket
import sys
import threading
import time
import traceback
from http.server import ThreadingHTTPServer

from ...api import errors
from ...api.errors import ApiError
from ...api.printers.table import table, wants_table
from . import body as bodies
from . import discovery, field_validation, framing, health, openapi, openapi_protobuf
from .metrics import Metrics
from .routes import Route, patch_type, resolve, split
from .watch_stream import WatchStream

JSON = "application/json"
SERVED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class HTTPAPIServer:
    """Serves one APIServer on 127.0.0.1:`port` (0 picks a free port); `lock` guards it."""

    def __init__(self, apiserver, lock: threading.RLock, port: int = 0, host: str = "127.0.0.1"):
        self.apiserver, self.lock = apiserver, lock
        self.metrics = Metrics()
        # The last requests, oldest first: what a client really sent (lesson 03 shows the
        # requests behind each kubectl command). Entries: (method, target, code, user agent).
        self.access_log: collections.deque[tuple[str, str, int, str]] = collections.deque(maxlen=1000)
        self.stopping = threading.Event()
        # Slow clients (framing.py): upstream's IdleTimeout, ReadHeaderTimeout, request timeout.
        self.idle_timeout, self.read_header_timeout = framing.IDLE_TIMEOUT, framing.READ_HEADER_TIMEOUT
        self.body_timeout = framing.BODY_TIMEOUT
        self.deadlines = framing.Deadlines(self.stopping)
        self.httpd = _Server((host, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.front = self
        self.host, self.port = self.httpd.server_address[:2]
        self.health = health.checks(apiserver.store, self.stopping.is_set)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "HTTPAPIServer":
        """Serve from a background thread."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="kubelab-apiserver-http",
                                        daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        """Stop accepting, end every open watch, close the socket."""
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog is 5: a burst of clients (an informer per component,
    # a load test's writers) would find connections refused. 128 is Linux's usual somaxconn.
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], OSError):   # a client that went away is not news
            super().handle_error(request, client_address)


class _Handler(framing.GuardedHandler):
    protocol_version = "HTTP/1.1"      # keep-alive, and chunked bodies for watches
    server_version = "kubelab-apiserver"
    # TCP_NODELAY: an answer leaves as headers, then body; with Nagle's algorithm on, the body
    # waits for the client's delayed ACK (40 ms on Linux). Measured: 42 ms -> 0.8 ms a request.
    disable_nagle_algorithm = True

    def log_message(self, format, *args) -> None:   # noqa: A002 - the stdlib's signature
        pass   # the metrics and the API server's trace say what happened; stderr stays quiet

    # -- one request ---------------------------------------------------------------------
    def _serve(self) -> None:
        started = time.monotonic()
        labels = self.front.metrics.labels(self.command.lower())
        code, long_running = 500, False
        self._raw_body, self._body = b"", None
        try:
            # The body's framing is checked before anything else (framing.py); the body itself is
            # read once the request is known, and a refusal that leaves it unread closes the
            # connection, so it is never read as the next request.
            self._body = framing.Body(self.headers, self.rfile)
            if self.command not in SERVED_METHODS:
                self._unsupported_method()
            if self._body.present:
                self.front.deadlines.arm(self, self.front.body_timeout)
            else:
                self.front.deadlines.disarm(self)
            segments, params = split(self.path)
            if segments[:1] in (["api"], ["apis"], ["openapi"]):
                with self.front.lock:
                    self.front.apiserver.custom.sync()   # the kinds CRDs serve, as the store has them now
            if segments[:1] in (["api"], ["apis"]) and self._is_resource_path(segments):
                route = resolve(self.command, segments, params)
                request = route.request
                labels = self.front.metrics.labels(request.verb, route.resource.group, route.resource.version,
                                                   route.resource.plural, request.subresource,
                                                   _scope(route))
                long_running = request.verb == "watch"
                code = self._resource(route)
            else:
                code = self._non_resource(segments, params)
        except ApiError as error:
            code = self._send_status(error.status)
        except (BrokenPipeError, ConnectionResetError):
            code = 499   # the client went away (nginx's word for it; never sent)
            self.close_connection = True
        except Exception as error:   # a bug in kubelab: a Status, not a dropped connection
            traceback.print_exc(file=sys.stderr)
            code = self._send_status(errors.status(500, "InternalError",
                                                   f"Internal error occurred: {error}"))
        self.front.metrics.observe(labels, code, None if long_running else time.monotonic() - started)
        if self._unread_body():
            framing.drain(self.connection, self.rfile)

    def _unread_body(self) -> bool:
        """Is a body (or framing we could not read) left in the connection? Then it closes after the answer."""
        return not self._timed_out and (self._body is None or self._body.pending)

    @staticmethod
    def _is_resource_path(segments: list[str]) -> bool:
        # /api/v1 and /apis/<group>/<version> are discovery; anything longer names a resource.
        return len(segments) > (2 if segments[0] == "api" else 3)

    def _resource(self, route: Route) -> int:
        request = route.request
        # Who asks: the token goes to authentication (which sets `user`); until it does, the
        # user is what the client calls itself ("kubectl/v1.32.4 (linux/amd64) ..." -> kubectl).
        request.user_agent = self.headers.get("User-Agent") or ""
        request.user = request.user_agent.split(" ")[0].split("/")[0] or "anonymous"
        scheme, _, token = (self.headers.get("Authorization") or "").strip().partition(" ")
        request.credentials = token.strip() if scheme.lower() == "bearer" else ""
        self._impersonation(request)
        self._raw_body = self._read_body(request)
        try:
            warnings = self._decode(route)
        except ApiError as error:
            self._unless_unauthorized(request)   # 401/403 come before 400, as upstream's filters run first
            raise error
        as_table = wants_table(self.headers.get("Accept", "")) and request.verb in ("get", "list", "watch")
        if request.verb == "watch":
            return self._watch(route, as_table)
        with self.front.lock:
            result = self.front.apiserver.handle(request)
            now = self.front.apiserver.clock.now()
        if isinstance(result, str):   # pods/log: the one answer that is text, not an object
            return self._send_text(200, result)
        if result.get("kind") == "Upgrade":   # pods/exec: the connection goes through to the kubelet
            from .upgrade import pass_through
            return pass_through(self, result)
        if as_table:
            result = table(route.resource, result, now, request.params.get("includeObject", "PartialObjectMetadata"),
                           printer=self.front.apiserver.strategy(route.resource))   # the kind's columns
            return self._send_json(200, result, f"{JSON};as=Table;v=v1;g=meta.k8s.io")
        return self._send_json(201 if request.verb == "create" else 200, result, warnings=warnings)

    def _decode(self, route: Route) -> list[str]:
        """The body, the patch type and DeleteOptions onto the Request; field-validation warnings."""
        request = route.request
        if self._raw_body:
            request.body = bodies.decode(self._raw_body, self.headers.get("Content-Type", JSON))
        if self.command == "PATCH":
            request.params["patchType"] = patch_type(self.headers.get("Content-Type", ""))
        if self.command == "DELETE" and isinstance(request.body, dict):
            _delete_options(request)
        if request.verb in ("create", "update", "patch") and request.subresource in ("", "status"):
            return field_validation.check(route.resource, request.body, request.params.get("fieldValidation"))
        return []

    def _unless_unauthorized(self, request) -> None:
        """Raise the 401/403 this request would get, if any (checked on a copy: nothing recorded)."""
        chain = getattr(self.front.apiserver, "chain", None)
        if chain is None or not getattr(chain, "secured", False):
            return
        probe = dataclasses.replace(request, body=None, params=dict(request.params), user_info=None)
        with self.front.lock:
            chain.authorize(probe, chain.authenticate(probe))

    def _impersonation(self, request) -> None:
        """`kubectl --as=USER --as-group=G` sends Impersonate-User / Impersonate-Group headers.

        They travel on the Request (`impersonate_user`, `impersonate_groups`) for the handler
        chain; a chain that cannot impersonate refuses rather than answer as the caller,
        which would make `kubectl auth can-i --as=...` say "yes" for the wrong user."""
        user = self.headers.get("Impersonate-User") or ""
        groups = self.headers.get_all("Impersonate-Group") or []
        if not user and not groups:
            return
        request.impersonate_user, request.impersonate_groups = user, groups
        if not getattr(getattr(self.front.apiserver, "chain", None), "impersonates", False):
            raise errors.ApiError(errors.status(
                403, "Forbidden", f'users "{user or groups[0]}" is forbidden: impersonation is not '
                                  f'available on this API server'))

    def _read_body(self, request) -> bytes:
        """The body, once the request is known: over 3 MiB, a stranger's 401/403 comes first, then 413."""
        try:
            raw = self._body.read()
        except ApiError as error:
            if error.code == 413:
                self._unless_unauthorized(request)
            raise
        finally:
            if not self._timed_out:
                self.front.deadlines.disarm(self)
        if self._timed_out:
            raise ConnectionResetError("the client was too slow sending its body")
        return raw

    def _unsupported_method(self) -> None:
        """OPTIONS, HEAD, TRACE, ...: 401 for a stranger (authentication runs first), else 405."""
        chain = getattr(self.front.apiserver, "chain", None)
        if chain is not None and getattr(chain, "secured", False):
            scheme, _, token = (self.headers.get("Authorization") or "").strip().partition(" ")
            with self.front.lock:
                chain.authenticator.authenticate(token.strip() if scheme.lower() == "bearer" else "")
        raise errors.method_not_allowed("the server does not allow this method on the requested resource")

    def _watch(self, route: Route, as_table: bool) -> int:
        stream = WatchStream(self.front.apiserver, self.front.lock, route, as_table, self.front.stopping)
        stream.hang_up = self._hang_up
        stream.start()
        self._log(200)
        self.send_response(200)
        self.send_header("Content-Type", JSON)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for line in stream.lines(self._client_gone):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:   # the client went, or the stream was ended under a blocked write
            self.close_connection = True
        finally:
            stream.stop()
        if stream.too_slow:
            self.close_connection = True
        return 200

    def _hang_up(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _client_gone(self) -> bool:
        """Has the client closed its end? (readable with nothing to read means end of stream)"""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    # -- everything that is not a resource -------------------------------------------------
    def _non_resource(self, segments: list[str], params: dict) -> int:
        if self.command != "GET":
            raise errors.method_not_allowed("the server does not allow this method on the requested resource")
        path = "/" + "/".join(segments)
        self._authorize_path(path)
        first = segments[0] if segments else ""
        if path == "/version":
            return self._send_json(200, discovery.version())
        if first in ("healthz", "livez", "readyz"):
            only = "/".join(segments[1:])
            code, text = health.answer(first, self.front.health[first], only, "verbose" in params)
            return self._send_text(code, text)
        if path == "/metrics":
            return self._send_text(200, self.front.metrics.text(), "text/plain; version=0.0.4; charset=utf-8")
        if segments == ["openapi", "v2"] and openapi_protobuf.wanted(self.headers.get("Accept", "")):
            return self._send(200, openapi_protobuf.document(), openapi_protobuf.CONTENT_TYPE)
        if first == "openapi":
            document = openapi.document(segments[1:])
            if document is None:
                return self._send_text(404, "404 page not found\n")
            return self._send_json(200, document)
        if first in ("api", "apis"):
            return self._discovery(segments)
        return self._send_text(404, "404 page not found\n")

    def _authorize_path(self, path: str) -> None:
        """Non-resource URLs are authorized too (RBAC's nonResourceURLs: system:discovery,
        system:public-info-viewer); 401/403 as for any resource."""
        chain = getattr(self.front.apiserver, "chain", None)
        if chain is None:
            return
        scheme, _, token = (self.headers.get("Authorization") or "").strip().partition(" ")
        with self.front.lock:
            chain.authorize_path(token.strip() if scheme.lower() == "bearer" else "", "get", path)

    def _discovery(self, segments: list[str]) -> int:
        document, content_type = discovery.answer(segments, self.headers.get("Accept", ""),
                                                  f"{self.front.host}:{self.front.port}")
        return self._send_json(200, document, content_type)

    # -- writing answers ------------------------------------------------------------------
    def _send_status(self, status: dict) -> int:
        return self._send_json(status.get("code", 500), status)

    def _send_json(self, code: int, document, content_type: str = JSON, warnings: list[str] = ()) -> int:
        return self._send(code, json.dumps(document, separators=(",", ":")).encode(), content_type, warnings)

    def _send_text(self, code: int, text: str, content_type: str = "text/plain; charset=utf-8") -> int:
        return self._send(code, text.encode(), content_type)

    def _log(self, code: int) -> None:
        # Before the answer leaves: a client that reads it may look at the log at once.
        self.front.access_log.append((self.command, self.path, code, self.headers.get("User-Agent", "")))

    def _send(self, code: int, payload: bytes, content_type: str, warnings: list[str] = ()) -> int:
        self._log(code)
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        for warning in warnings:   # RFC 7234 warn-code 299, as kube-apiserver sends them
            self.send_header("Warning", '299 - "%s"' % warning.replace('"', '\\"'))
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-cache, private")
        if self._unread_body():
            self.close_connection = True
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        return code


def _scope(route: Route) -> str:
    request = route.request
    if not route.resource.namespaced:
        return "cluster" if request.name or request.verb in ("list", "watch") else "resource"
    if request.name:
        return "resource"
    return "namespace" if request.namespace else "cluster"


def _delete_options(request) -> None:
    """DeleteOptions in a DELETE's body become the same params the query string would give."""
    options = request.body
    request.body = None
    for field in ("gracePeriodSeconds", "propagationPolicy", "preconditions"):
        if options.get(field) is not None:
            request.params[field] = options[field]
    if options.get("dryRun"):
        request.params["dryRun"] = ",".join(options["dryRun"]) if isinstance(options["dryRun"], list) \
            else options["dryRun"]
    if options.get("orphanDependents") is not None and "propagationPolicy" not in request.params:
        request.params["propagationPolicy"] = "Orphan" if options["orphanDependents"] else "Background"
