"""Cluster DNS under the default `kubelab up` (simulated runtime): `kubelab dns`, one process.

In a notebook `Cluster` runs ClusterDNS (dns/coredns.py) beside the nodes as an add-on and the
kube-system/kube-dns Service names it at the service range's tenth address (10.96.0.10). Under
`kubelab up --runtime process` kubeadm's real CoreDNS pods serve it (dns_addon.py). Under the
default, simulated runtime there are no real pod networks to send a packet through, so kubelab
does what the notebook does, across processes:

    kubelab up ──▶ ServiceAccount, ClusterRole/Binding system:coredns, Service kube-dns (kubeadm's)
               ──▶ `kubelab dns --kubeconfig kubeconfigs/dns --port P` (supervised, like the rest):
                   ClusterDNS's informers (list/watch services, endpoints as the coredns
                   ServiceAccount) behind the real wire server (dns/server.py) on 127.0.0.1:P
    simulated pod `nslookup web` ──▶ its resolv.conf (nameserver 10.96.0.10, search …) ──▶ the
                   kubelet (`--dns-server 127.0.0.1:P`) sends each question over UDP
                   (dns/resolver.py) to 127.0.0.1:P, as kube-proxy would relay 10.96.0.10:53

Invariant: a simulated pod asks the DNS process only for its cluster DNS address (any other
nameserver is the node's resolver: NXDOMAIN), and a DNS server that does not answer is "no
servers could be reached", as in a notebook with `coredns` stopped.

Left out: the coredns Deployment and its pods (no lesson's pod list changes, as in a notebook:
kube-dns selects no pods and has no endpoints), a real 10.96.0.10:53 (an unprivileged port on
loopback instead), forwarding names outside cluster.local (the server REFUSES them and the pod
hears NXDOMAIN, as in a notebook: the host's resolver is not the simulated node's).
"""
from __future__ import annotations

import signal
import sys

from ..client import Client
from .dns_addon import install, objects

# The static token's identity: the coredns ServiceAccount, which system:coredns is bound to.
IDENTITY = ("system:serviceaccount:kube-system:coredns", "system:serviceaccounts,system:serviceaccounts:kube-system")


def install_simulated(client: Client, dns_ip: str) -> list[str]:
    """kubeadm's add-on objects but the ConfigMap and the Deployment (the server is `kubelab dns`)."""
    wanted = [(resource, obj) for resource, obj in objects(dns_ip, "") if resource not in ("configmaps", "deployments")]
    return install(client, dns_ip, "", wanted)


def wire_query(address: str, cluster_dns: str):
    """The simulated runtime's DNS hook: questions to `cluster_dns` go over UDP to `address`
    ("127.0.0.1:P"); None when nothing answers, [] for NXDOMAIN or no data."""
    from ..dns import wire
    from ..dns.resolver import ask
    host, _, port = address.rpartition(":")

    def query(server: str, name: str, qtype: str):
        if server != cluster_dns:
            return []                 # the node's own resolver knows no cluster names
        try:
            reply = ask(host or "127.0.0.1", name.rstrip("."), qtype, int(port), timeout=2.0)
        except (OSError, wire.FormatError):
            return None
        if reply.rcode not in (wire.NOERROR, wire.NXDOMAIN, wire.REFUSED):
            return None               # SERVFAIL: as if this server had not answered
        # REFUSED (a name outside cluster.local, not forwarded): NXDOMAIN, as in a notebook
        return [record.data for record in reply.answers if record.type in (qtype, "CNAME")]
    return query


def run(kubeconfig: str, port: int, ip: str = "127.0.0.1") -> int:
    """`kubelab dns`: ClusterDNS over the API behind the wire server, until SIGINT/SIGTERM."""
    from ..client.http import HTTPTransport
    from ..clock import RealClock
    from ..dns import ClusterDNS
    from ..dns.server import DNSServer
    clock = RealClock()
    dns = ClusterDNS(Client(HTTPTransport.from_kubeconfig(kubeconfig, clock), "coredns"), clock)
    try:
        server = DNSServer(dns.lookup, ip, port, forward=None).start()
    except (OSError, ValueError) as error:
        print(f"error: listen {ip}:{port}: {error}", file=sys.stderr)
        return 1
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: clock.stop())
    from .daemon import _listen_for_faults
    _listen_for_faults("dns", kubeconfig)   # `kubelab fault drop-watch dns` / delay-watch, as any component
    clock.call_soon(dns.start)
    print(f"dns started: serving cluster.local on {ip}:{server.port} (UDP and TCP)", file=sys.stderr, flush=True)
    clock.run_forever()
    server.stop()
    dns.stop()
    print("dns stopped", file=sys.stderr, flush=True)
    return 0


def install_addons(cluster, client: Client, supervisor, say) -> None:
    """`kubelab up`'s add-on phase (kubeadm's `addon coredns`): the DNS objects, and what serves them."""
    from ..kubelet.dns import dns_ip
    from .dns_addon import port_53_problem
    from .up import PROCESS_SERVICE_CIDR, READY_TIMEOUT_SECONDS, _has, wait_until
    if cluster.runtime != "process":   # simulated: kube-dns at 10.96.0.10, served by `kubelab dns`
        for line in install_simulated(client, dns_ip()):
            say(line)
        supervisor.start("dns", ["dns", "--kubeconfig", str(cluster.data_dir / "kubeconfigs" / "dns"),
                                 "--port", str(cluster.dns_port)])
        return
    # The CoreDNS pods trust the API server through their service-account volume's ca.crt, which
    # the root-ca-cert-publisher must have put in kube-system first (kubelab's kubelet mounts the
    # volume without it otherwise, rather than failing the mount as upstream's does).
    wait_until(lambda: _has(client, "configmaps", "kube-root-ca.crt", "kube-system"), READY_TIMEOUT_SECONDS,
               "kube-system's kube-root-ca.crt", supervisor)
    problem = port_53_problem(dns_ip(PROCESS_SERVICE_CIDR))   # before kube-dns: none of ours holds it yet
    for line in install(client, dns_ip(PROCESS_SERVICE_CIDR), cluster.server):
        say(line)
    if problem:
        say(f"warning: {problem}")
