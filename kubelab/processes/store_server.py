"""kubelab's store as a server that speaks etcd: what several API servers share.

Several API servers must see one store: a write through one must reach a watch through
another, and a resourceVersion handed out by one must mean the same to the next. With a
real etcd (`kubelab up --store etcd`) that is etcd's job. The memory and file backends live
inside a Python process, so `kubelab up --apiservers K` puts them in a process of their own
and serves them over etcd's own v3 JSON gateway protocol — the very protocol `EtcdStore`
speaks to a real etcd. Every API server then runs with `--store etcd --etcd-servers URL`
and cannot tell this server from etcd:

    apiserver-1 ─┐  POST /v3/kv/range, /v3/kv/txn, /v3/watch (a stream), /v3/lease/grant ...
    apiserver-2 ─┼──────────────────────────────▶  store server ──▶ MemoryStore | FileStore
    apiserver-3 ─┘

Invariant: one thread touches the store. HTTP threads post each call into a RealClock loop
and wait for its answer, so the backend stays as single-threaded as in a notebook; lease
expiry runs on the same loop. A watch's callback (run inside the write, on the loop) only
puts the response on that stream's queue; the stream's own thread writes it out.

Left out: etcd's gRPC proper, auth, cluster membership and the maintenance calls beyond
status (snapshot, defragment, alarms). The JSON mapping is etcd_gateway.py's, reused.
"""
from __future__ import annotations

import argparse
import json
import queue
import select
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..clock import RealClock
from ..store import CompactedError, Compare, Op, StoreError
from ..store.etcd_gateway import COMPACTED_MESSAGE, decode, encode
from ..store.interface import ETCD_MESSAGES, FutureRevisionError, LeaseNotFound, NoSpace

TARGETS = {"VALUE": ("value", "value"), "VERSION": ("version", "version"),
           "CREATE": ("create", "create_revision"), "MOD": ("mod", "mod_revision"),
           "LEASE": ("lease", "lease")}
RESULTS = {"EQUAL": "=", "NOT_EQUAL": "!=", "LESS": "<", "GREATER": ">"}
# How often an idle watch hears "nothing happened up to revision R": EtcdStore.sync_watchers
# waits for that (kubelab's etcd_process.py sets 100 ms on a real etcd; etcd's default is 10 min).
PROGRESS_NOTIFY_INTERVAL = 0.5
DROPS = [0]   # SIGUSR1 (`kubelab fault drop-watch store`) adds one: every watch stream ends
MESSAGES = {error_class: message for message, error_class in ETCD_MESSAGES.items()}


# -- the JSON mapping, the other way round from etcd_gateway.py ----------------------------------
def header(revision: int) -> dict:
    return {"cluster_id": "1", "member_id": "1", "revision": str(revision), "raft_term": "1"}


def kv_json(kv) -> dict:
    out = {"key": encode(kv.key)}
    for name in ("create_revision", "mod_revision", "version", "lease"):
        if getattr(kv, name):
            out[name] = str(getattr(kv, name))
    if kv.value:
        out["value"] = encode(kv.value)
    return out


def op_of(kind: str, request: dict) -> Op:
    range_end = decode(request["range_end"]) if "range_end" in request else None
    key = decode(request.get("key"))
    if kind == "put":
        return Op.put(key, decode(request.get("value")), lease=int(request.get("lease", 0)),
                      prev_kv=bool(request.get("prev_kv")))
    if kind == "delete":
        return Op.delete(key, range_end, prev_kv=bool(request.get("prev_kv")))
    return Op.range(key, range_end, limit=int(request.get("limit", 0)), revision=int(request.get("revision", 0)),
                    keys_only=bool(request.get("keys_only")), count_only=bool(request.get("count_only")))


def response_json(response) -> dict:
    """A Range/Put/DeleteResponse as etcd's JSON."""
    out = {"header": header(response.revision)}
    if hasattr(response, "kvs"):
        out.update(kvs=[kv_json(kv) for kv in response.kvs], count=str(response.count), more=response.more)
    elif hasattr(response, "deleted"):
        out.update(deleted=str(response.deleted), prev_kvs=[kv_json(kv) for kv in response.prev_kvs])
    elif response.prev_kv is not None:
        out["prev_kv"] = kv_json(response.prev_kv)
    return out


RESPONSE_FIELDS = {"range": "response_range", "put": "response_put", "delete": "response_delete_range"}
REQUEST_KINDS = {"request_range": "range", "request_put": "put", "request_delete_range": "delete"}


