"""A watcher too slow to read its events is ended, as upstream's watch cache does (issue 12, point 7).

Without a bound, the API server would hold every event for a client that stopped reading, as
long as it kept writing: memory without end. These stories use a raw socket that reads
nothing, real threads and the wall clock, bounded by timeouts.
"""
from __future__ import annotations

import http.client
import json
import socket
import time

from kubelab.apiserver.http import start_apiserver, watch_stream

BIG = "x" * 20_000   # each event is about 20 kB: the socket's buffers fill after a few dozen


def configmap(number: int) -> bytes:
    return json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{number}"},
                       "data": {"big": BIG}}).encode()


def test_a_watcher_that_stops_reading_is_ended_and_its_stream_closes(monkeypatch, capfd):
    monkeypatch.setattr(watch_stream, "QUEUE_LIMIT", 20)
    running = start_apiserver(port=0)
    try:
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)   # a reader that cannot keep up
        slow.settimeout(20)
        slow.connect(("127.0.0.1", running.http.port))
        slow.sendall(b"GET /api/v1/namespaces/default/configmaps?watch=true HTTP/1.1\r\nHost: kubelab\r\n\r\n")
        assert slow.recv(12).startswith(b"HTTP/1.1 200")   # the watch is open; now stop reading
        writer = http.client.HTTPConnection("127.0.0.1", running.http.port, timeout=20)
        said, written = "", 0
        # Write until the API server gives up on the watcher (the socket buffers between
        # them hold a few MiB at most: 1,000 events of 20 kB are far more than they take).
        while "watcher close due to unresponsiveness" not in said and written < 1000:
            writer.request("POST", "/api/v1/namespaces/default/configmaps", configmap(written),
                           {"Content-Type": "application/json"})
            writer.getresponse().read()
            written += 1
            if written % 20 == 0:
                said += capfd.readouterr().err
        deadline = time.monotonic() + 20
        while "watcher close due to unresponsiveness" not in said and time.monotonic() < deadline:
            time.sleep(0.05)
            said += capfd.readouterr().err
        assert "Forcing configmaps watcher close due to unresponsiveness" in said
        # The client now sees its stream end (and would list again), short of every event.
        received = b""
        while chunk := slow.recv(65536):
            received += chunk
        assert received.count(b'"type":"ADDED"') < written
        # The API server itself is unharmed: a new watcher hears new writes.
        writer.request("GET", "/api/v1/namespaces/default/configmaps?limit=1")
        assert json.loads(writer.getresponse().read())["kind"] == "ConfigMapList"
    finally:
        running.stop()
