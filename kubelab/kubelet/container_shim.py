"""The container shim: the small parent of one real container process (containerd-shim's job).

    kubelet (process runtime) ──spawns──▶ shim  (its own session; dies with the kubelet)
                                            └──▶ the container's process (same process group)

The shim does five things a bare child process could not:

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
   samples: every 0.02 s it adds up VmRSS (/proc/<pid>/status) of every process in the
   container's process group (the group's members are looked up again every second), and
   past the limit it SIGKILLs them all, writes LOGFILE.oom and exits 137. Limits of the
   sampling: an allocation faster than a sample overshoots before it is seen (the kernel would
   refuse the very page past the limit; measured: the docs' stress allocating 250M under a
   100Mi limit peaked at 108 MB, about 1 % of a core per limited container spent sampling),
   shared pages count once per process (RSS, not the cgroup's charge), and page cache is not
   counted. RLIMIT_AS was the other choice; it bounds *virtual* memory, which a Python or Go
   program reserves far beyond what it uses, and a process past it gets a failed malloc
   (MemoryError), not a SIGKILL.
5. **Live stdio** (container_io.py): it serves the process's output, and its stdin when
   the container has one (`--stdin`, the pod's `stdin: true`), on an abstract Unix socket for
   `kubectl attach`; with `--tty` the process runs on a pseudo-terminal (os.openpty, its
   controlling terminal, in its own session) whose window size a resize frame sets
   (TIOCSWINSZ). `kubectl exec` runs a shim too (`--exec`, no log): its process starts only
   once the kubelet's server has connected, so no output is lost, and its exit code goes
   out as the last frame.

The shim exits with the container's exit code (128 + N when a signal N ended it, as a shell
reports it), which is what the kubelet records in `state.terminated.exitCode`.

    python -m kubelab.kubelet.container_shim LOGFILE|- [--memory-limit BYTES] [--io ID [--stdin]
                                            [--stdin-once] [--tty] [--exec]] -- ARGV...
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time

from . import container_io

SAMPLE_SECONDS = 0.02       # how often the memory monitor reads the group's resident sets
MEMBERS_EVERY = 50          # samples between two look-ups of the group's processes (1 s)


def _stamp() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int((now % 1) * 1e9):09d}Z"


class LineLog:
    """The CRI log file: whole lines, `<time> <stream> F <text>`; a pty's \r\n ends a line too."""

    def __init__(self, path: str):
        self.file = open(path, "a", buffering=1) if path != "-" else None
        self.pending = {"stdout": b"", "stderr": b""}
        self.lock = threading.Lock()

    def feed(self, stream: str, data: bytes) -> None:
        if self.file is None:
            return
        with self.lock:
            *lines, self.pending[stream] = (self.pending[stream] + data).split(b"\n")
            for line in lines:
                text = line.rstrip(b"\r").decode(errors="replace")
                self.file.write(f"{_stamp()} {stream} F {text}\n")

    def close(self) -> None:
        for stream, rest in self.pending.items():
            if rest:
                self.feed(stream, b"\n")
        if self.file is not None:
            self.file.close()


