"""Copying bytes between two connected sockets until either side is done: the one "pump".

Two places in kubelab join two TCP connections and then step aside:

    the API server     kubectl ⇄ API server ⇄ kubelet     after an exec/attach/port-forward
                       upgrade (upstream's UpgradeAwareHandler, apiserver/http/upgrade.py)
    kube-proxy         client ⇄ proxy ⇄ pod IP:port        a userspace Service connection
                       (proxy/userspace.py)

Both need the same thing, upstream's `io.Copy` in each direction: read what one side sends,
write it all to the other, and when one side closes (or fails), shut both down so the other
direction's reader wakes up and the pair ends together. It lives here, below every layer,
because the API server and kube-proxy may not import each other.

Invariant: `splice` returns only when both directions have stopped copying (or the second
one has had `linger` seconds to follow the first); both sockets are shut down by then.
Left out: half-close (a FIN passed on while the other direction keeps going) — neither
protocol carried here needs it (WebSocket and SPDY end with their own close frames; HTTP
through the proxy ends when the connection does).
"""
from __future__ import annotations

import socket
import threading

CHUNK = 65536


def pump(source: socket.socket, target: socket.socket) -> None:
    """Copy `source` → `target` until `source` closes or either fails; then shut both down."""
    try:
        while True:
            data = source.recv(CHUNK)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for side in (source, target):
            try:
                side.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def splice(first: socket.socket, second: socket.socket, name: str = "splice", linger: float = 5.0) -> None:
    """Copy both ways between two connected sockets (second → first on a thread, first →
    second here) until they are done."""
    back = threading.Thread(target=pump, args=(second, first), name=name, daemon=True)
    back.start()
    pump(first, second)
    back.join(linger)
