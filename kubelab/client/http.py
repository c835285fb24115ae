"""The HTTP transport: the same requests as the in-process one, as Kubernetes REST calls.

A component holds a `Client`; under it sits either `InProcessTransport` (one Python process,
virtual time) or this one (its own OS process, `kubelab up`). Both take a `Request` and give
back a dict or raise `ApiError`, so no component can tell them apart. Here a Request becomes
the URL real Kubernetes serves:

    get     pods  ns=default name=web     GET    /api/v1/namespaces/default/pods/web
    list    deployments (all namespaces)  GET    /apis/apps/v1/deployments
    create  pods/binding  name=web        POST   /api/v1/namespaces/default/pods/web/binding
    update  nodes/status  name=node-1     PUT    /api/v1/nodes/node-1/status
    patch   ...                           PATCH  (Content-Type: application/merge-patch+json)
    delete  ...                           DELETE (?propagationPolicy=...&gracePeriodSeconds=...)
    watch   pods                          GET    /api/v1/pods?watch=true&resourceVersion=42

A refusal comes back as a `Status` body with a non-2xx code; it is raised as the same
`ApiError` the API server raised on its side. A watch is a long response in chunks, one JSON
event per line (`{"type": "ADDED", "object": {...}}`); a reader thread reads it and posts
each event into the component's clock with `call_soon_threadsafe`, so the component's code
still runs on its one thread, in order. When the stream ends (the server closed it, the
connection broke) the watcher gets one last "ERROR" event, and the Informer lists again.

Real client-go also negotiates protobuf, retries with backoff honouring Retry-After, rate
limits itself (QPS 5, burst 10 by default) and re-watches from the last resourceVersion
without a new list; kubelab skips those to keep the wire readable: JSON only, and a
connection that fails is an `ApiError` 503 the component's usual retry path handles.
"""
from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import threading
import urllib.parse
import weakref

from ..api.errors import ApiError, status
from ..api.request import Request
from ..api.resources import RESOURCES, REVIEW_GROUP, REVIEW_KINDS, Resource
from ..store.etcd_gateway import closed_by_peer  # the same kept-alive HTTP/1.1 question

METHODS = {"get": "GET", "list": "GET", "watch": "GET", "create": "POST", "update": "PUT",
           "patch": "PATCH", "delete": "DELETE", "deletecollection": "DELETE"}
MERGE_PATCH = "application/merge-patch+json"
HEADER_PARAMS = ("patchType",)   # travels as the PATCH's Content-Type, not in the query string

# What client-go says when a refusal carries no Status body (apimachinery's
# NewGenericServerResponse): the code alone picks the reason and the words.
GENERIC = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "the server has asked for the client to provide credentials"),
    403: ("Forbidden", "the server does not allow access to the requested resource"),
    404: ("NotFound", "the server could not find the requested resource"),
    405: ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
    409: ("Conflict", "the server reported a conflict"),
    410: ("Gone", "the server reported the resource is gone"),
    422: ("Invalid", "the server rejected our request due to an error in our request"),
    429: ("TooManyRequests", "the server has received too many requests and has asked us to try again later"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: ("Timeout", "the server was unable to return a response in the time allotted, "
                    "but may still be processing the request"),
}


def path_of(request: Request, discovered: dict | None = None) -> str:
    """The REST path of a request: /api/v1/... for the core group, /apis/GROUP/VERSION/... else.
    `discovered` adds the kinds learned from the server's discovery (those CRDs serve)."""
    if request.resource in REVIEW_KINDS:   # create-only, cluster-scoped: kubectl auth can-i
        return f"/apis/{REVIEW_GROUP}/v1/{request.resource}"
    resource = RESOURCES.get(request.resource) or (discovered or {}).get(request.resource)
    if resource is None:
        raise ApiError(status(404, "NotFound", "the server could not find the requested resource"))
    parts = ["api", "v1"] if not resource.group else ["apis", resource.group, resource.version]
    if resource.namespaced and request.namespace:
        parts += ["namespaces", request.namespace]
    parts.append(resource.plural)
    # A create names its object in the body, except on a subresource (pods/NAME/binding).
    if request.name and (request.verb != "create" or request.subresource):
        parts.append(request.name)
        if request.subresource:
            parts.append(request.subresource)
    return "/" + "/".join(urllib.parse.quote(part, safe="") for part in parts)


def url_of(request: Request, discovered: dict | None = None) -> str:
    """Path and query string; a watch is a list with `watch=true`."""
    params = {name: _query_value(value) for name, value in request.params.items()
              if value is not None and name not in HEADER_PARAMS}
    if request.verb == "watch":
        params["watch"] = "true"
    query = urllib.parse.urlencode(params)
    return path_of(request, discovered) + (f"?{query}" if query else "")


