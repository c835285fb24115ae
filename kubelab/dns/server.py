"""The cluster DNS server on the wire: UDP and TCP port 53, as the CoreDNS pods listen.

    a pod's resolver ──UDP 53──▶ kube-dns ClusterIP ──kube-proxy──▶ CoreDNS pod IP:53 ──▶ DNSServer
                                                                         │ cluster.local: ClusterDNS.lookup
                                                                         │ anything else: forward

What it models: the serving half of CoreDNS with kubeadm's Corefile — `kubernetes cluster.local`
answers from the informers (dns/coredns.py), authoritative, with the zone's SOA in the authority
section of an NXDOMAIN or an empty (NODATA) answer, so a resolver can cache the miss; `forward .
/etc/resolv.conf` sends other names to the node's resolver. Each UDP question is answered in
its own thread; a UDP reply over 512 bytes comes back truncated (TC) and the client asks again
over TCP (two-byte length prefix, several questions per connection). At most MAX_IN_FLIGHT
questions and TCP clients are served at once; past that a UDP question is dropped (the client
asks again after its timeout, as it would of a server under load) and a TCP client is closed at
once, so a flood cannot take every thread of the process.

Invariant: every packet gets exactly one reply with its id — FORMERR for one that is not a
DNS question, SERVFAIL when the answer itself fails — and the server never listens beyond the
address it is given (kubelab binds only loopback).

Left out: the cache plugin (answers come from informer caches anyway), EDNS(0), zone transfers,
PTR records for in-addr.arpa (NXDOMAIN), and forwarding anything but A questions: the node's
resolver is asked through libc (getaddrinfo), which is what `forward . /etc/resolv.conf` reaches.
"""
from __future__ import annotations

import ipaddress
import socket
import struct
import threading
from typing import Callable

from . import wire

Answer = tuple[str, list, list]            # (rcode name, answers, additional) as ClusterDNS.lookup gives
Lookup = Callable[[str, str], Answer]
MAX_IN_FLIGHT = 128                        # questions (UDP) and connections (TCP) served at once
RCODES = {"NOERROR": wire.NOERROR, "NXDOMAIN": wire.NXDOMAIN, "REFUSED": wire.REFUSED,
          "SERVFAIL": wire.SERVFAIL}


def forward_to_host(name: str, qtype: str) -> Answer:
    """`forward . /etc/resolv.conf`: ask the node's own resolver (A only; others NODATA)."""
    if qtype != "A":
        return "NOERROR", [], []
    try:
        infos = socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_STREAM)
    except socket.gaierror as error:
        return ("NXDOMAIN" if error.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5))
                else "SERVFAIL"), [], []
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    return "NOERROR", [(name, "A", address) for address in addresses], []


