"""A pod's DNS: the /etc/resolv.conf the kubelet gives its sandbox, and the stub resolver in it.

The kubelet (upstream pkg/kubelet/network/dns) turns a pod's `dnsPolicy` into the sandbox's
DNS config, which the runtime writes as the containers' /etc/resolv.conf:

    ClusterFirst (the default)   nameserver = the cluster DNS (kube-dns's ClusterIP, 10.96.0.10)
                                 search <ns>.svc.cluster.local svc.cluster.local cluster.local
                                 options ndots:5
      ...on a hostNetwork pod    behaves as Default (ClusterFirstWithHostNet keeps the cluster DNS)
    Default                      the node's own resolv.conf (kubelet --resolv-conf)
    None                         nothing: only what `dnsConfig` says

`dnsConfig` is then appended: nameservers and searches added (duplicates dropped), options
merged by name (the pod's win).

The stub resolver is what libc does with that file: a name ending in "." is asked as it is;
a name with fewer dots than `ndots` is tried with each search domain first, then as it is; one
with at least `ndots` dots the other way round. The first answer that is not NXDOMAIN wins —
why `nslookup web` from a pod finds web.<its namespace>.svc.cluster.local.

Left out: the limits (3 nameservers, 32 search domains), UDP/TCP, retries and timeouts. The
node's own resolver (10.0.0.2, a cloud VPC's) knows no names here: every query it gets is
NXDOMAIN, which is what a pod with dnsPolicy Default sees for cluster names.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Callable

SERVICE_CIDR = "10.96.0.0/12"          # kube-apiserver --service-cluster-ip-range (kubeadm's default)


def dns_ip(service_cidr: str = SERVICE_CIDR) -> str:
    """The cluster DNS address kubeadm picks: the tenth address of the service range (GetDNSIP)."""
    network = ipaddress.ip_network(service_cidr, strict=False)
    if network.num_addresses < 12:
        raise ValueError(f"the service range {service_cidr} is too small for a DNS address (the 10th)")
    return str(network.network_address + 10)


CLUSTER_DOMAIN = "cluster.local"       # kubelet --cluster-domain
CLUSTER_DNS = dns_ip()                 # kubelet --cluster-dns: the kube-dns Service's ClusterIP, 10.96.0.10
HOST_NAMESERVER = "10.0.0.2"           # the node's /etc/resolv.conf (a VPC resolver)


@dataclass
class ResolvConf:
    nameservers: list[str] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)   # "ndots:5", "edns0"

    @property
    def ndots(self) -> int:
        for option in self.options:
            if option.startswith("ndots:"):
                return int(option.split(":", 1)[1])
        return 1                                       # libc's default

    def text(self) -> str:
        """The file as containerd writes it."""
        lines = []
        if self.searches:
            lines.append("search " + " ".join(self.searches))
        lines += [f"nameserver {server}" for server in self.nameservers]
        if self.options:
            lines.append("options " + " ".join(self.options))
        return "".join(line + "\n" for line in lines)


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def pod_resolv_conf(pod: dict, cluster_dns: str = CLUSTER_DNS, cluster_domain: str = CLUSTER_DOMAIN,
                    host: ResolvConf | None = None) -> ResolvConf:
    """The resolv.conf a pod's containers get, from its dnsPolicy and dnsConfig (upstream's GetPodDNS)."""
    spec = pod.get("spec") or {}
    host = host or ResolvConf([HOST_NAMESERVER])
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    if policy == "ClusterFirst" and spec.get("hostNetwork"):
        policy = "Default"
    namespace = (pod.get("metadata") or {}).get("namespace") or "default"
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet"):
        conf = ResolvConf([cluster_dns], [f"{namespace}.svc.{cluster_domain}", f"svc.{cluster_domain}",
                                          cluster_domain] + host.searches, ["ndots:5"])
    elif policy == "Default":
        conf = ResolvConf(list(host.nameservers), list(host.searches), list(host.options))
    else:
        conf = ResolvConf()
    extra = spec.get("dnsConfig") or {}
    conf.nameservers = _unique(conf.nameservers + list(extra.get("nameservers") or []))
    conf.searches = _unique(conf.searches + list(extra.get("searches") or []))
    options = {option.split(":", 1)[0]: option for option in conf.options}
    for option in extra.get("options") or []:
        options[option["name"]] = option["name"] + (f":{option['value']}" if option.get("value") else "")
    conf.options = list(options.values())
    return conf


def candidates(name: str, conf: ResolvConf) -> list[str]:
    """The names libc asks, in order, for `name` (each ends with ".")."""
    if name.endswith("."):
        return [name]
    searched = [f"{name}.{domain}." for domain in conf.searches]
    return ([name + "."] + searched) if name.count(".") >= conf.ndots else (searched + [name + "."])


@dataclass
class Lookup:
    """What `nslookup NAME` learned: the server asked, and the addresses (or the error)."""
    server: str
    asked: str
    name: str = ""                          # the name that answered, without the final "."
    addresses: list[str] = field(default_factory=list)
    error: str = ""                         # "NXDOMAIN", or no server could be reached

    def __bool__(self) -> bool:
        return bool(self.addresses)

    def __str__(self) -> str:
        return self.addresses[0] if self.addresses else ""

    def lines(self) -> list[str]:
        """As busybox's nslookup prints it."""
        if not self.server:
            return [";; connection timed out; no servers could be reached"]
        head = [f"Server:\t\t{self.server}", f"Address:\t{self.server}:53", ""]
        if not self.addresses:
            return head + [f"** server can't find {self.asked}: {self.error or 'NXDOMAIN'}"]
        if self.addresses and not self.addresses[0][:1].isdigit():   # an ExternalName's CNAME
            return head + [f"{self.name}\tcanonical name = {self.addresses[0]}"]
        return head + [line for address in self.addresses for line in (f"Name:\t{self.name}", f"Address: {address}")]


Query = Callable[[str, str, str], "list[str] | None"]   # (server, fqdn, qtype) -> addresses, [] NXDOMAIN, None unreachable


def lookup(name: str, conf: ResolvConf, query: Query) -> Lookup:
    """Resolve `name` as a container's libc would with this resolv.conf."""
    for server in conf.nameservers:
        result = Lookup(server, name)
        for fqdn in candidates(name, conf):
            addresses = query(server, fqdn, "A")
            if addresses is None:
                break                       # this server does not answer: try the next
            if addresses:
                result.name, result.addresses = fqdn.rstrip("."), list(addresses)
                return result
        else:
            result.error = "NXDOMAIN"
            return result
    return Lookup("", name, error="timeout")
