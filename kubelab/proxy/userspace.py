"""Real traffic for `kubelab up --runtime process`: a userspace proxy on each Service's address.

With the process runtime every pod IP is a loopback address with a real server behind it,
and the API server hands out ClusterIPs from a loopback range too (127.96.0.0/16). What is
missing is the kernel's part: nobody loads kube-proxy's iptables rules into a kernel here
(kubelab never touches the host's network). So this proxy does in user space what the
rules say:

    after each syncProxyRules         listen on every ClusterIP:port (and 127.0.0.1:nodePort), TCP
                                      and UDP
    a connection arrives              ask the node's own rules where it goes: KubeProxy.route()
                                      walks KUBE-SERVICES → KUBE-SVC-* → KUBE-SEP-* (random
                                      choice, ClientIP affinity) and answers the endpoint
    then                              connect to that pod IP:port and copy bytes both ways

So `curl http://<ClusterIP>:<port>` reaches a ready pod chosen exactly as the rules choose,
and moves when the endpoints change. A pod that refuses the connection (it has just gone) is
skipped: the proxy asks the rules again, up to four times, as upstream's userspace proxy did. Upstream had a userspace proxy mode until v1.26 (a
listening socket per Service port, as here); it chose round robin instead of the rules.

All nodes share this machine's loopback, so two kube-proxies cannot both listen on one
address: the first to bind it carries the traffic, the others try again at each sync and take
over when it stops. UDP Service ports get a relay with a per-client flow table (udp_relay.py).
Left out: SCTP, externalIPs and LoadBalancer ingress addresses.
"""
from __future__ import annotations

import ipaddress
import socket
import threading

from ..net.pump import splice
from .proxier import KubeProxy
from .udp_relay import UDP_IDLE_TIMEOUT, UDPRelay

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
Address = tuple[str, int]
CONNECT_TIMEOUTS = (0.25, 0.5, 1.0, 2.0)   # seconds per attempt (upstream userspace's EndpointDialTimeouts)


class UserspaceKubeProxy(KubeProxy):
    """kube-proxy whose rules also carry real TCP connections and UDP datagrams on loopback."""
    udp_timeout = UDP_IDLE_TIMEOUT   # --udp-timeout: how long an idle UDP flow is kept

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.listeners: dict[Address, socket.socket] = {}   # TCP: what this proxy listens on now
        self.relays: dict[Address, UDPRelay] = {}           # UDP: one relay per Service address

    def sync_proxy_rules(self) -> None:
        super().sync_proxy_rules()
        self._reconcile_listeners()

    def wanted_addresses(self, protocol: str = "TCP") -> set[Address]:
        """Every Service port of `protocol` on a loopback ClusterIP, and its nodePort on 127.0.0.1."""
        wanted = set()
        for service in self.services.list():
            spec = service.get("spec") or {}
            cluster_ip = spec.get("clusterIP")
            for port in spec.get("ports") or []:
                if port.get("protocol", "TCP") != protocol:
                    continue
                if cluster_ip and cluster_ip != "None" and ipaddress.ip_address(cluster_ip) in LOOPBACK:
                    wanted.add((cluster_ip, int(port["port"])))
                if port.get("nodePort"):
                    wanted.add(("127.0.0.1", int(port["nodePort"])))
        return wanted

    def _reconcile_listeners(self) -> None:
        self._reconcile_relays()
        wanted = self.wanted_addresses()
        for address in [a for a in self.listeners if a not in wanted]:
            self.listeners.pop(address).close()
        for address in wanted - set(self.listeners):
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind(address)
                listener.listen(128)
            except OSError:     # another node's kube-proxy has it (one loopback for all): next sync
                listener.close()
                continue
            self.listeners[address] = listener
            threading.Thread(target=self._accept, args=(address, listener), name=f"proxy-{address[0]}:{address[1]}",
                             daemon=True).start()

    def _reconcile_relays(self) -> None:
        """UDP Service ports: a relay each (udp_relay.py), closed when the port goes."""
        wanted = self.wanted_addresses("UDP")
        for address in [a for a in self.relays if a not in wanted]:
            self.relays.pop(address).close()
        for address in wanted - set(self.relays):
            try:
                self.relays[address] = UDPRelay(address, lambda peer, a=address: self._destination(a, peer, "UDP"),
                                                self.udp_timeout)
            except OSError:     # another node's kube-proxy has it: next sync
                continue

    def _accept(self, address: Address, listener: socket.socket) -> None:
        while True:
            try:
                connection, peer = listener.accept()
            except OSError:
                return   # closed: the Service is gone
            threading.Thread(target=self._forward, args=(address, connection, peer), daemon=True).start()

    def _destination(self, address: Address, peer: Address, protocol: str = "TCP") -> Address | None:
        """Ask the rules, on the proxy's own thread, where a connection to `address` goes."""
        done, answer = threading.Event(), {}

        def ask() -> None:
            ip, port = address
            if ip == "127.0.0.1":   # a nodePort: the rules know it on the node's own address
                ip = next(iter(sorted(self.node_addresses)), ip)
            answer["route"] = self.route(ip, port, protocol, source_ip=peer[0])
            done.set()
        self.clock.call_soon_threadsafe(ask)
        if not done.wait(5):
            return None
        return getattr(answer.get("route"), "destination", None)

    def _forward(self, address: Address, connection: socket.socket, peer: Address) -> None:
        upstream = None
        for timeout in CONNECT_TIMEOUTS:   # upstream's userspace proxier tried again, likewise
            destination = self._destination(address, peer)
            if destination is None:   # no ready endpoint: the REJECT rule's answer, connection refused
                break
            try:
                upstream = socket.create_connection(destination, timeout=timeout)
                break
            except OSError:   # the pod just went (or is not listening yet): ask the rules again
                continue
        if upstream is None:
            connection.close()
            return
        upstream.settimeout(None)
        splice(connection, upstream, name=f"proxy-{destination[0]}:{destination[1]}", linger=0)

    def stop(self) -> None:
        super().stop()
        for listener in self.listeners.values():
            listener.close()
        self.listeners.clear()
        for relay in self.relays.values():
            relay.close()
        self.relays.clear()