class DNSServer:
    """Answers DNS questions on `ip:port` (UDP and TCP) from `lookup`, forwarding the rest."""

    def __init__(self, lookup: Lookup, ip: str, port: int = 53, domain: str = "cluster.local", ttl: int = 30,
                 forward: Lookup | None = forward_to_host):
        if not ipaddress.ip_address(ip).is_loopback:
            raise ValueError(f"refusing to listen on {ip}: kubelab's DNS server binds only loopback addresses")
        self.lookup, self.ip, self.port, self.domain, self.ttl = lookup, ip, port, domain, ttl
        self.forward = forward
        self.slots = threading.BoundedSemaphore(MAX_IN_FLIGHT)
        self.dropped = 0   # questions or connections refused for want of a slot
        self.udp: socket.socket | None = None
        self.tcp: socket.socket | None = None
        self.queries = 0          # questions answered, for the metrics CoreDNS keeps

    def soa(self) -> wire.Record:
        """The zone's SOA, as CoreDNS's kubernetes plugin writes it."""
        return wire.Record(self.domain, "SOA", f"ns.dns.{self.domain} hostmaster.{self.domain} "
                                              f"1700000000 7200 1800 86400 {self.ttl}", self.ttl)

    def in_zone(self, name: str) -> bool:
        return name == self.domain or name.endswith("." + self.domain)

    def reply(self, packet: bytes) -> wire.Message | None:
        """The reply to one packet (None for a packet too broken to have an id, or a reply)."""
        try:
            question = wire.decode(packet)
        except wire.FormatError:
            if len(packet) < 2:
                return None
            return wire.Message(struct.unpack("!H", packet[:2])[0], response=True, rcode=wire.FORMERR,
                                recursion_desired=False)
        if question.response:
            return None
        reply = wire.Message(question.id, question.qname, question.qtype, response=True,
                             recursion_desired=question.recursion_desired, recursion_available=True)
        local = self.in_zone(question.qname) or question.qname.endswith(".in-addr.arpa")
        try:
            if question.qname.endswith(".in-addr.arpa"):
                rcode, answers, additional = "NXDOMAIN", [], []
            elif local:
                rcode, answers, additional = self.lookup(question.qname, question.qtype)
            elif self.forward is not None:
                rcode, answers, additional = self.forward(question.qname, question.qtype)
            else:
                rcode, answers, additional = "REFUSED", [], []
        except Exception:   # a bug or a broken cache: the resolver hears SERVFAIL and tries again
            rcode, answers, additional = "SERVFAIL", [], []
        reply.rcode, reply.authoritative = RCODES.get(rcode, wire.SERVFAIL), local
        reply.answers = [wire.Record(name, kind, data, self.ttl) for name, kind, data in answers]
        reply.additional = [wire.Record(name, kind, data, self.ttl) for name, kind, data in additional]
        if local and not reply.answers and reply.rcode in (wire.NOERROR, wire.NXDOMAIN):
            reply.authority = [self.soa()]
        self.queries += 1
        return reply

    # -- serving ---------------------------------------------------------------------------
    def start(self) -> "DNSServer":
        """Bind UDP and TCP on ip:port (OSError, as CoreDNS's "bind: permission denied", if it can't)."""
        wanted = self.port
        for _ in range(20 if wanted == 0 else 1):   # port 0 (tests): one free port for both protocols
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind((self.ip, wanted))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind((self.ip, self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
                if wanted:
                    raise
        else:
            raise OSError(f"no port free for both UDP and TCP on {self.ip}")
        self.tcp.listen(64)
        threading.Thread(target=self._serve_udp, name="dns-udp", daemon=True).start()
        threading.Thread(target=self._serve_tcp, name="dns-tcp", daemon=True).start()
        return self

    def _serve_udp(self) -> None:
        while True:
            try:
                packet, client = self.udp.recvfrom(4096)
            except OSError:
                return   # closed
            if client is None:
                return   # shut down (stop())
            if not self.slots.acquire(blocking=False):
                self.dropped += 1
                continue
            threading.Thread(target=self._answer_udp, args=(packet, client), daemon=True).start()

    def _answer_udp(self, packet: bytes, client) -> None:
        try:
            reply = self.reply(packet)
            if reply is not None:
                try:
                    self.udp.sendto(wire.encode(reply, limit=wire.UDP_LIMIT), client)
                except OSError:
                    pass
        finally:
            self.slots.release()

    def _serve_tcp(self) -> None:
        while True:
            try:
                connection, _ = self.tcp.accept()
            except OSError:
                return
            if not self.slots.acquire(blocking=False):
                self.dropped += 1
                connection.close()
                continue
            threading.Thread(target=self._answer_tcp, args=(connection,), daemon=True).start()

    def _answer_tcp(self, connection: socket.socket) -> None:
        connection.settimeout(10)   # CoreDNS's idle timeout for a TCP client is 10 s
        with connection:
            try:
                self._answer_framed(connection)
            finally:
                self.slots.release()

    def _answer_framed(self, connection: socket.socket) -> None:
        while True:
            packet = read_framed(connection)
            if packet is None:
                return
            reply = self.reply(packet)
            if reply is None:
                return
            connection.sendall(wire.frame(wire.encode(reply)))

    def stop(self) -> None:
        for sock in (self.udp, self.tcp):
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)   # wake the blocked reader: the port is free at once
                except OSError:
                    pass
                sock.close()


def read_framed(connection: socket.socket) -> bytes | None:
    """One DNS-over-TCP message (None at the end of the stream or on a timeout)."""
    def read(count: int) -> bytes | None:
        data = b""
        while len(data) < count:
            try:
                chunk = connection.recv(count - len(data))
            except OSError:
                return None
            if not chunk:
                return None
            data += chunk
        return data
    head = read(2)
    return None if head is None else read(struct.unpack("!H", head)[0])
