"""A watch over HTTP: one long response, one JSON event per line, until the timeout.

    GET /api/v1/namespaces/default/pods?watch=true&resourceVersion=42&timeoutSeconds=30

    {"type":"ADDED","object":{"kind":"Pod",...,"metadata":{"resourceVersion":"43",...}}}
    {"type":"MODIFIED","object":{...}}
    {"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"57"}}}

Two threads meet here. The API server's `Watch` delivers events on its clock's thread; the
HTTP connection's thread writes them. Between them sits a `queue.Queue`, the one thread-safe
hand-off: the clock thread only puts, the HTTP thread only gets and writes, so a slow client
never holds up the API server.

Bookmarks (`allowWatchBookmarks=true`) tell a client "you have seen everything up to this
resourceVersion", so it can resume from there without replaying. One is sent every minute
and one just before the stream ends at `timeoutSeconds`. A bookmark's resourceVersion is
read under the API server's lock and travels through the same clock queue as the events, so
it never overtakes an event that happened before it.

A watch from a resourceVersion the store has compacted away is answered as upstream does:
HTTP 200, then a single ERROR event carrying the 410 Gone Status, then the end.

The queue is bounded. A client too slow to read its events (or one that stopped reading
while its socket buffer filled) would otherwise make the API server hold every event for it,
without end. As upstream's watch cache does, such a watcher is ended: the API server logs
"Forcing <resource> watcher close due to unresponsiveness", stops its watch, and the
client sees its stream end — then, like any client whose watch ended, it lists again.
`QUEUE_LIMIT` events may wait beyond those of the watch's first state (the ADDED events of
a watch without a resourceVersion, which may be many and are not a sign of slowness).
"""
from __future__ import annotations

import json
import queue
import sys
import time

from ...api.errors import ApiError
from ...api.printers.table import table

BOOKMARK_EVERY = 60.0          # seconds between bookmarks, as upstream's watch cache roughly does
DEFAULT_TIMEOUT = 1800.0       # upstream picks 30-60 minutes when the client names no timeout
QUEUE_LIMIT = 1000             # events waiting for one slow watcher before it is ended
DROPS = [0]                    # `kubelab fault drop-watch apiserver-N` (SIGUSR1) adds one: every stream ends
_END = ("END", None)


class WatchStream:
    """One HTTP watch: start it, then iterate `lines()` until it ends."""

    def __init__(self, apiserver, lock, route, as_table: bool, stopping):
        self.apiserver, self.lock, self.route = apiserver, lock, route
        self.as_table, self.stopping = as_table, stopping
        self.events: queue.Queue = queue.Queue()
        self.watch = None
        params = route.request.params
        self.timeout = float(params.get("timeoutSeconds") or DEFAULT_TIMEOUT)
        self.bookmarks = bool(params.get("allowWatchBookmarks"))
        self.include_object = params.get("includeObject", "PartialObjectMetadata")
        self._sent_columns = False
        self.capacity = QUEUE_LIMIT
        self.too_slow = False          # ended for unresponsiveness: lines() returns at once
        self.hang_up = lambda: None    # the HTTP side sets this: close the client's connection
        self._drops = DROPS[0]

    def start(self) -> None:
        """Open the API server's watch; an ApiError before any event becomes an ERROR event."""
        try:
            with self.lock:
                self.watch = self.apiserver.watch(self.route.request, self._on_event)
                # The watch's first state (ADDED for what exists) does not count against the limit.
                self.capacity = QUEUE_LIMIT + len(getattr(self.watch, "_pending", ()))
        except ApiError as error:
            if error.code != 410:
                raise
            self.events.put(("ERROR", error.status))
            self.events.put(_END)

    def _on_event(self, event_type: str, obj: dict) -> None:
        # On the clock's thread, under the API server's lock: hand over, never wait.
        if self.too_slow:
            return
        if self.events.qsize() >= self.capacity:
            self.too_slow = True
            print(f"Forcing {self.route.resource.plural} watcher close due to unresponsiveness: "
                  f"len(queue) = {self.events.qsize()}", file=sys.stderr, flush=True)
            if self.watch is not None:
                self.watch.stop()
            self.hang_up()   # a writer blocked on a full socket is woken too
            return
        self.events.put((event_type, obj))

    def _request_bookmark(self) -> None:
        with self.lock:
            revision = self.apiserver.store.revision
            resource = self.route.resource
            self.apiserver.clock.call_soon(self.events.put, ("BOOKMARK", {
                "kind": resource.kind, "apiVersion": resource.api_version,
                "metadata": {"resourceVersion": str(revision)}}))

    def lines(self, client_gone=lambda: False):
        """Each event as one JSON line (bytes), until the timeout, the server stops, ERROR, or
        `client_gone()` says the client hung up (checked while idle, so no watch outlives it)."""
        deadline = time.monotonic() + self.timeout
        next_bookmark = time.monotonic() + BOOKMARK_EVERY
        final_bookmark_sent = False
        while not self.stopping.is_set() and not self.too_slow and self._drops == DROPS[0]:
            now = time.monotonic()
            if self.bookmarks and now >= next_bookmark and not final_bookmark_sent:
                self._request_bookmark()
                next_bookmark = now + BOOKMARK_EVERY
            if now >= deadline:
                if not self.bookmarks or final_bookmark_sent:
                    return
                # The last bookmark: what this watch has seen, so the client resumes from it.
                self._request_bookmark()
                final_bookmark_sent = True
                deadline = now + 1.0   # time for the bookmark to come through the clock
            try:
                event_type, obj = self.events.get(timeout=min(0.25, max(0.0, deadline - now)))
            except queue.Empty:
                if client_gone():
                    return
                continue
            if (event_type, obj) == _END:
                return
            yield self._encode(event_type, obj)
            if event_type == "ERROR":
                return
            if event_type == "BOOKMARK" and final_bookmark_sent:
                return

    def _encode(self, event_type: str, obj: dict) -> bytes:
        if self.as_table and event_type in ("ADDED", "MODIFIED", "DELETED"):
            obj = table(self.route.resource, obj, self.apiserver.clock.now(), self.include_object,
                        with_columns=not self._sent_columns, printer=self.apiserver.strategy(self.route.resource))
            self._sent_columns = True
        if obj is not None and not self.as_table and hasattr(self.apiserver, "encoded"):   # shared by every watcher
            return b'{"type":"%s","object":%s}\n' % (event_type.encode(), self.apiserver.encoded(obj).encode())
        return json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode() + b"\n"

    def stop(self) -> None:
        if self.watch is not None:
            with self.lock:
                self.watch.stop()
