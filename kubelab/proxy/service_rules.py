"""The rules for one Service port, as upstream v1.32's iptables proxier writes them.

    nat KUBE-SERVICES  -d CLUSTER_IP   --dport PORT      -j KUBE-SVC-x   ("ns/svc:port cluster IP")
                       -d LB_IP        --dport PORT      -j KUBE-EXT-x   ("ns/svc:port loadbalancer IP")
                       -d EXTERNAL_IP  --dport PORT      -j KUBE-EXT-x   ("ns/svc:port external IP")
    nat KUBE-NODEPORTS              --dport NODE_PORT    -j KUBE-EXT-x   ("ns/svc:port")
    nat KUBE-EXT-x   Cluster policy: mark for masquerade, then    -j KUBE-SVC-x
                     Local policy:   host traffic → KUBE-SVC-x;   others → KUBE-SVL-x
    nat KUBE-SVC-x   every ready endpoint (Cluster policy), 1/n, 1/(n-1), …, last always
    nat KUBE-SVL-x   only this node's ready endpoints (Local policy)
    nat KUBE-SEP-y   hairpin mark; DNAT --to-destination IP:PORT
    filter KUBE-SERVICES / KUBE-EXTERNAL-SERVICES   REJECT when no endpoint is ready anywhere,
                     DROP when a Local policy finds none on this node ("has no local endpoints")
    filter KUBE-NODEPORTS  ACCEPT the healthCheckNodePort

`sessionAffinity: ClientIP` adds, before the random rules of each SVC/SVL chain, one
`-m recent --rcheck --seconds T --reap --name KUBE-SEP-y` rule per endpoint (a client seen by
that endpoint within T seconds goes back to it), and `-m recent --set` on the SEP's DNAT
(remember who went where). The kernel keeps those lists (traffic.py), not the rules.

What is left out: upstream's "local detector" rules (`! -s CLUSTER_CIDR … -j KUBE-MARK-MASQ`
and "pod traffic for … external destinations"), which it writes only when told the pod CIDR
(--cluster-cidr / --detect-local-mode); kubelab's kube-proxy runs without it, a valid upstream
configuration, so a lesson's trace stays short. loadBalancerSourceRanges (KUBE-FW-) and
terminating endpoints for Local policies are left out too: a Service that names
loadBalancerSourceRanges gets no firewall rule here.

Invariant: a pure function of the Service, its endpoints and the node's name; rules appended in
upstream's order.
"""
from __future__ import annotations

from typing import NamedTuple

from .iptables import Match, Rule, Table
from .names import (comment, external_chain_name, local_chain_name, probability, service_port_chain_name,
                    service_port_endpoint_chain_name, service_port_name)

DEFAULT_AFFINITY_SECONDS = 10800  # v1.DefaultClientIPServiceAffinitySeconds: three hours


class Endpoint(NamedTuple):
    ip: str
    port: int
    node_name: str = ""

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


def affinity_seconds(service: dict) -> int | None:
    """The ClientIP stickiness timeout, or None if the Service has no session affinity."""
    spec = service["spec"]
    if spec.get("sessionAffinity") != "ClientIP":
        return None
    config = (spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}
    return int(config.get("timeoutSeconds") or DEFAULT_AFFINITY_SECONDS)


def load_balancer_ips(service: dict) -> list[str]:
    """The ingress IPs the cloud controller manager wrote into status.loadBalancer."""
    if service["spec"].get("type") != "LoadBalancer":
        return []
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return [entry["ip"] for entry in ingress if entry.get("ip")]