class Stdio:
    """The process's stdin, stdout and stderr, shared by the log and every connected client."""

    def __init__(self, options: dict, log: LineLog):
        self.options, self.log = options, log
        self.clients: list[socket.socket] = []
        self.lock = threading.Lock()
        self.stdin_fd: int | None = None
        self.master: int | None = None
        self.readers: list[threading.Thread] = []
        self.first_client = threading.Event()
        self.spawned = threading.Event()   # frames wait for it: input sent early is not lost

    def spawn(self, command: list[str]) -> subprocess.Popen:
        cwd = os.environ.get("KUBELAB_CONTAINER_DIR") or None
        if self.options["tty"]:
            self.master, slave = os.openpty()
            process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, cwd=cwd,
                                       preexec_fn=_controlling_terminal)
            os.close(slave)
            self.stdin_fd = self.master if self.options["stdin"] else None
            self.readers = [threading.Thread(target=self._read, args=(self.master, "stdout"), daemon=True)]
        else:
            process = subprocess.Popen(command, stdin=subprocess.PIPE if self.options["stdin"] else subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
            self.stdin_fd = process.stdin.fileno() if process.stdin else None
            self.readers = [threading.Thread(target=self._read, args=(stream.fileno(), name), daemon=True)
                            for stream, name in ((process.stdout, "stdout"), (process.stderr, "stderr"))]
        for reader in self.readers:
            reader.start()
        self.spawned.set()
        return process

    def _read(self, fd: int, name: str) -> None:
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:   # EIO: a pty whose every slave end is closed
                data = b""
            if not data:
                return
            self.log.feed(name, data)
            self.broadcast(container_io.STDOUT if name == "stdout" else container_io.STDERR, data)

    def broadcast(self, stream: int, data: bytes) -> None:
        with self.lock:
            for client in list(self.clients):
                try:
                    client.sendall(container_io.frame(stream, data))
                except OSError:
                    self.clients.remove(client)

    # -- clients (attach, exec) ---------------------------------------------------------------
    def serve(self, container_id: str) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(container_io.address(container_id))
        listener.listen(8)
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            client, _ = listener.accept()
            with self.lock:
                self.clients.append(client)
            self.first_client.set()
            threading.Thread(target=self._from_client, args=(client,), daemon=True).start()

    def _from_client(self, client: socket.socket) -> None:
        self.spawned.wait()
        while True:
            stream, payload = container_io.read_frame(client)
            if stream is None:
                break
            if stream == container_io.STDIN and self.stdin_fd is not None:
                try:
                    os.write(self.stdin_fd, payload)
                except OSError:
                    pass
            elif stream == container_io.RESIZE and self.master is not None:
                size = json.loads(payload or b"{}")
                fcntl.ioctl(self.master, termios.TIOCSWINSZ,
                            struct.pack("HHHH", int(size.get("Height", 0)), int(size.get("Width", 0)), 0, 0))
            elif stream == container_io.CLOSE and payload[:1] == bytes([container_io.STDIN]) and self._closes():
                self.close_stdin()
        with self.lock:
            if client in self.clients:
                self.clients.remove(client)
        if self._closes():
            self.close_stdin()

    def _closes(self) -> bool:
        """Does a session's end of input close the process's stdin? An exec's, yes; an attach's
        only with the pod's stdinOnce and no TTY (containerd's rule: kubectl can't say it for a TTY)."""
        return self.options["exec"] or self.options["stdin_once"] and not self.options["tty"]

    def close_stdin(self) -> None:
        """End of input: the pipe closes; a terminal reads end-of-file (its EOF character)."""
        if self.stdin_fd is None:
            return
        try:
            if self.stdin_fd == self.master:
                os.write(self.master, b"\x04")
            else:
                os.close(self.stdin_fd)
        except OSError:
            pass
        self.stdin_fd = None

    def finish(self, code: int) -> None:
        self.spawned.set()
        for reader in self.readers:
            reader.join(1.0)
        self.broadcast(container_io.EXIT, str(code).encode())
        with self.lock:
            for client in self.clients:
                try:
                    client.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _controlling_terminal() -> None:
    """In the child, before exec: its own session, the pty as its controlling terminal, and death
    with the shim (a new session leaves the shim's process group)."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    _die_with_parent(signal.SIGKILL)


def _group_members(session: int | None = None) -> list[int]:
    """The pids of this process group (or of the container's terminal session) but the shim's."""
    group, members = os.getpgrp(), []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[2]) == group or session is not None and int(fields[3]) == session:
                members.append(int(entry))   # after "pid (comm)": state, ppid, pgrp, session
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


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _watch_memory(process: subprocess.Popen, limit: int, marker: str, session: int | None) -> None:
    """The cgroup's OOM killer, sampled: past `limit` bytes resident, SIGKILL the container."""
    members, tick = [process.pid], 0
    while process.poll() is None:
        if tick % MEMBERS_EVERY == 0:
            members = _group_members(session) or [process.pid]
        tick += 1
        if sum(_resident_bytes(pid) for pid in members) > limit:
            with open(marker, "w") as written:
                written.write(f"{limit}\n")
            _kill_all(_group_members(session))
            return
        time.sleep(SAMPLE_SECONDS)


def _die_with_parent(sig: int = signal.SIGHUP) -> None:
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass   # not Linux: the kubelet's own stop still kills the group


def _parse(argv: list[str]) -> tuple[str, dict, list[str]]:
    log_path, words = argv[0], argv[1:]
    options = {"memory_limit": None, "io": None, "stdin": False, "stdin_once": False, "tty": False, "exec": False}
    while words and words[0] != "--":
        word = words.pop(0)
        if word in ("--memory-limit", "--io"):
            options[word[2:].replace("-", "_")] = words.pop(0)
        else:
            options[word[2:].replace("-", "_")] = True
    assert words[:1] == ["--"] and words[1:], "usage: container_shim LOGFILE [options] -- ARGV..."
    return log_path, options, words[1:]


def main(argv: list[str]) -> int:
    log_path, options, command = _parse(argv)
    if os.getpgrp() != os.getpid():   # the group the shim kills must be its own, whoever started it
        os.setpgid(0, 0)
    _die_with_parent()
    if os.getppid() == 1:
        return 137   # the kubelet died before we could ask to die with it
    stdio = Stdio(options, LineLog(log_path))
    if options["io"]:
        stdio.serve(options["io"])
        if options["exec"] and not stdio.first_client.wait(30):
            return 126   # nobody came for the exec's output
    session = {}
    signal.signal(signal.SIGHUP, lambda *_: (_kill_all(_group_members(session.get("id"))), os.killpg(0, signal.SIGKILL)))
    try:
        process = stdio.spawn(command)
    except OSError as error:
        stdio.log.feed("stderr", f"exec {command[0]}: {error.strerror}\n".encode())
        stdio.finish(128)
        return 128
    session["id"] = process.pid if options["tty"] else None
    signal.signal(signal.SIGTERM, lambda *_: process.send_signal(signal.SIGTERM))
    marker = log_path + ".oom"
    if options["memory_limit"] and log_path != "-":
        threading.Thread(target=_watch_memory, args=(process, int(options["memory_limit"]), marker, session["id"]),
                         daemon=True).start()
    code = process.wait()
    code = 137 if log_path != "-" and os.path.exists(marker) else 128 - code if code < 0 else code
    stdio.finish(code)
    stdio.log.close()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
