"""The container shim: the small parent of one real container process (containerd-shim's job).

    kubelet (process runtime) ──spawns──▶ shim  (its own session; dies with the kubelet)
                                            └──▶ the container's process (same process group)

The shim does three things a bare child process could not:

1. **Logs in CRI's format.** It reads the process's stdout and stderr and appends each line
   to the container's log file as `<RFC 3339 nano time> stdout F <text>`, the format the
   kubelet reads for `kubectl logs` (with timestamps, --since, --tail).
2. **No orphans.** It asks the kernel for SIGHUP when the kubelet dies (the parent-death
   signal) and then kills its whole process group with SIGKILL — the container's process and
   anything it started. A kubelet that stops normally kills the group itself.
3. **Graceful stop.** SIGTERM to the shim is passed on to the container's process, which may
   exit by itself; the kubelet sends SIGKILL to the group when the grace period is over.

The shim exits with the container's exit code (128 + N when a signal N ended it, as a shell
reports it), which is what the kubelet records in `state.terminated.exitCode`.

    python -m kubelab.kubelet.container_shim LOGFILE -- ARGV...
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time


def _stamp() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int((now % 1) * 1e9):09d}Z"


def _copy(stream, name: str, log, lock: threading.Lock) -> None:
    for raw in iter(stream.readline, b""):
        text = raw.decode(errors="replace").rstrip("\n")
        with lock:
            log.write(f"{_stamp()} {name} F {text}\n")
            log.flush()


def _die_with_parent() -> None:
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGHUP)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass   # not Linux: the kubelet's own stop still kills the group


def main(argv: list[str]) -> int:
    log_path, separator, command = argv[0], argv[1], argv[2:]
    assert separator == "--" and command, "usage: container_shim LOGFILE -- ARGV..."
    _die_with_parent()
    if os.getppid() == 1:
        return 137   # the kubelet died before we could ask to die with it
    signal.signal(signal.SIGHUP, lambda *_: os.killpg(0, signal.SIGKILL))
    with open(log_path, "a", buffering=1) as log:
        lock = threading.Lock()
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, cwd=os.environ.get("KUBELAB_CONTAINER_DIR") or None)
        except OSError as error:
            log.write(f"{_stamp()} stderr F exec {command[0]}: {error.strerror}\n")
            return 128
        signal.signal(signal.SIGTERM, lambda *_: process.send_signal(signal.SIGTERM))
        readers = [threading.Thread(target=_copy, args=(stream, name, log, lock), daemon=True)
                   for stream, name in ((process.stdout, "stdout"), (process.stderr, "stderr"))]
        for reader in readers:
            reader.start()
        code = process.wait()
        for reader in readers:
            reader.join(1.0)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
