"""Record a history of concurrent calls against a store, to check it for linearizability.

What it does. A few client threads, each with its own connection (an `EtcdStore` on the
backend's etcd-protocol endpoint: a real etcd, or kubelab's store server for the memory and
file backends), call put, get, delete and a compare-and-swap txn on a handful of keys, as
fast as they can, recording for each call when it started, when it ended and what it
returned (linearizability.py checks the result). Values are unique ("c2-17"), so every read
names the write it saw. A call that fails because the store went away (the file backend's
kill -9 rounds) has an unknown outcome: it may or may not have been applied — unless the
connection was refused (it never reached the store) or it was a read (it changed nothing):
those are left out, which also keeps the checker's search small.

    python -m kubelab.store.history --backend file --clients 8 --operations 4000 --kills 20

prints the rounds, calls, faults and the verdict (benchmarks/RESULTS.md keeps the figures).
Left out: Jepsen's network partitions and clock skew (one member on 127.0.0.1).
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .etcd import EtcdStore
from .interface import Compare, Op
from .linearizability import UNKNOWN, Operation, check

KEYS = ("/registry/configmaps/default/a", "/registry/configmaps/default/b", "/registry/configmaps/default/c")


@dataclass
class History:
    operations: list[Operation] = field(default_factory=list)
    failed: int = 0            # calls whose outcome is unknown
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, operation: Operation) -> None:
        with self.lock:
            self.operations.append(operation)
            if operation.output is UNKNOWN:
                self.failed += 1


def choose(rng: random.Random, client: int, number: int, seen: dict) -> tuple[str, tuple]:
    """The next call of one client: (key, input); values are unique ("c2-17")."""
    key = rng.choice(KEYS)
    value = f"c{client}-{number}"
    kind = rng.choices(("get", "put", "delete", "cas"), weights=(4, 3, 1, 2))[0]
    if kind == "cas":   # read-modify-write from what this client last saw there
        return key, ("cas", seen.get(key), value)
    return key, (kind,) if kind in ("get", "delete") else (kind, value)


def call(store: EtcdStore, key: str, operation_input: tuple):
    """Run one call on the store; its output in the model's terms."""
    kind = operation_input[0]
    if kind == "get":
        kv = store.get(key)
        return kv.value if kv else None
    if kind == "put":
        store.put(key, operation_input[1])
        return None
    if kind == "delete":
        return store.delete(key).deleted
    expected, value = operation_input[1], operation_input[2]
    compare = Compare(key, "value", "=", expected) if expected is not None else Compare(key, "version", "=", 0)
    return store.txn([compare], [Op.put(key, value)]).succeeded


def run_client(endpoint: str, client: int, calls: int, history: History, seed: int) -> None:
    rng = random.Random(seed * 1000 + client)
    store = EtcdStore(endpoint, timeout=5.0)
    seen: dict[str, str | None] = {}
    for number in range(calls):
        key, operation_input = choose(rng, client, number, seen)
        started = time.monotonic()
        try:
            output = call(store, key, operation_input)
        except Exception as error:   # noqa: BLE001 - the store went away
            time.sleep(0.05)   # do not spin while it is away
            if "Connection refused" in str(error) or operation_input[0] == "get":
                continue       # never reached the store, or changed nothing: not in the history
            history.add(Operation(client, key, operation_input, started))   # outcome unknown
            continue
        history.add(Operation(client, key, operation_input, started, output, time.monotonic()))
        if operation_input[0] == "get":
            seen[key] = output
        elif operation_input[0] == "delete":
            seen[key] = None
        elif operation_input[0] == "put" or output is True:
            seen[key] = operation_input[-1]
    store.close()


def record(endpoint: str, clients: int, operations: int, seed: int = 0, faults=None) -> History:
    """Run `clients` threads of `operations // clients` calls each; `faults(busy)` runs beside
    them, `busy()` saying whether any client still has calls to make."""
    history = History()
    threads = [threading.Thread(target=run_client, args=(endpoint, client, operations // clients, history, seed),
                                daemon=True) for client in range(clients)]
    for thread in threads:
        thread.start()
    if faults is not None:
        faults(lambda: any(thread.is_alive() for thread in threads))
    for thread in threads:
        thread.join()
    return history


# -- backends and faults, for the command and the suite ------------------------------------
def _die_with_parent() -> None:
    """In the child: SIGTERM when this process dies (PR_SET_PDEATHSIG), so none is left behind."""
    import ctypes
    import signal
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class StoreServerProcess:
    """kubelab's store server (memory or file) in a process of its own, on a fixed port."""

    def __init__(self, kind: str, data_dir: str):
        from .etcd_process import free_ports
        self.kind, self.data_dir = kind, data_dir
        self.port, = free_ports(1)
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> "StoreServerProcess":
        self.process = subprocess.Popen([sys.executable, "-m", "kubelab.processes.store_server", "--port",
                                         str(self.port), "--store", self.kind, "--data-dir", self.data_dir],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(urllib.request.Request(self.endpoint + "/v3/maintenance/status", b"{}"),
                                       timeout=1).close()
                return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"the store server did not start on {self.endpoint}")

    def kill(self) -> None:
        """kill -9: no goodbye, whatever was in flight."""
        self.process.kill()
        self.process.wait()
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def kill_rounds(server: StoreServerProcess, rounds: int, seed: int, pause: tuple[float, float] = (0.05, 0.3)):
    """A `faults` for record(): kill -9 the store server `rounds` times, `pause` seconds apart (seeded)."""
    rng = random.Random(seed)

    def faults(busy) -> None:
        for _ in range(rounds):
            time.sleep(rng.uniform(*pause))
            if not busy():
                return
            server.kill()
            server.start()
    return faults


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kubelab.store.history",
                                     description="record concurrent calls on a store and check them for linearizability")
    parser.add_argument("--backend", choices=("memory", "file", "etcd"), default="file")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--operations", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=0, help="kill -9 rounds (file backend)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.kills and args.backend != "file":
        parser.error("--kills needs --backend file (memory forgets everything; etcd is killed by its own tests)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kubelab-history-") as directory:
        if args.backend == "etcd":
            from .etcd_process import EtcdProcess
            with EtcdProcess(install=True) as etcd:
                history = record(etcd.endpoint, args.clients, args.operations, args.seed)
            kills = 0
        else:
            server = StoreServerProcess(args.backend, str(Path(directory) / "store")).start()
            try:
                faults = kill_rounds(server, args.kills, args.seed) if args.kills else None
                history = record(server.endpoint, args.clients, args.operations, args.seed, faults)
            finally:
                server.stop()
            kills = server.kills
    wrong = check(history.operations)
    answered = len(history.operations) - history.failed
    print(f"backend {args.backend}: {len(history.operations)} calls by {args.clients} clients "
          f"({answered} answered, {history.failed} with unknown outcome), {kills} kill -9 round(s), "
          f"{time.monotonic() - started:.1f}s")
    print("linearizable: yes" if not wrong else f"linearizable: NO, keys {', '.join(wrong)}")
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