def _query_value(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def error_of(code: int, payload: bytes) -> ApiError:
    """A refusal as ApiError: the server's Status when it sent one, else client-go's generic words."""
    try:
        body = json.loads(payload) if payload else None
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("kind") == "Status":
        body.setdefault("code", code)
        return ApiError(body)
    text = payload.decode("utf-8", "replace").strip() if payload else ""
    if code in GENERIC:
        reason, message = GENERIC[code]
    else:
        reason = "InternalError"
        message = f'an error on the server ("{text or "unknown"}") has prevented the request from succeeding'
    return ApiError(status(code, reason, message))


def warning_texts(headers: list[str]) -> list[str]:
    """`299 - "unknown field \\"x\\""` headers (RFC 7234, as the API server sends them) -> their texts."""
    texts = []
    for header in headers:
        match = re.match(r'\s*\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"', header)
        if match:
            texts.append(re.sub(r'\\(.)', r'\1', match.group(1)))
    return texts


class HTTPTransport:
    """Sends kubelab's Requests to an API server over HTTP, as a bearer-token user."""

    def __init__(self, server_url: str, token: str = "", clock=None, timeout: float = 30.0,
                 user_agent: str = "kubelab", certificate_authority: str = "", insecure: bool = False):
        """`clock`: where watch events are posted (a RealClock); None delivers on the reader thread.

        For https, `certificate_authority` (PEM) is the CA the server's certificate must chain
        to (the system's CAs when empty); `insecure` skips the check, as kubeconfig's
        insecure-skip-tls-verify does.
        """
        parts = urllib.parse.urlsplit(server_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"server must look like https://127.0.0.1:6443, not {server_url!r}")
        self.server_url = server_url.rstrip("/")
        self.host, self.port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        self.tls = None
        if parts.scheme == "https":
            self.tls = ssl.create_default_context(cadata=certificate_authority or None)
            if insecure:
                self.tls.check_hostname, self.tls.verify_mode = False, ssl.CERT_NONE
        self.token, self.clock, self.timeout = token, clock, timeout
        self.user_agent = user_agent
        self._local = threading.local()   # .connection: this thread's kept-alive connection

    @classmethod
    def from_kubeconfig(cls, path: str | None = None, clock=None, context: str | None = None):
        from .kubeconfig import load
        config = load(path, context)
        return cls(config.server, config.token, clock, certificate_authority=config.certificate_authority,
                   insecure=config.insecure_skip_tls_verify)

    # -- one request, one answer -------------------------------------------------------------
    def request(self, request: Request) -> dict:
        """Send one request; the response body, or ApiError with the server's Status."""
        method = METHODS.get(request.verb)
        if method is None:
            raise ApiError(status(405, "MethodNotAllowed",
                                  "the server does not allow this method on the requested resource"))
        url = url_of(request, self.discover(request.resource))
        body = json.dumps(request.body).encode() if request.body is not None else None
        code, payload = self._send(method, url, body, self._headers(request, body is not None))
        request.warnings = warning_texts(getattr(self._local, "warnings", []))
        if not 200 <= code < 300:
            raise error_of(code, payload)
        if request.subresource == "log":   # the one answer that is text/plain, not JSON
            return payload.decode("utf-8", "replace")
        return json.loads(payload) if payload else {}

    def discover(self, plural: str) -> dict | None:
        """The server's custom kinds, read from discovery (/apis, then each group/version) when a
        request names a resource kubelab's table does not have; as client-go's discovery does."""
        if plural in RESOURCES or plural in REVIEW_KINDS:
            return None
        found = getattr(self, "_discovered", {})
        if plural not in found:
            found = {}
            for group in self.get_path("/apis").get("groups") or []:
                version = (group.get("preferredVersion") or {}).get("version", "")
                if any(r.group == group["name"] for r in RESOURCES.values()) or not version:
                    continue
                listed = self.get_path(f"/apis/{group['name']}/{version}")
                for entry in listed.get("resources") or []:
                    if "/" not in entry["name"]:
                        found[entry["name"]] = Resource(entry["name"], entry["kind"], group["name"], version,
                                                        entry["namespaced"], "",
                                                        tuple(entry.get("shortNames") or ()))
            self._discovered = found
        return found

    def get_path(self, path: str) -> dict:
        """GET any path (/version, /readyz, /apis) as this user; JSON answers are decoded."""
        code, payload = self._send("GET", path, None, self._headers(None, False))
        if not 200 <= code < 300:
            raise error_of(code, payload)
        try:
            return json.loads(payload)
        except ValueError:
            return {"text": payload.decode("utf-8", "replace")}

    def _headers(self, request: Request | None, has_body: bool) -> dict:
        """Accept JSON; who we are (the Client's token, else the transport's); what the body is."""
        user_agent = (getattr(request, "user_agent", "") or request.user) if request is not None else ""
        headers = {"Accept": "application/json", "User-Agent": user_agent or self.user_agent}
        token = (getattr(request, "credentials", "") if request is not None else "") or self.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if has_body:
            patch_type = request.params.get("patchType") or MERGE_PATCH
            headers["Content-Type"] = patch_type if request.verb == "patch" else "application/json"
        return headers

    def _send(self, method: str, url: str, body: bytes | None, headers: dict) -> tuple[int, bytes]:
        """One request on this thread's kept-alive connection.

        As Go's http.Transport: a connection the server closed while idle is noticed before
        sending (and replaced); a request whose connection breaks after it was sent is sent
        again only if it is a GET — a POST, PUT, PATCH or DELETE may have been applied, and
        sending it twice could apply it twice, so the caller gets a 503 and decides.
        """
        connection = getattr(self._local, "connection", None)
        if connection is not None and closed_by_peer(connection):
            self._drop()
            connection = None
        reused = connection is not None
        if connection is None:
            connection = self._local.connection = self._connect(self.timeout)
        try:
            connection.request(method, url, body, headers)
            response = connection.getresponse()
            self._local.warnings = response.headers.get_all("Warning") or []
            return response.status, response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
            self._drop()
            if reused and method == "GET":   # idempotent: safe to send again on a new connection
                return self._send(method, url, body, headers)
            raise self._unreachable(method, url, error) from None
        except (OSError, http.client.HTTPException) as error:
            self._drop()
            raise self._unreachable(method, url, error) from None

    def _unreachable(self, method: str, url: str, error: Exception) -> ApiError:
        # client-go would return a url.Error, not a Status; kubelab words it as Go does and
        # makes it a 503, so every component retries it the way it retries any refusal.
        reason = "connect: connection refused" if isinstance(error, ConnectionRefusedError) else str(error)
        return ApiError(status(503, "ServiceUnavailable",
                               f'{method.capitalize()} "{self.server_url}{url}": dial tcp '
                               f'{self.host}:{self.port}: {reason}'))

    def _connect(self, timeout: float | None) -> http.client.HTTPConnection:
        if self.tls is not None:
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=self.tls)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def _drop(self) -> None:
        connection, self._local.connection = getattr(self._local, "connection", None), None
        if connection is not None:
            connection.close()

    def close(self) -> None:
        self._drop()

    # -- watch: a stream of events -----------------------------------------------------------
    def watch(self, request: Request, on_event) -> "HTTPWatch":
        """Open a watch; `on_event(type, obj)` runs on the clock's loop, in order. Returns a handle."""
        url = url_of(Request("watch", request.resource, request.namespace, params=request.params,
                             user=request.user), self.discover(request.resource))
        connection = self._connect(self.timeout)
        try:
            connection.request("GET", url, None, self._headers(request, False))
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise self._unreachable("GET", url, error) from None
        if response.status != 200:
            payload = response.read()
            connection.close()
            raise error_of(response.status, payload)
        if connection.sock is not None:
            connection.sock.settimeout(None)   # a quiet watch is not a dead one
        return HTTPWatch(connection, response, on_event, self.clock)


