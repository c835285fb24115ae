"""A container's live stdio, as the container shim serves it: what `attach` and `exec -it` plug into.

Upstream, containerd's shim holds each container's stdin, stdout and stderr (FIFOs, or a pty's
master when the container asked for a TTY), and the CRI streaming server connects an
`attach` or `exec` session to them. kubelab's shim (container_shim.py) does the same on a
Unix socket in Linux's abstract namespace (no file to clean up, no path-length limit): every
client gets the output from the moment it connects and may write to the process's stdin.

    frame   one byte naming the stream, four bytes of length (big-endian), the bytes
    streams the channel numbers of Kubernetes' remote-command protocol, so a learner reads
            one table:  0 stdin (to the process)   1 stdout   2 stderr
                        3 exit (from the shim: the exit code, as text, then the shim closes)
                        4 resize (JSON {"Width": w, "Height": h}: the pty's window size)
                        255 close (stdin is done: the pipe closes, a pty gets end-of-file)

Invariant: a client hears output only from its own start, and the exit frame is the last one.
Left out: containerd's log rotation and the "stdinOnce" replay of early input.
"""
from __future__ import annotations

import socket
import struct

STDIN, STDOUT, STDERR, EXIT, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
_HEADER = struct.Struct("!BI")


def address(container_id: str) -> str:
    """The abstract socket a container's shim listens on (one per container id)."""
    return "\0kubelab-io-" + container_id.split("://")[-1]   # ids are unique machine-wide (pid, time, count)


def frame(stream: int, payload: bytes) -> bytes:
    return _HEADER.pack(stream, len(payload)) + payload


def _exactly(connection: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frame(connection: socket.socket) -> tuple[int | None, bytes]:
    """One frame: (stream, payload); (None, b"") when the other side closed."""
    try:
        head = _exactly(connection, _HEADER.size)
        if head is None:
            return None, b""
        stream, length = _HEADER.unpack(head)
        payload = _exactly(connection, length) if length else b""
    except OSError:
        return None, b""
    return (None, b"") if payload is None else (stream, payload)


def connect(container_id: str, timeout: float = 5.0) -> socket.socket:
    """A connection to the container's shim (OSError when it is not listening)."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(timeout)
    connection.connect(address(container_id))
    connection.settimeout(None)
    return connection
