"""UDP through the userspace proxy: one relay per UDP Service address, a flow per client.

UDP has no connections, so the proxy keeps what the kernel's conntrack would: a *flow table*
from each client address to the endpoint its first datagram was sent to, as upstream's
userspace proxier did (pkg/proxy/userspace/proxysocket.go, udpProxySocket):

    a datagram from client C to ClusterIP:port
        C has a flow        → send it on the flow's socket (same endpoint as before)
        C has none          → ask the rules for an endpoint (KUBE-SVC-* → KUBE-SEP-*), open a
                              socket connected to it, remember the flow, send
    a reply on a flow       → send it back to C from ClusterIP:port (so C sees the address it asked)
    no reply for `timeout`  → the flow is forgotten (kube-proxy --udp-timeout, 250 ms by default);
                              C's next datagram picks an endpoint again
    the table holds MAX_FLOWS → a new client's datagram is dropped (counted), as the kernel drops
                              a packet when its conntrack table is full ("nf_conntrack: table
                              full, dropping packet"): a flood of source ports cannot take every
                              file descriptor and thread of the kube-proxy process

So DNS questions to the kube-dns ClusterIP spread over the CoreDNS pods, each client's
retransmission goes where its question went, and a pod that dies (its socket answers ICMP
port unreachable: ConnectionRefusedError) loses its flows at once.

Invariant: a flow's socket is read by exactly one thread, which removes the flow when it ends;
nothing is ever sent from an address but the Service's own.

Left out: the per-flow buffer sizes and SCTP; conntrack's clearing of stale UDP entries when
an endpoint goes (here the idle timeout and the refused socket do that job).
"""
from __future__ import annotations

import socket
import threading
from typing import Callable

Address = tuple[str, int]
UDP_IDLE_TIMEOUT = 0.25        # kube-proxy --udp-timeout (userspace mode's default)
MAX_FLOWS = 512                # per Service address; each flow is a socket and a thread
DATAGRAM = 65535


class UDPRelay:
    """Relays datagrams on `address` to the endpoint `destination(client)` names, per client."""

    def __init__(self, address: Address, destination: Callable[[Address], Address | None],
                 timeout: float = UDP_IDLE_TIMEOUT, max_flows: int = MAX_FLOWS):
        self.address, self.destination, self.timeout = address, destination, timeout
        self.max_flows = max_flows
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(address)            # OSError: another node's kube-proxy has it
        self.flows: dict[Address, socket.socket] = {}   # client → socket connected to its endpoint
        self.lock = threading.Lock()
        self.dropped = 0                     # datagrams no endpoint (or no room in the table) could take
        threading.Thread(target=self._serve, name=f"proxy-udp-{address[0]}:{address[1]}", daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                data, client = self.socket.recvfrom(DATAGRAM)
            except OSError:
                return      # closed: the Service port is gone
            if client is None:
                return      # shut down (close())
            flow = self._flow(client)
            if flow is None:
                self.dropped += 1    # no ready endpoint: upstream logs "Couldn't find an endpoint"
                continue
            try:
                flow.send(data)
            except OSError:
                self._forget(client, flow)

    def _flow(self, client: Address) -> socket.socket | None:
        with self.lock:
            flow = self.flows.get(client)
            full = flow is None and len(self.flows) >= self.max_flows
        if flow is not None or full:
            return flow
        endpoint = self.destination(client)
        if endpoint is None:
            return None
        flow = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            flow.connect(endpoint)
        except OSError:
            flow.close()
            return None
        flow.settimeout(self.timeout)
        with self.lock:
            self.flows[client] = flow
        threading.Thread(target=self._replies, args=(client, flow), daemon=True).start()
        return flow

    def _replies(self, client: Address, flow: socket.socket) -> None:
        """Carry the endpoint's replies back to the client until the flow is idle `timeout`."""
        while True:
            try:
                data = flow.recv(DATAGRAM)
            except OSError:   # idle (socket.timeout), refused (the pod is gone), or closed
                break
            try:
                self.socket.sendto(data, client)
            except OSError:
                break
        self._forget(client, flow)

    def _forget(self, client: Address, flow: socket.socket) -> None:
        with self.lock:
            if self.flows.get(client) is flow:
                del self.flows[client]
        _close(flow)

    def close(self) -> None:
        with self.lock:
            flows, self.flows = list(self.flows.values()), {}
        for sock in (self.socket, *flows):
            _close(sock)


def _close(sock: socket.socket) -> None:
    """Close a socket another thread may be blocked reading: shut it down first, or the blocked
    read keeps the port bound (Linux does not wake a reader on close)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
