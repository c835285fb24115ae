"""Drive a program on a pseudo-terminal, as a person at a terminal would (for `kubectl exec -it`).

`Terminal(argv, env, rows, cols)` starts the program with a pty as its stdin, stdout and
stderr (python's pty module), the window size set before it starts; `expect(text)` reads its
output until `text` appears after the last match (bounded in time, as pexpect), `send(text)` types, `resize(rows, cols)` changes
the window (the kernel sends the program SIGWINCH), `wait()` gives its exit status.
"""
from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import termios
import time


class Terminal:
    def __init__(self, argv: list[str], env: dict, rows: int = 24, cols: int = 80):
        self.pid, self.master = pty.fork()
        if self.pid == 0:   # the child: its terminal's size first, then the program
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execvpe(argv[0], argv, env)
        self.output = b""
        self.seen = 0   # where the next expect() starts looking

    def expect(self, text: str, seconds: float = 20) -> str:
        """Read until `text` shows after the last match; what came since then, up to and including it
        (AssertionError after `seconds`)."""
        deadline = time.monotonic() + seconds
        while text.encode() not in self.output[self.seen:]:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {text!r} on the terminal; it shows {self.output.decode(errors='replace')!r}")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:   # EIO: the program closed the terminal
                    chunk = b""
                if not chunk and not ready:
                    continue
                if not chunk:
                    raise AssertionError(f"the terminal closed before {text!r}: {self.output.decode(errors='replace')!r}")
                self.output += chunk
        end = self.output.index(text.encode(), self.seen) + len(text.encode())
        since, self.seen = self.output[self.seen:end], end
        return since.decode(errors="replace")

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def resize(self, rows: int, cols: int) -> None:
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def wait(self, seconds: float = 20) -> int:
        """The program's exit code (killed after `seconds`)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:   # keep draining, or the program may block writing
                if select.select([self.master], [], [], 0.1)[0]:
                    self.output += os.read(self.master, 65536)
            except OSError:
                pass
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.master)
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        os.close(self.master)
        raise AssertionError(f"still running after {seconds}s: {self.output.decode(errors='replace')!r}")
