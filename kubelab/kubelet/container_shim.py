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

4. **The memory limit** (`--memory-limit BYTES`, the container's `resources.limits.memory`).
   A real container lives in a memory cgroup; when its pages pass the limit the kernel's OOM
   killer SIGKILLs it on the allocation itself, and containerd's shim hears the cgroup's OOM
   event, so the kubelet reports `OOMKilled`, exit code 137. Without cgroups, this shim
   samples: every 0.1 s it adds up VmRSS (/proc/<pid>/status) of every process in the
   container's process group (the group's members are looked up again every second), and
   past the limit it SIGKILLs them all, writes LOGFILE.oom and exits 137. Limits of the
   sampling: an allocation faster than 0.1 s overshoots before it is seen (the kernel would
   refuse the very page past the limit), shared pages count once per process (RSS, not the
   cgroup's charge), and page cache is not counted. RLIMIT_AS was the other choice; it
   bounds *virtual* memory, which a Python or Go program reserves far beyond what it uses,
   and a process past it gets a failed malloc (MemoryError), not a SIGKILL.

The shim exits with the container's exit code (128 + N when a signal N ended it, as a shell
reports it), which is what the kubelet records in `state.terminated.exitCode`.

    python -m kubelab.kubelet.container_shim LOGFILE [--memory-limit BYTES] -- ARGV...
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


SAMPLE_SECONDS = 0.1        # how often the memory monitor reads the group's resident sets
MEMBERS_EVERY = 10          # samples between two look-ups of the group's processes


def _group_members() -> list[int]:
    """The pids of this process group but the shim itself: the container's processes."""
    group, members = os.getpgrp(), []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[2]) == group:   # after "pid (comm)": state, ppid, pgrp
                members.append(int(entry))
    return members


def _resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _watch_memory(process: subprocess.Popen, limit: int, log_path: str) -> None:
    """The cgroup's OOM killer, sampled: past `limit` bytes resident, SIGKILL the container."""
    members, tick = [process.pid], 0
    while process.poll() is None:
        if tick % MEMBERS_EVERY == 0:
            members = _group_members() or [process.pid]
        tick += 1
        if sum(_resident_bytes(pid) for pid in members) > limit:
            with open(log_path + ".oom", "w") as marker:
                marker.write(f"{limit}\n")
            for pid in _group_members():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            return
        time.sleep(SAMPLE_SECONDS)


def main(argv: list[str]) -> int:
    log_path, argv = argv[0], argv[1:]
    limit = None
    if argv[:1] == ["--memory-limit"]:
        limit, argv = int(argv[1]), argv[2:]
    separator, command = argv[0], argv[1:]
    assert separator == "--" and command, "usage: container_shim LOGFILE [--memory-limit BYTES] -- ARGV..."
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
        if limit is not None:
            threading.Thread(target=_watch_memory, args=(process, limit, log_path), daemon=True).start()
        code = process.wait()
        for reader in readers:
            reader.join(1.0)
    if os.path.exists(log_path + ".oom"):
        return 137
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