def write_service_port(nat: Table, filter_table: Table, service: dict, port: dict,
                       endpoints: list[Endpoint], node_name: str) -> None:
    """Every rule for one service port on `node_name` (upstream's loop body in syncProxyRules)."""
    spec = service["spec"]
    name = service_port_name(service, port)
    protocol = port.get("protocol", "TCP").lower()
    dport = Match(protocol, ("--dport", str(port["port"])))
    node_port = port.get("nodePort") or 0
    external_ips = list(spec.get("externalIPs") or [])
    lb_ips = load_balancer_ips(service)
    externally_accessible = bool(node_port or external_ips or lb_ips)
    internal_local = spec.get("internalTrafficPolicy") == "Local"
    external_local = externally_accessible and spec.get("externalTrafficPolicy") == "Local"

    local_endpoints = [endpoint for endpoint in endpoints if endpoint.node_name == node_name]
    uses_cluster_endpoints = not internal_local or externally_accessible and not external_local
    uses_local_endpoints = internal_local or external_local
    cluster_endpoints = endpoints if uses_cluster_endpoints else []
    has_endpoints = bool(endpoints)
    cluster_chain = service_port_chain_name(name, protocol)
    local_chain = local_chain_name(name, protocol)
    external_chain = external_chain_name(name, protocol)
    internal_chain = local_chain if internal_local else cluster_chain
    has_internal = has_endpoints and (not internal_local or bool(local_endpoints))
    has_external = has_endpoints and (not external_local or bool(local_endpoints))
    uses_external_chain = has_endpoints and externally_accessible
    if not has_endpoints:
        internal_filter = external_filter = ("REJECT", f"{name} has no endpoints")
    else:
        internal_filter = ("DROP", f"{name} has no local endpoints")
        external_filter = ("DROP", f"{name} has no local endpoints")

    def filter_rule(chain: str, target_and_comment, destination="", extra=()) -> None:
        target, text = target_and_comment
        options = ("--reject-with", "icmp-port-unreachable") if target == "REJECT" else ()
        filter_table.append(chain, Rule(target, destination=destination, protocol=protocol,
                                        matches=(comment(text), *extra, dport), target_options=options))

    # Capture the cluster IP, external IPs, load-balancer IPs and the node port.
    cluster_ip = spec["clusterIP"] + "/32"
    if has_internal:
        nat.append("KUBE-SERVICES", Rule(internal_chain, destination=cluster_ip, protocol=protocol,
                                         matches=(comment(f"{name} cluster IP"), dport)))
    else:
        filter_rule("KUBE-SERVICES", internal_filter, cluster_ip)
    for ips, what in ((external_ips, "external IP"), (lb_ips, "loadbalancer IP")):
        for ip in ips:
            if has_endpoints:
                nat.append("KUBE-SERVICES", Rule(external_chain, destination=f"{ip}/32", protocol=protocol,
                                                 matches=(comment(f"{name} {what}"), dport)))
            if not has_external:
                filter_rule("KUBE-EXTERNAL-SERVICES", external_filter, f"{ip}/32")
    if node_port:
        node_dport = Match(protocol, ("--dport", str(node_port)))
        if has_endpoints:
            nat.append("KUBE-NODEPORTS", Rule(external_chain, protocol=protocol,
                                              matches=(comment(name), node_dport)))
        if not has_external:
            target, text = external_filter
            options = ("--reject-with", "icmp-port-unreachable") if target == "REJECT" else ()
            filter_table.append("KUBE-EXTERNAL-SERVICES", Rule(
                target, protocol=protocol, target_options=options,
                matches=(comment(text), Match("addrtype", ("--dst-type", "LOCAL")), node_dport)))
    if spec.get("healthCheckNodePort"):
        filter_table.append("KUBE-NODEPORTS", Rule("ACCEPT", protocol="tcp", matches=(
            comment(f"{name} health check node port"), Match("tcp", ("--dport", str(spec["healthCheckNodePort"]))))))

    # The external chain: masquerade (Cluster) or keep the client's address (Local).
    if uses_external_chain:
        nat.declare(external_chain)
        if not external_local:
            nat.append(external_chain, Rule("KUBE-MARK-MASQ", matches=(
                comment(f"masquerade traffic for {name} external destinations"),)))
        else:
            local_source = Match("addrtype", ("--src-type", "LOCAL"))
            nat.append(external_chain, Rule("KUBE-MARK-MASQ", matches=(
                comment(f"masquerade LOCAL traffic for {name} external destinations"), local_source)))
            nat.append(external_chain, Rule(cluster_chain, matches=(
                comment(f"route LOCAL traffic for {name} external destinations"), local_source)))
        if has_external:
            nat.append(external_chain, Rule(local_chain if external_local else cluster_chain))

    # The policy chains, then one chain per endpoint either of them can reach.
    timeout = affinity_seconds(service)
    if cluster_endpoints:
        _policy_chain(nat, cluster_chain, name, cluster_endpoints, protocol, timeout)
    if uses_local_endpoints and local_endpoints:
        _policy_chain(nat, local_chain, name, local_endpoints, protocol, timeout)
    reachable = sorted(set(cluster_endpoints) | (set(local_endpoints) if uses_local_endpoints else set()),
                       key=str)
    for endpoint in reachable:
        chain = service_port_endpoint_chain_name(name, protocol, str(endpoint))
        nat.append(chain, Rule("KUBE-MARK-MASQ", source=f"{endpoint.ip}/32", matches=(comment(name),)))
        remember = (Match("recent", ("--set", "--name", chain, "--mask", "255.255.255.255", "--rsource")),) \
            if timeout else ()
        nat.append(chain, Rule("DNAT", protocol=protocol, matches=(comment(name), *remember, Match(protocol, ())),
                               target_options=("--to-destination", str(endpoint))))


def _policy_chain(nat: Table, chain: str, name: str, endpoints: list[Endpoint], protocol: str,
                  timeout: int | None) -> None:
    """KUBE-SVC-/KUBE-SVL-: sticky rules first (ClientIP), then an even random spread."""
    nat.declare(chain)
    if timeout:
        for endpoint in endpoints:
            endpoint_chain = service_port_endpoint_chain_name(name, protocol, str(endpoint))
            nat.append(chain, Rule(endpoint_chain, matches=(
                comment(f"{name} -> {endpoint}"),
                Match("recent", ("--rcheck", "--seconds", str(timeout), "--reap", "--name", endpoint_chain,
                                 "--mask", "255.255.255.255", "--rsource")))))
    for index, endpoint in enumerate(endpoints):
        endpoint_chain = service_port_endpoint_chain_name(name, protocol, str(endpoint))
        matches = [comment(f"{name} -> {endpoint}")]
        remaining = len(endpoints) - index
        if remaining > 1:  # the last endpoint takes whatever is left
            matches.append(Match("statistic", ("--mode", "random", "--probability", probability(remaining))))
        nat.append(chain, Rule(endpoint_chain, matches=tuple(matches)))
