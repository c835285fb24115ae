"""kube-proxy's iptables rules: what syncProxyRules writes for the Services and Endpoints it sees.

What it models: for every Service port with a cluster IP, kube-proxy (iptables mode) writes

    nat    KUBE-SERVICES  -d CLUSTER_IP/32 -p tcp --dport PORT     -j KUBE-SVC-<hash>
           KUBE-SVC-<hash>  1/n, 1/(n-1), ..., then unconditional  -j KUBE-SEP-<hash> (one per endpoint)
           KUBE-SEP-<hash>  -s ENDPOINT_IP/32 -j KUBE-MARK-MASQ    (a pod reaching itself: hairpin)
                            -p tcp -j DNAT --to-destination ENDPOINT_IP:PORT
    filter KUBE-SERVICES  -d CLUSTER_IP/32 ... -j REJECT           (only when no endpoint is ready)

The statistic rules give each endpoint the same chance: the first is taken with probability
1/n, the second with 1/(n-1) of what is left, ..., the last always. Chain names are
"KUBE-SVC-" / "KUBE-SEP-" plus 16 characters of base32(sha256(...)) of the service port name
("default/nginx:http"), the protocol ("tcp") and, for SEP chains, the endpoint ("10.244.1.5:80"),
so they are the same on every node and after every restart. The fixed chains (KUBE-MARK-MASQ,
KUBE-POSTROUTING, KUBE-FORWARD, the jumps from PREROUTING/OUTPUT/FORWARD) are written too, so
the tables read like a real node's.

Invariant: a pure function of its inputs, in a fixed order (services sorted by namespace, name,
port name; endpoints sorted by "ip:port" like upstream's byEndpoint), so every node that sees
the same objects builds the same tables.

Real Kubernetes also writes NodePort, external IP and load-balancer rules (KUBE-NODEPORTS,
KUBE-EXT-, KUBE-FW-), Local traffic policies (KUBE-SVL-), ClientIP session affinity
(`-m recent`), the "not from the pod network" masquerade rule (needs --cluster-cidr), and drops
comments past 1000 endpoints; kubelab skips them because a first lesson on Services is about
ClusterIP, and each would add chains without a new idea. Upstream reads EndpointSlices;
kubelab reads the Endpoints object, which carries the same ready addresses.
"""
from __future__ import annotations

import base64
import hashlib

from ..objects import meta
from .iptables import Chain, Match, Rule, Table, Tables, iptables_save, kernel_probability

MASQUERADE_MARK = "0x4000"  # kube-proxy's default --iptables-masquerade-bit 14

__all__ = ["Chain", "Rule", "Table", "Tables", "build_tables", "iptables_save", "service_port_chain_name",
           "service_port_endpoint_chain_name"]


def _hash16(text: str) -> str:
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def service_port_chain_name(service_port_name: str, protocol: str) -> str:
    """KUBE-SVC-<16 chars>: the chain that picks an endpoint for one service port."""
    return "KUBE-SVC-" + _hash16(service_port_name + protocol)


def service_port_endpoint_chain_name(service_port_name: str, protocol: str, endpoint: str) -> str:
    """KUBE-SEP-<16 chars>: the chain that DNATs to one endpoint ("ip:port") of one service port."""
    return "KUBE-SEP-" + _hash16(service_port_name + protocol + endpoint)


def service_port_name(service: dict, port: dict) -> str:
    """Upstream's ServicePortName string: "namespace/name:port-name", or "namespace/name" if unnamed."""
    port_name = port.get("name") or ""
    return meta.key(service) + (f":{port_name}" if port_name else "")


def comment(text: str) -> Match:
    return Match("comment", ("--comment", text))


def _probability(remaining: int) -> str:
    # kube-proxy writes "%0.10f" of 1/remaining; the kernel keeps it as a 31-bit threshold.
    return kernel_probability(float(f"{1.0 / remaining:0.10f}"))


