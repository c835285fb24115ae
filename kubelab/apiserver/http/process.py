"""`kubelab apiserver`: a store, a real clock, the API server and its HTTP front, wired together.

    clock thread ──(SerializedClock: callbacks under the lock)──┐
    HTTP threads ──(handle under the lock)──────────────────────┼──▶ APIServer ──▶ store
                                                                 │
                                   one RLock: the API server never runs twice at once

`start_apiserver(...)` returns a `RunningAPIServer` serving from background threads (what
tests and `kubelab up` use); `run(...)` is the command: it serves until SIGINT or SIGTERM,
then stops the HTTP server (ending every watch), the clock and the store, in that order.
"""
from __future__ import annotations

import random
import signal
import sys
import threading
from dataclasses import dataclass

from ...clock import RealClock
from ..server import APIServer
from .serialized import SerializedClock
from .server import HTTPAPIServer


@dataclass
class RunningAPIServer:
    apiserver: APIServer
    http: HTTPAPIServer
    clock: RealClock
    clock_thread: threading.Thread
    stopped: threading.Event

    @property
    def url(self) -> str:
        return self.http.url

    def stop(self) -> None:
        """Stop serving, end watches, stop the clock; the store is the caller's to close."""
        self.http.stop()
        self.stopped.set()
        self.clock.stop()
        self.clock_thread.join(timeout=5)


def open_store(kind: str = "memory", data_dir: str | None = None, endpoint: str | None = None, clock=None):
    """The store backend `--store` names (leases run on `clock`); ValueError (one line) when it cannot be had."""
    from ... import store as stores
    if kind == "memory":
        return stores.MemoryStore(clock)
    if kind == "file":
        if not data_dir:
            raise ValueError("--store file needs --data-dir DIR")
        try:
            return stores.FileStore(data_dir, clock)
        except (AttributeError, ImportError):
            raise ValueError("the file store is not available in this version of kubelab")
    if kind == "etcd":
        try:
            from ...store.etcd import EtcdStore
        except ImportError:
            raise ValueError("the etcd store is not available in this version of kubelab")
        if not endpoint:
            raise ValueError("--store etcd needs --etcd-endpoint http://127.0.0.1:PORT")
        return EtcdStore(endpoint)
    raise ValueError(f"unknown store {kind!r}: choose memory, file or etcd")


def start_apiserver(store=None, port: int = 0, seed: int = 0, host: str = "127.0.0.1", store_kind: str = "memory",
                    data_dir: str | None = None, endpoint: str | None = None, token_auth_file: str | None = None,
                    service_account_key_file: str | None = None) -> RunningAPIServer:
    """Serve the given store (or a new one of `store_kind`) on host:port from background threads.

    With `token_auth_file` (kube-apiserver's --token-auth-file) the server is secured: bearer
    tokens from that file and service-account tokens signed with the key in
    `service_account_key_file` (PEM; a seeded key if none), anonymous requests refused, Node +
    RBAC, the default policy created (handler_chain.secure)."""
    lock = threading.RLock()
    clock = RealClock()
    serialized = SerializedClock(clock, lock)
    if store is None:
        store = open_store(store_kind, data_dir, endpoint, serialized)
    apiserver = APIServer(store, serialized, random.Random(seed))
    with lock:
        apiserver.bootstrap()
        if token_auth_file:
            _secure(apiserver, serialized, seed, token_auth_file, service_account_key_file)
    apiserver.node_connections.dial_host = "127.0.0.1"   # kubelets are processes too: logs by HTTP
    stopped = threading.Event()

    def run_clock() -> None:
        while not stopped.is_set():   # in slices: one `stop` ends a slice, the flag ends the loop
            clock.run(60.0)
    clock_thread = threading.Thread(target=run_clock, name="kubelab-apiserver-clock", daemon=True)
    clock_thread.start()
    http = HTTPAPIServer(apiserver, lock, port, host).start()
    return RunningAPIServer(apiserver, http, clock, clock_thread, stopped)


def _secure(apiserver, clock, seed: int, token_auth_file: str, service_account_key_file: str | None) -> None:
    from ..authentication import ServiceAccountTokens, StaticTokens
    from ..authentication.keyfile import from_pem
    from ..authentication.rsa import generate_key
    from ..handler_chain import secure
    with open(token_auth_file, encoding="utf-8") as handle:
        static_tokens = StaticTokens.from_csv(handle.read())
    if service_account_key_file:
        with open(service_account_key_file, encoding="utf-8") as handle:
            key = from_pem(handle.read())
    else:
        key = generate_key(seed)
    secure(apiserver, static_tokens, ServiceAccountTokens(key, clock, random.Random(seed)))


def run(port: int, store_kind: str = "memory", data_dir: str | None = None, endpoint: str | None = None,
        seed: int = 0, token_auth_file: str | None = None, service_account_key_file: str | None = None) -> int:
    """The `kubelab apiserver` command: serve until SIGINT/SIGTERM; 1 with one line if it cannot."""
    try:
        running = start_apiserver(port=port, seed=seed, store_kind=store_kind, data_dir=data_dir, endpoint=endpoint,
                                  token_auth_file=token_auth_file,
                                  service_account_key_file=service_account_key_file)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f"kubelab apiserver serving on {running.url} (store: {store_kind})", flush=True)
    while not stop.wait(0.5):
        pass
    running.stop()
    close = getattr(running.apiserver.store, "close", None)
    if close is not None:
        close()
    return 0
