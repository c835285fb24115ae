"""A real etcd, started for a while on 127.0.0.1: the server behind `EtcdStore`.

What it models. What a Kubernetes installer does before the API server starts: run one
etcd member, `etcd --data-dir ... --listen-client-urls ...`, and wait until it answers.
kubelab's tests, its benchmark and `kubelab up --store etcd` all start etcd this way.

Invariant: an etcd started here never outlives its owner by long. It runs under two
bounds: a watchdog shell that stops it when the owner's pipe closes (when `stop()` is
called, or the owning Python process dies however it dies), and coreutils' `timeout`,
which stops it after `max_seconds` even if the watchdog itself is killed.

Left out: clusters of several members (kubelab teaches the data model, not Raft), TLS and
authentication (127.0.0.1 only). This file is plumbing for the lessons, not one of them.
"""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

DEBIAN_PACKAGE = "etcd-server"   # Debian 12 ships etcd 3.4 under this name

# The watchdog: run the command in the background, wait for our stdin (a pipe the owner
# holds) to close, then stop the command. A background job of `sh` reads /dev/null, so
# etcd itself never holds the pipe open.
_WATCHDOG = '"$@" & child=$!; read ignored; kill -TERM "$child" 2>/dev/null; wait "$child"'


def die_with_parent() -> None:
    """In the child, before exec: ask Linux to send SIGTERM when `kubelab up` dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass   # not Linux: the SIGTERM path in stop() still applies
    if os.getppid() == 1:   # the parent died before prctl took effect
        os._exit(1)


class EtcdUnavailable(RuntimeError):
    """No etcd binary here, and none could be installed."""


def find_etcd(install: bool = False) -> str:
    """The path of an etcd binary; with `install`, try Debian's etcd-server when root."""
    for candidate in (shutil.which("etcd"), "/usr/bin/etcd"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if install and can_apt():
        install_debian_etcd()
        if os.access("/usr/bin/etcd", os.X_OK):
            return "/usr/bin/etcd"
    how = (f"apt-get install {DEBIAN_PACKAGE} failed" if install and can_apt()
           else f"install Debian's {DEBIAN_PACKAGE} (./run test does, as root; or apt-get install "
                f"{DEBIAN_PACKAGE}) or put etcd on PATH")
    raise EtcdUnavailable(f"no etcd binary found: {how}")


def can_apt() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def install_debian_etcd() -> None:
    """apt-get update && apt-get install etcd-server, quietly (a fresh CI machine runs as root)."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print(f"kubelab: installing Debian's {DEBIAN_PACKAGE} for the etcd store (apt-get, about a minute)",
          file=sys.stderr, flush=True)  # never silently
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", DEBIAN_PACKAGE]):
        try:
            done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, timeout=600,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        except subprocess.TimeoutExpired:
            raise EtcdUnavailable(f"{' '.join(command)} took over 10 minutes; gave up") from None
        if done.returncode != 0:
            raise EtcdUnavailable(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}")


def free_ports(count: int) -> list[int]:
    """`count` different TCP ports on 127.0.0.1 that nobody listens on right now."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:   # all bound at once, so the kernel hands out different ports
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def etcd_version(binary: str) -> str:
    """"3.4.23", from `etcd --version`."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    return out.split("etcd Version:")[1].split()[0] if "etcd Version:" in out else out.strip()


class EtcdProcess:
    """One etcd member on 127.0.0.1 with a fresh data directory; a context manager."""

    def __init__(self, *, binary: str | None = None, data_dir: str | None = None,
                 quota_backend_bytes: int = 0, max_request_bytes: int = 0,
                 progress_notify_interval: str = "100ms", max_seconds: int = 1800,
                 install: bool = False, extra_args: tuple[str, ...] = ()) -> None:
        self.binary = binary or find_etcd(install=install)
        self._owned_dir = None if data_dir else tempfile.mkdtemp(prefix="kubelab-etcd-")
        self.data_dir = data_dir or os.path.join(self._owned_dir, "member")
        self.options = [
            # Watches ask for progress notifications; this is how often an idle one hears
            # "nothing happened up to revision R" (EtcdStore.sync_watchers waits for it).
            "--experimental-watch-progress-notify-interval", progress_notify_interval,
            # A lone member on 127.0.0.1 has nobody to wait for: elect itself in ~50 ms, not
            # the default 1 s (this also lowers the shortest lease TTL from 2 s to 1 s).
            "--heartbeat-interval", "10", "--election-timeout", "50",
            *(["--quota-backend-bytes", str(quota_backend_bytes)] if quota_backend_bytes else []),
            *(["--max-request-bytes", str(max_request_bytes)] if max_request_bytes else []),
            *extra_args,
        ]
        self.max_seconds = max_seconds
        self.client_port = self.peer_port = 0
        self.endpoint = ""
        self._process: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        return Path(self.data_dir).parent / "etcd.log"

    def command(self) -> list[str]:
        """The etcd command line, for the ports chosen by start()."""
        peer = f"http://127.0.0.1:{self.peer_port}"
        return [self.binary, "--name", "kubelab", "--data-dir", self.data_dir,
                "--listen-client-urls", self.endpoint, "--advertise-client-urls", self.endpoint,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", f"kubelab={peer}", *self.options]

    def start(self, ready_timeout: float = 30.0, attempts: int = 3) -> "EtcdProcess":
        """Start etcd and return once it serves requests; raise with its log if it does not."""
        for attempt in range(attempts):
            self.client_port, self.peer_port = free_ports(2)
            self.endpoint = f"http://127.0.0.1:{self.client_port}"
            if self._start_once(ready_timeout):
                return self
            log = self.log_path.read_text(errors="replace")
            self._stop_process()
            if self._owned_dir:   # a half-bootstrapped member would remember the old ports
                shutil.rmtree(self.data_dir, ignore_errors=True)
            if "address already in use" not in log or attempt == attempts - 1:
                self.stop()
                raise EtcdUnavailable(f"etcd did not start on {self.endpoint}:\n{log[-3000:]}")
        raise AssertionError("unreachable")

    def _start_once(self, ready_timeout: float) -> bool:
        with open(self.log_path, "wb") as log:
            bounded = ["timeout", "--kill-after=5", str(self.max_seconds), *self.command()]
            self._process = subprocess.Popen(["sh", "-c", _WATCHDOG, "sh", *bounded],
                                             stdin=subprocess.PIPE, stdout=log, stderr=log,
                                             start_new_session=True)
        deadline = time.monotonic() + ready_timeout
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.01)  # plumbing: waiting for a real process to come up
        return True

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.endpoint + "/v3/maintenance/status", b"{}",
                                        timeout=1) as response:
                return "version" in json.loads(response.read())
        except (OSError, ValueError, urllib.error.URLError):
            return False

    def stop(self) -> None:
        """Stop etcd (the watchdog sees its pipe close) and remove the data we created."""
        self._stop_process()
        if self._owned_dir:
            shutil.rmtree(self._owned_dir, ignore_errors=True)

    def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # our own session, by its id
                process.wait()

    def __enter__(self) -> "EtcdProcess":
        return self.start() if self._process is None else self

    def __exit__(self, *exc_info) -> None:
        self.stop()