# -- the fixed chains every node has ---------------------------------------------------------
def _fixed_rules(nat: Table, filter_table: Table) -> None:
    """Jumps from the built-in chains, masquerade marking and forwarding (upstream's iptablesJumpChains)."""
    for chain in ("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"):
        nat.declare(chain)
    for chain in ("KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-NODEPORTS",
                  "KUBE-PROXY-FIREWALL"):
        filter_table.declare(chain)
    portals = comment("kubernetes service portals")
    nat.append("PREROUTING", Rule("KUBE-SERVICES", matches=(portals,)))
    nat.append("OUTPUT", Rule("KUBE-SERVICES", matches=(portals,)))
    nat.append("POSTROUTING", Rule("KUBE-POSTROUTING", matches=(comment("kubernetes postrouting rules"),)))
    marked = f"{MASQUERADE_MARK}/{MASQUERADE_MARK}"
    nat.append("KUBE-POSTROUTING", Rule("RETURN", matches=(Match("mark", ("!", "--mark", marked)),)))
    nat.append("KUBE-POSTROUTING", Rule("MARK", target_options=("--set-xmark", f"{MASQUERADE_MARK}/0x0")))
    nat.append("KUBE-POSTROUTING", Rule("MASQUERADE", matches=(
        comment("kubernetes service traffic requiring SNAT"),), target_options=("--random-fully",)))
    nat.append("KUBE-MARK-MASQ", Rule("MARK", target_options=("--set-xmark", marked)))

    # Upstream prepends each jump, so the last one listed ends up first in the built-in chain.
    new = Match("conntrack", ("--ctstate", "NEW"))
    jumps = [("INPUT", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall", True),
             ("INPUT", "KUBE-NODEPORTS", "kubernetes health check service ports", False),
             ("INPUT", "KUBE-EXTERNAL-SERVICES", "kubernetes externally-visible service portals", True),
             ("FORWARD", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall", True),
             ("FORWARD", "KUBE-FORWARD", "kubernetes forwarding rules", False),
             ("FORWARD", "KUBE-SERVICES", "kubernetes service portals", True),
             ("FORWARD", "KUBE-EXTERNAL-SERVICES", "kubernetes externally-visible service portals", True),
             ("OUTPUT", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall", True),
             ("OUTPUT", "KUBE-SERVICES", "kubernetes service portals", True)]
    for builtin, chain, text, only_new in jumps:
        matches = (new, comment(text)) if only_new else (comment(text),)
        filter_table.append(builtin, Rule(chain, matches=matches))
    filter_table.append("KUBE-FORWARD", Rule("DROP", matches=(Match("conntrack", ("--ctstate", "INVALID")),)))
    filter_table.append("KUBE-FORWARD", Rule("ACCEPT", matches=(
        comment("kubernetes forwarding rules"), Match("mark", ("--mark", marked)))))
    filter_table.append("KUBE-FORWARD", Rule("ACCEPT", matches=(
        comment("kubernetes forwarding conntrack rule"),
        Match("conntrack", ("--ctstate", "RELATED,ESTABLISHED")))))


# -- one service port ------------------------------------------------------------------------
def ready_endpoints(endpoints: dict | None, port: dict) -> list[tuple[str, int]]:
    """(ip, port) of the ready addresses serving this service port, sorted as upstream sorts them."""
    found = set()
    protocol = port.get("protocol", "TCP")
    for subset in (endpoints or {}).get("subsets") or []:
        for endpoint_port in subset.get("ports") or []:
            if (endpoint_port.get("name") or "") != (port.get("name") or "") or \
                    endpoint_port.get("protocol", "TCP") != protocol:
                continue
            for address in subset.get("addresses") or []:  # notReadyAddresses get no traffic
                found.add((address["ip"], int(endpoint_port["port"])))
    return sorted(found, key=lambda endpoint: f"{endpoint[0]}:{endpoint[1]}")


def _service_port_rules(nat: Table, filter_table: Table, service: dict, port: dict,
                        endpoints: list[tuple[str, int]]) -> None:
    """The rules for one service port: capture its cluster IP, spread over endpoints, DNAT."""
    name = service_port_name(service, port)
    protocol = port.get("protocol", "TCP").lower()
    cluster_ip = service["spec"]["clusterIP"] + "/32"
    port_match = Match(protocol, ("--dport", str(port["port"])))
    if not endpoints:
        filter_table.append("KUBE-SERVICES", Rule(
            "REJECT", destination=cluster_ip, protocol=protocol,
            matches=(comment(f"{name} has no endpoints"), port_match),
            target_options=("--reject-with", "icmp-port-unreachable")))
        return
    service_chain = service_port_chain_name(name, protocol)
    nat.append("KUBE-SERVICES", Rule(service_chain, destination=cluster_ip, protocol=protocol,
                                     matches=(comment(f"{name} cluster IP"), port_match)))
    nat.declare(service_chain)
    for index, (ip, endpoint_port) in enumerate(endpoints):
        endpoint = f"{ip}:{endpoint_port}"
        endpoint_chain = service_port_endpoint_chain_name(name, protocol, endpoint)
        matches = [comment(f"{name} -> {endpoint}")]
        remaining = len(endpoints) - index
        if remaining > 1:  # the last endpoint takes whatever is left
            matches.append(Match("statistic", ("--mode", "random", "--probability", _probability(remaining))))
        nat.append(service_chain, Rule(endpoint_chain, matches=tuple(matches)))
        nat.append(endpoint_chain, Rule("KUBE-MARK-MASQ", source=f"{ip}/32", matches=(comment(name),)))
        nat.append(endpoint_chain, Rule("DNAT", protocol=protocol, matches=(comment(name), Match(protocol, ())),
                                        target_options=("--to-destination", endpoint)))


def proxied(service: dict) -> bool:
    """Does kube-proxy write rules for this Service? Not for headless or ExternalName ones."""
    spec = service.get("spec") or {}
    return spec.get("type") != "ExternalName" and spec.get("clusterIP") not in (None, "", "None")


def build_tables(services: list[dict], endpoints: list[dict]) -> Tables:
    """syncProxyRules as a pure function: Services and Endpoints in, the filter and nat tables out."""
    filter_table, nat = Table("filter"), Table("nat")
    _fixed_rules(nat, filter_table)
    endpoints_by_key = {meta.key(obj): obj for obj in endpoints}
    service_ports = [((meta.namespace(service), meta.name(service), port.get("name") or ""), service, port)
                     for service in services if proxied(service)
                     for port in service["spec"].get("ports") or []]
    service_ports.sort(key=lambda item: item[0])  # namespace, name, port name: the same on every node
    for _, service, port in service_ports:
        ready = ready_endpoints(endpoints_by_key.get(meta.key(service)), port)
        _service_port_rules(nat, filter_table, service, port, ready)
    return {"filter": filter_table, "nat": nat}