def run_op(store, op: Op):
    if op.kind == "put":
        return store.put(op.key, op.value, lease=op.lease, prev_kv=op.prev_kv)
    if op.kind == "delete":
        return store.delete(op.key, op.range_end, prev_kv=op.prev_kv)
    return store.range(op.key, op.range_end, limit=op.limit, revision=op.revision,
                       keys_only=op.keys_only, count_only=op.count_only)


def txn(store, request: dict) -> dict:
    compares = []
    for compare in request.get("compare", []):
        target, field = TARGETS[compare.get("target", "VERSION")]
        operand = decode(compare.get(field)) if target == "value" else int(compare.get(field, 0))
        compares.append(Compare(decode(compare.get("key")), target, RESULTS[compare.get("result", "EQUAL")],
                                operand))
    branches = {}
    for branch in ("success", "failure"):
        branches[branch] = [op_of(REQUEST_KINDS[name], body) for item in request.get(branch, [])
                            for name, body in item.items()]
    reply = store.txn(compares, branches["success"], branches["failure"])
    ran = branches["success"] if reply.succeeded else branches["failure"]
    return {"header": header(reply.revision), "succeeded": reply.succeeded,
            "responses": [{RESPONSE_FIELDS[op.kind]: response_json(response)}
                          for op, response in zip(ran, reply.responses)]}


def unary(store, path: str, request: dict) -> dict:
    """One unary call of etcd's v3 API against `store`."""
    if path in ("/v3/kv/range", "/v3/kv/put", "/v3/kv/deleterange"):
        kind = {"/v3/kv/range": "range", "/v3/kv/put": "put", "/v3/kv/deleterange": "delete"}[path]
        return response_json(run_op(store, op_of(kind, request)))
    if path == "/v3/kv/txn":
        return txn(store, request)
    if path == "/v3/kv/compaction":
        store.compact(int(request.get("revision", 0)))
        return {"header": header(store.revision)}
    if path == "/v3/lease/grant":
        lease = store.grant(int(request.get("TTL", 0)), int(request.get("ID", 0)))
        return {"header": header(store.revision), "ID": str(lease.id), "TTL": str(lease.ttl)}
    if path == "/v3/lease/keepalive":
        try:
            ttl = store.keep_alive(int(request.get("ID", 0)))
        except LeaseNotFound:
            ttl = 0   # etcd answers a keep-alive of an unknown lease with TTL 0
        return {"result": {"header": header(store.revision), "ID": request.get("ID", "0"), "TTL": str(ttl)}}
    if path == "/v3/lease/revoke":
        store.revoke(int(request.get("ID", 0)))
        return {"header": header(store.revision)}
    if path == "/v3/lease/timetolive":
        try:
            status = store.time_to_live(int(request.get("ID", 0)), bool(request.get("keys")))
        except LeaseNotFound:
            return {"header": header(store.revision), "ID": request.get("ID", "0"), "TTL": "-1"}
        return {"header": header(store.revision), "ID": str(status.id), "TTL": str(status.ttl),
                "grantedTTL": str(status.granted_ttl), "keys": [encode(key) for key in status.keys]}
    if path == "/v3/lease/leases":
        return {"header": header(store.revision), "leases": [{"ID": str(i)} for i in store.leases()]}
    if path == "/v3/maintenance/status":
        status = store.status()
        return {"header": header(status.revision), "version": "3.4.0-kubelab", "dbSize": str(status.size)}
    raise KeyError(path)


def error_json(error: StoreError) -> tuple[int, dict]:
    """etcd's words and gRPC code for a store error, with the HTTP status the gateway uses."""
    if isinstance(error, CompactedError):
        message, code, http = COMPACTED_MESSAGE, 11, 400
    else:
        message = MESSAGES.get(type(error), str(error))
        code, http = (5, 404) if isinstance(error, LeaseNotFound) else \
            (8, 429) if isinstance(error, NoSpace) else (11, 400) if isinstance(error, FutureRevisionError) else (3, 400)
    return http, {"error": message, "message": message, "code": code}


class StoreServer:
    """Serves `store` on 127.0.0.1:`port`; call `serve_forever` on the thread that owns the store."""

    def __init__(self, store, clock: RealClock, port: int = 0):
        self.store, self.clock = store, clock
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]

    def on_loop(self, function, *args):
        """Run `function(*args)` on the store's thread and return (or raise) what it did."""
        done, outcome = threading.Event(), {}

        def call():
            try:
                outcome["value"] = function(*args)
            except BaseException as error:   # handed back to the HTTP thread that asked
                outcome["error"] = error
            done.set()
        self.clock.call_soon_threadsafe(call)
        done.wait()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def serve_forever(self) -> None:
        threading.Thread(target=self.httpd.serve_forever, args=(0.1,), daemon=True).start()
        self.clock.run_forever()
        self.httpd.shutdown()
        self.store.close()