# The process's open watches, and a delay for their events: what `kubelab fault drop-watch`
# and `delay-watch` act on (a component's process holds one component: processes/daemon.py).
OPEN_WATCHES: "weakref.WeakSet[HTTPWatch]" = weakref.WeakSet()
WATCH_DELAY = [0.0]   # seconds every watch event waits before delivery (0: none)


def drop_watches() -> int:
    """Break every open watch of this process, as a lost connection would; how many."""
    watches = list(OPEN_WATCHES)
    for watch in watches:
        watch.break_stream()
    return len(watches)


class HTTPWatch:
    """One open watch stream, read by its own thread; `stop()` ends it."""

    def __init__(self, connection, response, on_event, clock):
        self._connection, self._response = connection, response
        self.on_event, self.clock = on_event, clock
        self.stopped = False
        OPEN_WATCHES.add(self)
        self._thread = threading.Thread(target=self._read, name="watch-reader", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        ending = "the watch stream ended"
        try:
            while not self.stopped:
                line = self._response.readline()
                if not line:
                    break
                if line.strip():
                    event = json.loads(line)
                    self._post(event["type"], event["object"])
                    if event["type"] == "ERROR":
                        return
        except Exception as error:  # noqa: BLE001 - a broken stream, or stop() closing it under us
            if self.stopped:
                return
            ending = f"the watch stream broke: {error}"
        self._post("ERROR", status(503, "ServiceUnavailable", ending))

    def _post(self, event_type: str, obj: dict) -> None:
        if self.stopped:
            return
        if self.clock is None:
            self.on_event(event_type, obj)
        elif WATCH_DELAY[0] > 0:   # `kubelab fault delay-watch`: every event equally late, in order
            self.clock.call_later(WATCH_DELAY[0], self._deliver, event_type, obj)
        else:
            self.clock.call_soon_threadsafe(self._deliver, event_type, obj)

    def _deliver(self, event_type: str, obj: dict) -> None:
        if not self.stopped:   # events read before stop() but not yet run are dropped
            self.on_event(event_type, obj)

    def break_stream(self) -> None:
        """Cut the stream as a lost connection would: the reader posts ERROR, the informer relists."""
        self._hang_up()

    def stop(self) -> None:
        """End the stream now, even while the reader is blocked on it."""
        self.stopped = True
        self._hang_up()

    def _hang_up(self) -> None:
        sock = self._connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._connection.close()
