"""A `kubelab up` for stories that break it: start it, read what it says, fault it, ask it things.

Bounded twice, as in test_kubelab_up.py: `kubelab up --timeout` and coreutils' `timeout`
around it, so nothing outlives a killed test run. Output is read by a thread, so waiting
for a line never blocks on the pipe. Waits use the wall clock: these stories test processes.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from kubelab.client import ApiError, Client
from kubelab.client.http import HTTPTransport
from kubelab.store.etcd_process import free_ports

ROOT = Path(__file__).resolve().parents[2]


class RunningUp:
    def __init__(self, data_dir: Path, *args: str, bound: int = 300, ready: str = "kubelab is ready",
                 wait: float = 120):
        self.dir = Path(data_dir)
        self.port, = free_ports(1)
        self.process = subprocess.Popen(
            ["timeout", "-k", "5", str(bound), sys.executable, "-m", "kubelab", "up", "--port", str(self.port),
             "--data-dir", str(self.dir), "--timeout", str(bound - 20), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if ready:
            self.wait_for(ready, wait)
            self.client = Client(HTTPTransport.from_kubeconfig(str(self.dir / "kubeconfig")), "kubectl")

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, seconds: float, after: int = 0) -> None:
        """Wait for `text` in the output (from line `after` on)."""
        deadline = time.monotonic() + seconds
        while text not in "".join(self.lines[after:]):
            if time.monotonic() > deadline or (self.process.poll() is not None and not self._reader.is_alive()):
                logs = "".join(f"\n--- {p.name}\n{p.read_text(errors='replace')[-1200:]}"
                               for p in sorted((self.dir / "logs").glob("*.log")))
                raise AssertionError(f"no {text!r} from kubelab up:\n{self.output}{logs}")
            time.sleep(0.1)

    def fault(self, *words: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kubelab", "fault", "--data-dir", str(self.dir), *words],
                              capture_output=True, text=True, timeout=60, cwd=ROOT)

    def eventually(self, check, seconds: float, what: str):
        """Poll `check()` (API errors count as "not yet") until it is truthy."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                result = check()
            except ApiError:
                result = None
            if result:
                return result
            time.sleep(0.5)
        raise AssertionError(f"timed out after {seconds}s waiting for {what}\n{self.output[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)   # `timeout` hands it on to kubelab up
            self.process.wait(30)
        self._reader.join(5)