class _Handler(BaseHTTPRequestHandler):
    # TCP_NODELAY: an answer leaves as headers, then body; with Nagle's algorithm on, the body
    # waits for the client's delayed ACK (40 ms on Linux): with two API servers on this
    # store, every GET took 44 ms instead of about 1 ms (issue 12).
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        owner: StoreServer = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        if self.path == "/v3/watch":
            return self._watch(owner, request.get("create_request", {}))
        try:
            reply, code = owner.on_loop(unary, owner.store, self.path, request), 200
        except StoreError as error:
            code, reply = error_json(error)
        except KeyError:
            code, reply = 404, {"error": "Not Found", "message": "Not Found", "code": 5}
        payload = json.dumps(reply).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _watch(self, owner: StoreServer, create: dict) -> None:
        """A watch stream: "created", then one line per batch, until the client goes away."""
        outbox: queue.Queue = queue.Queue()
        range_end = decode(create["range_end"]) if "range_end" in create else None

        def on_response(response) -> None:   # on the store's thread, inside the write
            message = {"header": header(response.revision), "watch_id": "0"}
            if response.canceled:
                message.update(canceled=True, compact_revision=str(response.compact_revision))
            events = [{**({"type": "DELETE"} if event.type == "DELETE" else {}), "kv": kv_json(event.kv),
                       **({"prev_kv": kv_json(event.prev_kv)} if event.prev_kv else {})}
                      for event in response.events]
            if events:
                message["events"] = events
            outbox.put(message)

        def open_watch():
            revision = owner.store.revision
            try:
                watcher = owner.store.watch(decode(create.get("key")), on_response, range_end=range_end,
                                            start_revision=int(create.get("start_revision", 0)),
                                            prev_kv=bool(create.get("prev_kv")),
                                            progress_notify=bool(create.get("progress_notify")))
            except CompactedError as error:
                return revision, None, error.compacted
            return revision, watcher, 0

        revision, watcher, compacted = owner.on_loop(open_watch)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            self._chunk({"header": header(revision), "watch_id": "0", "created": True})
            if watcher is None:
                return self._chunk({"header": header(revision), "watch_id": "0", "canceled": True,
                                    "compact_revision": str(compacted)})
            drops = DROPS[0]
            while True:
                if DROPS[0] != drops:   # a fault: end the stream cleanly; the API server's watch ends
                    self.wfile.write(b"0\r\n\r\n")
                    self.close_connection = True
                    return
                try:
                    message = outbox.get(timeout=0.2)
                except queue.Empty:
                    if self._client_left():
                        return
                    continue
                self._chunk(message)
                if message.get("canceled"):
                    return
        except OSError:
            pass   # the API server closed the stream: the watch ends
        finally:
            if watcher is not None:
                owner.clock.call_soon_threadsafe(watcher.cancel)

    def _client_left(self) -> bool:
        """Has the API server closed this stream? (A readable socket with nothing to read.)"""
        readable, _, _ = select.select([self.connection], [], [], 0)
        return bool(readable) and not self.connection.recv(1, socket.MSG_PEEK)

    def _chunk(self, message: dict) -> None:
        line = (json.dumps({"result": message}) + "\n").encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
        self.wfile.flush()


def open_store(kind: str, data_dir: str, clock: RealClock):
    if kind == "file":
        from ..store.file import FileStore
        return FileStore(data_dir, clock=clock, progress_notify_interval=PROGRESS_NOTIFY_INTERVAL)
    from ..store import MemoryStore
    return MemoryStore(clock=clock, progress_notify_interval=PROGRESS_NOTIFY_INTERVAL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kubelab.processes.store_server",
                                     description="kubelab's store, served over etcd's v3 JSON protocol")
    parser.add_argument("--port", type=int, default=2379)
    parser.add_argument("--store", choices=("memory", "file"), default="memory")
    parser.add_argument("--data-dir", default=".kubelab/store")
    args = parser.parse_args(argv)
    import signal
    clock = RealClock()
    server = StoreServer(open_store(args.store, args.data_dir, clock), clock, args.port)
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: clock.stop())
    signal.signal(signal.SIGUSR1, lambda *_: DROPS.__setitem__(0, DROPS[0] + 1))
    print(f"store ({args.store}) serving etcd's v3 API on http://127.0.0.1:{server.port}", file=sys.stderr, flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
