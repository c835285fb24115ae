"""Passing an upgraded connection through to a kubelet (upstream's UpgradeAwareHandler).

`kubectl exec` asks the API server to upgrade its connection (a WebSocket). Once the request
is authenticated and authorized and the exec subresource has named the kubelet's address,
the API server opens a connection to the kubelet, sends it the same request (same query,
same Upgrade headers, no credentials), and from then on copies bytes both ways: the
kubelet's `101 Switching Protocols` and every frame after it reach kubectl unchanged, and
kubectl's frames reach the kubelet. When either side closes, both do.
"""
from __future__ import annotations

import socket
from urllib.parse import urlsplit

from ...api import errors
from ...net.pump import splice

HOP_BY_HOP = {"authorization", "host", "content-length", "transfer-encoding", "impersonate-user",
              "impersonate-group"}


def pass_through(handler, marker: dict) -> int:
    """Connect to the kubelet, replay the request there, then splice the two connections."""
    query = urlsplit(handler.path).query
    try:
        backend = socket.create_connection((marker["host"], marker["port"]), timeout=10)
    except OSError as error:
        raise errors.ApiError(errors.status(500, "InternalError", f"error dialing backend: {error}")) from None
    backend.settimeout(None)
    lines = [f"{handler.command} {marker['path']}{'?' + query if query else ''} HTTP/1.1",
             f"Host: {marker['host']}:{marker['port']}"]
    lines += [f"{name}: {value}" for name, value in handler.headers.items() if name.lower() not in HOP_BY_HOP]
    backend.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    handler.wfile.flush()
    client = handler.connection
    client.settimeout(None)
    splice(client, backend, name="exec-to-client")
    backend.close()
    handler.close_connection = True
    return 101
