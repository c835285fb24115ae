"""`kubelab fault`: break a running `kubelab up` on purpose, in the fault vocabulary of lessons.

    kubelab fault [--data-dir DIR] stop|start|crash|restart <component>
    kubelab fault [--data-dir DIR] partition|heal <node>
    kubelab fault [--data-dir DIR] drop-watch <component>
    kubelab fault [--data-dir DIR] delay-watch <component> <seconds>

The same words as `cluster.fault` in a notebook, with the same meaning:
  stop        SIGTERM; the supervisor leaves it down until `start` (a deliberate stop)
  start       start a stopped component again
  crash       kill -9; the supervisor notices and restarts it, with backoff, as for any crash
  restart     stop, then start at once
  partition   cut a node's kubelet off from the API server (SIGSTOP: it sends and reads
              nothing; its pods keep running); `heal` lets it go on (SIGCONT)
  drop-watch  end every watch the component has open (each client relists); for `store`,
              every watch the API servers have on kubelab's store server
  delay-watch deliver every watch event the component receives that many seconds late
              (0 ends the delay)
Components: apiserver-0, apiserver-1, …, controller-manager, scheduler, kubelet/node-1,
proxy/node-1, …, store (kubelab's store server or the real etcd; with one API server and
--store memory|file the store lives inside apiserver-0), front.

How it reaches the cluster: `kubelab up` listens on a unix socket, DIR/control.sock (only
its owner may connect: the data dir's permissions), one request per connection, one line of
JSON each way. The supervisor (supervisor.py) does the stopping and starting; drop-watch and
delay-watch are signals to the component (SIGUSR1; SIGUSR2 after writing the delay to
DIR/faults/<component>.delay-watch), which its process turns into the fault.
"""
from __future__ import annotations

import argparse
import json
import os
import select
import signal
import socket
import sys
from pathlib import Path

from .supervisor import Supervisor, log_name

SOCKET_NAME = "control.sock"
COMPONENT_VERBS = ("stop", "start", "crash", "restart", "drop-watch", "delay-watch")
NODE_VERBS = ("partition", "heal")


class FaultError(Exception):
    """A fault that cannot be done; its message is the one line the CLI prints."""


