"""The supervisor: `kubelab up`'s children, started, watched, restarted with backoff, stopped.

What it models. On a real node the kubelet keeps the control plane's static pods running: a
kube-apiserver or etcd that crashes is started again, after a delay that doubles with each
crash (CrashLoopBackOff: 10 s, 20 s, 40 s ... capped at 5 minutes, forgotten once the
container has run for 10 minutes), and the restart is reported (an Event, the pod's restart
count). systemd does the same for components run as units (`Restart=always`). kubelab up's
supervisor does that for every child, the store included — kubelab's store server or a real
etcd, which runs as a plain child, with no wall-clock limit.

Rules:
  - a child that exits on its own is reported on stderr ("<name> exited with code C;
    restarting in S s (restart N); see <log>") and started again after its backoff; the first
    restart is immediate, as the kubelet's is;
  - a child stopped on purpose (`kubelab fault stop <component>`) stays down until started;
  - a paused child (`partition`: SIGSTOP, the node's kubelet cut off) is not restarted either;
  - on shutdown every child gets SIGTERM, newest first, then SIGKILL after a grace period.

Each child runs with PR_SET_PDEATHSIG(SIGTERM), so it stops even if `kubelab up` is SIGKILLed.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..store.etcd_process import die_with_parent  # the store's children use it too

STOP_GRACE_SECONDS = 5.0       # how long a child may take to stop on SIGTERM before SIGKILL
BACKOFF_INITIAL = 10.0         # the kubelet's CrashLoopBackOff: 10 s ...
BACKOFF_CAP = 300.0            # ... doubling to 5 minutes ...
BACKOFF_RESET = 600.0          # ... forgotten after 10 minutes of running


@dataclass
class Child:
    """One supervised process: what to run, and where it stands."""
    name: str                       # the fault vocabulary's name: apiserver-0, kubelet/node-1, store
    command: list[str]
    log: Path
    process: subprocess.Popen | None = None
    restarts: int = 0
    wanted: bool = True             # False once stopped on purpose: not restarted
    paused: bool = False            # SIGSTOPped (a partition): not restarted, not "exited"
    started_at: float = 0.0
    backoff: float = 0.0            # the delay before the next restart after this one
    restart_at: float | None = None  # when the pending restart is due (monotonic clock)
    last_delay: float = 0.0         # the delay chosen at the last crash
    exit_codes: list[int] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.running else None


def log_name(name: str) -> str:
    """kubelet/node-1 -> kubelet-node-1 (a file name)."""
    return name.replace("/", "-")


class Supervisor:
    """Starts children with their logs in DIR/logs, restarts the ones that die, stops them all."""

    def __init__(self, data_dir: Path, backoff_initial: float = BACKOFF_INITIAL, say=None):
        self.logs = Path(data_dir) / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.children: list[Child] = []
        self.backoff_initial = backoff_initial
        self.say = say or (lambda text: print(text, file=sys.stderr, flush=True))

    # -- starting ----------------------------------------------------------------------
    def start(self, name: str, argv: list[str], module: str | None = "kubelab") -> Child:
        """Run `python -m <module> <argv>` (or `argv` itself when module is None) as child `name`."""
        command = [sys.executable, "-m", module, *argv] if module else list(argv)
        child = Child(name, command, self.logs / f"{log_name(name)}.log")
        self.children.append(child)
        self._spawn(child)
        return child

    def _spawn(self, child: Child, now: float | None = None) -> None:
        with open(child.log, "ab") as log:
            child.process = subprocess.Popen(child.command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                             preexec_fn=die_with_parent)
        child.started_at = time.monotonic() if now is None else now
        child.restart_at = None
        child.paused = False

    def get(self, name: str) -> Child:
        for child in self.children:
            if child.name == name:
                return child
        raise KeyError(name)

    # -- watching ----------------------------------------------------------------------
    def exited(self) -> list[Child]:
        """Children that are not running and not meant to be (for the start-up checks)."""
        return [child for child in self.children if child.process is not None and child.process.poll() is not None]

    def poll(self, now: float | None = None) -> None:
        """Notice children that died, report them, and restart those whose backoff is over."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            if child.process is None or child.running or not child.wanted:
                continue
            if child.restart_at is None:   # newly dead: report it and decide when to restart
                code = child.process.returncode
                child.exit_codes.append(code)
                ran = now - child.started_at
                if child.backoff == 0.0 or ran > BACKOFF_RESET:
                    delay, child.backoff = 0.0, self.backoff_initial   # the first restart is immediate
                else:
                    delay, child.backoff = child.backoff, min(child.backoff * 2, BACKOFF_CAP)
                child.restart_at, child.last_delay = now + delay, delay
                self.say(f"{child.name} exited with code {code}; restarting in {delay:.0f}s "
                         f"(restart {child.restarts + 1}); see {child.log}")
            if now >= child.restart_at:
                child.restarts += 1
                self._spawn(child, now)
                self.say(f"{child.name} restarted (restart {child.restarts}, pid {child.process.pid})")

    # -- the fault verbs -------------------------------------------------------------------
    def stop_child(self, child: Child, kill: bool = False) -> None:
        """Stop one child on purpose (it stays down): SIGTERM then SIGKILL, or SIGKILL at once."""
        child.wanted = False
        child.restart_at = None
        if child.running:
            if child.paused:
                child.process.send_signal(signal.SIGCONT)
            if kill:
                child.process.kill()
            else:
                child.process.terminate()
            try:
                child.process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()

    def start_child(self, child: Child) -> None:
        """Start a child stopped on purpose (or restart a dead one now)."""
        child.wanted = True
        if not child.running:
            child.backoff = 0.0
            child.restarts += 1
            self._spawn(child)

    def crash(self, child: Child) -> None:
        """kill -9, and let supervision do what it does with any crash."""
        if child.running:
            if child.paused:
                child.paused = False
            child.process.kill()
            child.process.wait()

    def pause(self, child: Child) -> None:
        if child.running:
            child.process.send_signal(signal.SIGSTOP)
            child.paused = True

    def resume(self, child: Child) -> None:
        if child.running and child.paused:
            child.process.send_signal(signal.SIGCONT)
        child.paused = False

    # -- stopping everything -----------------------------------------------------------
    def stop(self) -> None:
        """SIGTERM everyone (newest first), wait, then SIGKILL whoever is left."""
        for child in self.children:
            child.wanted = False
        for child in reversed(self.children):
            if child.running:
                if child.paused:
                    child.process.send_signal(signal.SIGCONT)
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in reversed(self.children):
            if child.process is None:
                continue
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
