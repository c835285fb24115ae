"""`kubelab apiserver`: a store, a real clock, the API server and its HTTP front, wired together.

    clock thread ──(SerializedClock: callbacks under the lock)──┐
    HTTP threads ──(handle under the lock)──────────────────────┼──▶ APIServer ──▶ store
                                                                 │
                                   one RLock: the API server never runs twice at once

`start_apiserver(...)` returns a `RunningAPIServer` serving from background threads (what
tests and `kubelab up` use); `run(...)` is the command: it serves until SIGINT or SIGTERM,
then stops the HTTP server (ending every watch), the clock and the store, in that order.

The service-account signing key: the one in `--service-account-key-file`, as kube-apiserver
takes it; without one, a key made from the operating system's randomness, kept in
`DATA_DIR/sa.key` (0600) when there is a data dir so a restarted server still verifies the
tokens it signed, and in memory only otherwise. Never a key derived from `--seed`: the seed
is public (it is on the command line), and whoever knows the key can sign any token.
"""
from __future__ import annotations

import os
import random
import signal
import sys
import threading
from dataclasses import dataclass

from ...clock import RealClock
from ..compactor import DEFAULT_INTERVAL
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
                    service_account_key_file: str | None = None,
                    compaction_interval: float = DEFAULT_INTERVAL,
                    service_cidr: str = "10.96.0.0/12", watch_cache: bool = True,
                    advertise: tuple[str, int] = ("10.0.0.10", 6443)) -> RunningAPIServer:
    """Serve the given store (or a new one of `store_kind`) on host:port from background threads.

    With `token_auth_file` (kube-apiserver's --token-auth-file) the server is secured: bearer
    tokens from that file and service-account tokens signed with the key in
    `service_account_key_file` (PEM; a seeded key if none), anonymous requests refused, Node +
    RBAC, the default policy created (handler_chain.secure). `advertise`: the (address, port)
    the `kubernetes` Service's Endpoints give — where a pod reaches this API server over HTTPS
    (kube-apiserver's --advertise-address and --secure-port). `compaction_interval`: seconds
    between the compactor's rounds (kube-apiserver's --etcd-compaction-interval; 0 = never)."""
    lock = threading.RLock()
    clock = RealClock()
    serialized = SerializedClock(clock, lock)
    if store is None:
        store = open_store(store_kind, data_dir, endpoint, serialized)
    apiserver = APIServer(store, serialized, random.Random(seed), compaction_interval=compaction_interval,
                          service_cidr=service_cidr, watch_cache=watch_cache,
                          advertise_address=advertise[0], secure_port=advertise[1])
    key = signing_key(service_account_key_file, data_dir)
    with lock:
        apiserver.bootstrap()
        if token_auth_file:
            _secure(apiserver, serialized, seed, token_auth_file, key)
        else:   # trusting every client, but TokenRequest still signs with a key nobody can guess
            from ..authentication import ServiceAccountTokens
            apiserver.tokens = ServiceAccountTokens(key, serialized, random.Random(seed))
    apiserver.node_connections.dial_host = "127.0.0.1"   # kubelets are processes too: logs by HTTP
    stopped = threading.Event()

    def run_clock() -> None:
        while not stopped.is_set():   # in slices: one `stop` ends a slice, the flag ends the loop
            clock.run(60.0)
    clock_thread = threading.Thread(target=run_clock, name="kubelab-apiserver-clock", daemon=True)
    clock_thread.start()
    http = HTTPAPIServer(apiserver, lock, port, host).start()
    return RunningAPIServer(apiserver, http, clock, clock_thread, stopped)


def signing_key(service_account_key_file: str | None, data_dir: str | None):
    """The service-account key: from the key file; else DATA_DIR/sa.key, made at random once."""
    from pathlib import Path
    from ..authentication.keyfile import from_pem, to_pem
    from ..authentication.rsa import random_key
    if service_account_key_file:
        with open(service_account_key_file, encoding="utf-8") as handle:
            return from_pem(handle.read())
    stored = Path(data_dir) / "sa.key" if data_dir else None
    if stored is not None and stored.exists():
        return from_pem(stored.read_text())
    key = random_key()
    if stored is not None:
        stored.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(to_pem(key))
    return key


def _secure(apiserver, clock, seed: int, token_auth_file: str, key) -> None:
    from ..authentication import ServiceAccountTokens, StaticTokens
    from ..handler_chain import secure
    with open(token_auth_file, encoding="utf-8") as handle:
        static_tokens = StaticTokens.from_csv(handle.read())
    secure(apiserver, static_tokens, ServiceAccountTokens(key, clock, random.Random(seed)))


def _drop_watches(*_) -> None:
    """End every watch stream this server has open; each client lists and watches again."""
    from .watch_stream import DROPS
    DROPS[0] += 1
    print("fault drop-watch: every watch stream ends", file=sys.stderr, flush=True)


def run(port: int, store_kind: str = "memory", data_dir: str | None = None, endpoint: str | None = None,
        seed: int = 0, token_auth_file: str | None = None, service_account_key_file: str | None = None,
        compaction_interval: float = DEFAULT_INTERVAL, service_cidr: str = "10.96.0.0/12",
        watch_cache: bool = True, advertise: tuple[str, int] = ("10.0.0.10", 6443)) -> int:
    """The `kubelab apiserver` command: serve until SIGINT/SIGTERM; 1 with one line if it cannot."""
    try:
        running = start_apiserver(port=port, seed=seed, store_kind=store_kind, data_dir=data_dir, endpoint=endpoint,
                                  token_auth_file=token_auth_file,
                                  service_account_key_file=service_account_key_file,
                                  compaction_interval=compaction_interval, service_cidr=service_cidr,
                                  watch_cache=watch_cache, advertise=advertise)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    signal.signal(signal.SIGUSR1, _drop_watches)   # `kubelab fault drop-watch apiserver-N`
    print(f"kubelab apiserver serving on {running.url} (store: {store_kind})", flush=True)
    while not stop.wait(0.5):
        pass
    running.stop()
    close = getattr(running.apiserver.store, "close", None)
    if close is not None:
        close()
    return 0