class ControlServer:
    """The supervisor's end of DIR/control.sock, served from `kubelab up`'s own loop."""

    def __init__(self, data_dir: Path, supervisor: Supervisor, store_inside: str = ""):
        self.data_dir, self.supervisor = Path(data_dir), supervisor
        self.store_inside = store_inside    # "apiserver-0" when the store lives in the API server
        self.path = self.data_dir / SOCKET_NAME
        if self.path.exists():   # left by a run that was killed (the data-dir lock is ours now)
            self.path.unlink()
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.socket.bind(str(self.path))
        self.path.chmod(0o600)
        self.socket.listen(8)

    def serve(self, timeout: float) -> None:
        """Answer the requests that arrive within `timeout` seconds (the loop's tick)."""
        readable, _, _ = select.select([self.socket], [], [], timeout)
        if not readable:
            return
        connection, _ = self.socket.accept()
        with connection:
            connection.settimeout(5.0)
            try:
                request = json.loads(connection.makefile("rb").readline() or b"{}")
                reply = {"ok": True, "message": self.fault(**request)}
            except FaultError as error:
                reply = {"ok": False, "message": str(error)}
            except (ValueError, TypeError, OSError) as error:
                reply = {"ok": False, "message": f"bad request: {error}"}
            try:
                connection.sendall(json.dumps(reply).encode() + b"\n")
            except OSError:
                pass

    def close(self) -> None:
        self.socket.close()
        try:
            self.path.unlink()
        except OSError:
            pass

    # -- the verbs -----------------------------------------------------------------------
    def fault(self, verb: str, target: str, seconds: float | None = None) -> str:
        """Do one fault; the sentence that says what was done."""
        if verb in NODE_VERBS:
            child = self._child(f"kubelet/{target}" if not target.startswith("kubelet/") else target)
            node = child.name.split("/", 1)[1]
            if verb == "partition":
                self.supervisor.pause(child)
                return f"{node} partitioned: kubelet/{node} is cut off from the API server; its pods keep running"
            self.supervisor.resume(child)
            return f"{node} healed: kubelet/{node} reaches the API server again"
        if verb not in COMPONENT_VERBS:
            raise FaultError(f'unknown fault "{verb}": use one of {", ".join(COMPONENT_VERBS + NODE_VERBS)}')
        child = self._child(target)
        if verb == "stop":
            self.supervisor.stop_child(child)
            return f"{child.name} stopped; it stays down until `kubelab fault start {child.name}`"
        if verb == "start":
            if child.running and child.wanted:
                return f"{child.name} is already running (pid {child.pid})"
            self.supervisor.start_child(child)
            return f"{child.name} started (pid {child.pid})"
        if verb == "crash":
            self.supervisor.crash(child)
            return f"{child.name} crashed (kill -9); the supervisor restarts it{_forgets(child)}"
        if verb == "restart":
            self.supervisor.stop_child(child)
            self.supervisor.start_child(child)
            return f"{child.name} restarted (pid {child.pid}){_forgets(child)}"
        return self._watch_fault(verb, child, seconds)

    def _watch_fault(self, verb: str, child, seconds: float | None) -> str:
        if not child.running:
            raise FaultError(f"{child.name} is not running")
        if child.command[:1] != [sys.executable]:
            raise FaultError(f"{child.name} is a real etcd: it cannot drop or delay watches on demand")
        if child.name == "front":
            raise FaultError("the front carries bytes, not watches: drop-watch an API server instead")
        if verb == "drop-watch":
            child.process.send_signal(signal.SIGUSR1)
            return f"{child.name}: every open watch ended; its clients list and watch again"
        if seconds is None or seconds < 0:
            raise FaultError("delay-watch needs a delay in seconds, 0 or more: kubelab fault delay-watch COMPONENT SECONDS")
        if child.name.startswith("apiserver-") or child.name == "store":
            raise FaultError(f"delay-watch applies to a watch's client (a controller, the scheduler, a "
                             f"kubelet or a proxy), not to {child.name}")
        faults = self.data_dir / "faults"
        faults.mkdir(exist_ok=True)
        (faults / f"{log_name(child.name)}.delay-watch").write_text(f"{seconds}\n")
        child.process.send_signal(signal.SIGUSR2)
        return f"{child.name}: watch events now arrive {seconds:g}s late" if seconds else \
            f"{child.name}: watch events arrive on time again"

    def _child(self, name: str):
        if name.startswith("kube-proxy/"):   # the user agent's spelling, accepted as cluster.fault does
            name = "proxy/" + name.split("/", 1)[1]
        if name == "store" and self.store_inside:
            raise FaultError(f"the store lives inside {self.store_inside} here (one API server, --store "
                             f"memory|file): fault {self.store_inside}, or start kubelab up with "
                             f"--apiservers 2 or --store etcd")
        try:
            return self.supervisor.get(name)
        except KeyError:
            names = ", ".join(child.name for child in self.supervisor.children)
            raise FaultError(f'no component "{name}" in this cluster: {names}') from None


def _forgets(child) -> str:
    """A memory store that restarts comes back empty: say so, it is the lesson."""
    if child.name == "store" and "memory" in child.command:
        return (" — empty: the memory store keeps nothing across a restart, like an etcd that lost"
                " its data dir (use --store file or etcd to keep the cluster)")
    return ""


# -- the client: `kubelab fault` ------------------------------------------------------------
def send(data_dir: str, verb: str, target: str, seconds: float | None = None, timeout: float = 30.0) -> dict:
    """Ask the `kubelab up` running on `data_dir` to do one fault; its reply."""
    path = Path(data_dir).resolve() / SOCKET_NAME
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        try:
            connection.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise FaultError(f"no kubelab up is running on {Path(data_dir).resolve()} "
                             f"(no one listens on {path})") from None
        request = {"verb": verb, "target": target, **({"seconds": seconds} if seconds is not None else {})}
        connection.sendall(json.dumps(request).encode() + b"\n")
        answer = connection.makefile("rb").readline()
    if not answer:
        raise FaultError("kubelab up closed the connection without answering")
    return json.loads(answer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kubelab fault", description="break a running kubelab up on purpose")
    parser.add_argument("--data-dir", default=os.environ.get("KUBELAB_DATA_DIR", ".kubelab"),
                        help="the data dir of the kubelab up to break (default .kubelab)")
    parser.add_argument("verb", choices=COMPONENT_VERBS + NODE_VERBS)
    parser.add_argument("target", help="a component (apiserver-0, scheduler, kubelet/node-1, store, ...) or a node")
    parser.add_argument("seconds", nargs="?", type=float, default=None, help="delay-watch: the delay")
    args = parser.parse_args(argv)
    try:
        reply = send(args.data_dir, args.verb, args.target, args.seconds)
    except FaultError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: cannot reach kubelab up: {error}", file=sys.stderr)
        return 1
    print(reply["message"] if reply.get("ok") else f"error: {reply['message']}",
          file=sys.stdout if reply.get("ok") else sys.stderr)
    return 0 if reply.get("ok") else 1
