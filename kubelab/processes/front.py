"""The front: one address for several API servers, each new connection to the next in turn.

kube-apiserver "can be scaled horizontally: run several instances and balance traffic
between them". Every instance is stateless — the state is in the store they share — so any
of them can serve any request, and a load balancer in front gives clients one address:

    kubectl, kubelets, ...  ──▶  front 127.0.0.1:6443  ──▶  apiserver 127.0.0.1:A
                                  (round robin, per        apiserver 127.0.0.1:B
                                   TCP connection)         apiserver 127.0.0.1:C

It balances TCP connections, not requests, as a cloud's network load balancer in front of a
real control plane does: a client's kept-alive connection stays with one instance, and a
watch stream is simply a connection that lasts. If an instance refuses the connection, the
front tries the next one, so a stopped instance costs nothing but its share of open streams
(those end, and their clients list and watch again through the front).

It also terminates TLS (certificate.py says why the advertised port must be HTTPS): clients
speak HTTPS to the front, the front speaks plain HTTP to instances that listen on 127.0.0.1
only. Real load balancers in front of kube-apiserver usually pass TLS through and probe
/readyz; kubelab's front only skips an instance that refuses to connect. It is plumbing,
run as its own process by `kubelab up`:

    python -m kubelab.processes.front --port 6443 --tls-cert-file apiserver.crt \
        --tls-private-key-file apiserver.key 127.0.0.1:6444 127.0.0.1:6445
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import signal
import ssl
import sys

Backend = tuple[str, int]   # (host, port) of one API server


class Front:
    """A TCP proxy that gives each accepted connection to the next backend that answers."""

    def __init__(self, backends: list[Backend]):
        if not backends:
            raise ValueError("the front needs at least one backend")
        self.backends = backends
        self._turn = itertools.cycle(range(len(backends)))
        self.connections = [0] * len(backends)   # accepted so far, per backend (for lessons, tests)

    async def _connect(self):
        for _ in range(len(self.backends)):
            index = next(self._turn)
            host, port = self.backends[index]
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError:
                continue   # that instance is down: the next one
            self.connections[index] += 1
            return reader, writer
        return None

    async def handle(self, client_reader, client_writer) -> None:
        backend = await self._connect()
        if backend is None:
            client_writer.close()
            return
        server_reader, server_writer = backend
        try:
            await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))
        except asyncio.CancelledError:   # the front is stopping: drop the connection quietly
            for writer in (client_writer, server_writer):
                writer.close()

    async def serve(self, port: int, host: str = "127.0.0.1", ready=None, tls=None) -> None:
        """Accept on host:port (TLS when `tls` is an ssl.SSLContext) until SIGINT/SIGTERM."""
        server = await asyncio.start_server(self.handle, host, port, ssl=tls)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        if ready is not None:
            ready()
        async with server:
            await stop.wait()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy bytes one way until that side ends, then close the other side's writing half."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except (ConnectionError, OSError, RuntimeError):
            pass


def parse_backend(text: str) -> Backend:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kubelab.processes.front",
                                     description="round-robin TCP front for several API servers")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls-cert-file", default=None, help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-private-key-file", default=None, help="and this key (PEM)")
    parser.add_argument("backends", nargs="+", help="HOST:PORT of each API server")
    args = parser.parse_args(argv)
    tls = None
    if args.tls_cert_file:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert_file, args.tls_private_key_file)
    front = Front([parse_backend(backend) for backend in args.backends])
    scheme = "https" if tls else "http"
    asyncio.run(front.serve(args.port, tls=tls, ready=lambda: print(
        f"front listening on {scheme}://127.0.0.1:{args.port}", file=sys.stderr, flush=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
