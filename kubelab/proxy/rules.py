"""kube-proxy's iptables rules: what syncProxyRules writes for the Services and Endpoints it sees.

What it models: upstream v1.32's syncProxyRules as a pure function. The fixed chains every
node has (the jumps from PREROUTING/OUTPUT/INPUT/FORWARD, KUBE-MARK-MASQ, KUBE-POSTROUTING,
KUBE-FORWARD), then for every Service port with a cluster IP its own chains — written by
service_rules.py, which draws the whole picture (ClusterIP, NodePort, LoadBalancer, ClientIP
affinity, Local traffic policies) — and, last in KUBE-SERVICES, the jump to KUBE-NODEPORTS for
packets addressed to the node itself. Chain names and comments: names.py.

Invariant: a pure function of its inputs, in a fixed order (services sorted by namespace, name,
port name; endpoints sorted by "ip:port" like upstream's byEndpoint), so every node that sees
the same objects builds the same tables — except the Local-policy chains, which hold the
node's own endpoints.

Headless Services (clusterIP None) and ExternalName ones get no rules: DNS answers for them.
Upstream reads EndpointSlices; kubelab reads the Endpoints object, which carries the same
ready addresses and each address's nodeName. Left out: comments dropped past 1000 endpoints.
"""
from __future__ import annotations

from ..objects import meta
from .iptables import Chain, Match, Rule, Table, Tables, iptables_save
from .names import comment, service_port_chain_name, service_port_endpoint_chain_name, service_port_name
from .service_rules import Endpoint, write_service_port

MASQUERADE_MARK = "0x4000"  # kube-proxy's default --iptables-masquerade-bit 14

__all__ = ["Chain", "Rule", "Table", "Tables", "build_tables", "iptables_save", "service_port_chain_name",
           "service_port_endpoint_chain_name"]


# -- the fixed chains every node has ---------------------------------------------------------
def fixed_rules(nat: Table, filter_table: Table) -> None:
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
def ready_endpoints(endpoints: dict | None, port: dict) -> list[Endpoint]:
    """The ready addresses serving this service port (with their node), sorted as upstream sorts them."""
    found = set()
    protocol = port.get("protocol", "TCP")
    for subset in (endpoints or {}).get("subsets") or []:
        for endpoint_port in subset.get("ports") or []:
            if (endpoint_port.get("name") or "") != (port.get("name") or "") or \
                    endpoint_port.get("protocol", "TCP") != protocol:
                continue
            for address in subset.get("addresses") or []:  # notReadyAddresses get no traffic
                found.add(Endpoint(address["ip"], int(endpoint_port["port"]), address.get("nodeName") or ""))
    return sorted(found, key=str)


def proxied(service: dict) -> bool:
    """Does kube-proxy write rules for this Service? Not for headless or ExternalName ones."""
    spec = service.get("spec") or {}
    return spec.get("type") != "ExternalName" and spec.get("clusterIP") not in (None, "", "None")


def build_tables(services: list[dict], endpoints: list[dict], node_name: str = "") -> Tables:
    """syncProxyRules as a pure function: Services and Endpoints in, the filter and nat tables out."""
    filter_table, nat = Table("filter"), Table("nat")
    fixed_rules(nat, filter_table)
    endpoints_by_key = {meta.key(obj): obj for obj in endpoints}
    service_ports = [((meta.namespace(service), meta.name(service), port.get("name") or ""), service, port)
                     for service in services if proxied(service)
                     for port in service["spec"].get("ports") or []]
    service_ports.sort(key=lambda item: item[0])  # namespace, name, port name: the same on every node
    for _, service, port in service_ports:
        ready = ready_endpoints(endpoints_by_key.get(meta.key(service)), port)
        write_service_port(nat, filter_table, service, port, ready, node_name)
    write_last_rule(nat)
    return {"filter": filter_table, "nat": nat}


def write_last_rule(nat: Table) -> None:
    """KUBE-SERVICES' jump to KUBE-NODEPORTS for packets to the node itself, after every service's rules."""
    nat.append("KUBE-SERVICES", Rule("KUBE-NODEPORTS", matches=(
        comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain"),
        Match("addrtype", ("--dst-type", "LOCAL")))))
