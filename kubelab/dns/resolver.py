"""A stub resolver over the wire: what libc does with a pod's /etc/resolv.conf, for real packets.

    resolv.conf ──▶ candidates (search list, ndots) ──▶ for each nameserver: UDP question,
                    TCP again if the reply is truncated ──▶ the first answer that is not NXDOMAIN

The kubelet writes each process pod's resolv.conf into the pod's folder (ROOT/pods/<pod>/etc/
resolv.conf, the container's /etc/resolv.conf); kubelab's runnable programs (`nslookup`, `wget`
in dns/tools.py) resolve through it, so `web` from a pod in `default` reaches the cluster DNS
as web.default.svc.cluster.local. — exactly the names libc would try.

Why only kubelab's programs: a process of the host (curl, python's urllib) resolves with the
host's libc and the host's /etc/resolv.conf. Redirecting it would need a mount namespace (the
container's own /etc) — kubelab never changes the host, so it leaves host programs alone and
says so in the docs.

Invariant: each attempt waits at most `timeout` (libc's 5 s by default, `options timeout:N`) and
`attempts` rounds over the nameservers (libc's 2, `options attempts:N`); an answer's id must match.

Left out: rotate, IPv6 nameservers, EDNS(0), caching.
"""
from __future__ import annotations

import random
import socket
from dataclasses import dataclass, field

from . import wire
from .server import read_framed


@dataclass
class ResolvConf:
    nameservers: list[str] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)
    ndots: int = 1
    timeout: float = 5.0
    attempts: int = 2


def parse_resolv_conf(text: str) -> ResolvConf:
    """resolv.conf's lines as libc reads them (unknown lines are ignored, as libc ignores them)."""
    conf = ResolvConf()
    for line in text.splitlines():
        words = line.split("#", 1)[0].split(";", 1)[0].split()
        if not words:
            continue
        if words[0] == "nameserver" and len(words) > 1:
            conf.nameservers.append(words[1])
        elif words[0] in ("search", "domain"):
            conf.searches = words[1:]
        elif words[0] == "options":
            for option in words[1:]:
                key, _, value = option.partition(":")
                if key in ("ndots", "timeout", "attempts") and value.isdigit():
                    setattr(conf, key, int(value) if key != "timeout" else float(value))
    return conf


def candidates(name: str, conf: ResolvConf) -> list[str]:
    """The fully qualified names libc tries, in order (kubelet/dns.py's rule, on the wire side)."""
    if name.endswith("."):
        return [name.rstrip(".")]
    searched = [f"{name}.{domain}" for domain in conf.searches]
    return [name, *searched] if name.count(".") >= conf.ndots else [*searched, name]


class Unreachable(OSError):
    """No nameserver answered (";; connection timed out; no servers could be reached")."""


def ask(server: str, name: str, qtype: str = "A", port: int = 53, timeout: float = 5.0) -> wire.Message:
    """One question to one server: UDP, and TCP again if the reply came back truncated."""
    ident = random.randrange(1 << 16)
    packet = wire.encode(wire.query(ident, name, qtype))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(timeout)
        udp.connect((server, port))      # connected: replies from anyone else are dropped by the kernel
        udp.send(packet)
        while True:
            reply = wire.decode(udp.recv(4096))
            if reply.id == ident and reply.response:
                break
    if not reply.truncated:
        return reply
    with socket.create_connection((server, port), timeout=timeout) as tcp:
        tcp.sendall(wire.frame(packet))
        raw = read_framed(tcp)
    if raw is None:
        raise Unreachable(f"{server}: TCP connection closed")
    return wire.decode(raw)


@dataclass
class Result:
    server: str                    # the nameserver that answered ("" when none did)
    name: str                      # the name that answered (or the last one tried)
    rcode: int = wire.NOERROR
    answers: list[wire.Record] = field(default_factory=list)

    def addresses(self) -> list[str]:
        return [record.data for record in self.answers if record.type == "A"]


def resolve(name: str, conf: ResolvConf, qtype: str = "A", port: int = 53) -> Result:
    """Resolve `name` as a pod's libc would; Unreachable when no nameserver answers.

    Each candidate name is asked of the nameservers in order (SERVFAIL, REFUSED or silence: the
    next one), `attempts` rounds; the first answer with records wins, else the last NXDOMAIN or
    empty answer is the result."""
    last = None
    for fqdn in candidates(name, conf):
        result = _ask_servers(fqdn, conf, qtype, port)
        if result is not None and result.answers:
            return result
        last = result or last
    if last is None:
        raise Unreachable("no servers could be reached")
    return last


def _ask_servers(fqdn: str, conf: ResolvConf, qtype: str, port: int) -> Result | None:
    for _ in range(max(1, conf.attempts)):
        for server in conf.nameservers:
            try:
                reply = ask(server, fqdn, qtype, port, conf.timeout)
            except (OSError, wire.FormatError):
                continue               # timed out or refused: the next nameserver
            if reply.rcode in (wire.NOERROR, wire.NXDOMAIN):
                return Result(server, fqdn, reply.rcode, reply.answers)
    return None
