"""The names kube-proxy gives its chains and comments, computed as upstream computes them.

Chain names are a prefix plus 16 characters of base32(sha256(...)) of the service port name
("default/nginx:http") and protocol ("tcp") — and, for an endpoint's chain, the endpoint
("10.244.1.5:80") — so every node and every restart computes the same names:

    KUBE-SVC-  the Cluster-policy chain: all ready endpoints
    KUBE-SVL-  the Local-policy chain: this node's ready endpoints
    KUBE-EXT-  where NodePort, load-balancer and external-IP traffic enters
    KUBE-SEP-  one endpoint: DNAT to it
"""
from __future__ import annotations

import base64
import functools
import hashlib

from ..objects import meta
from .iptables import Match, kernel_probability


@functools.lru_cache(maxsize=65536)   # every node and every sync names the same chains
def _hash16(text: str) -> str:
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def service_port_chain_name(service_port_name: str, protocol: str) -> str:
    """KUBE-SVC-<16 chars>: the chain that picks an endpoint for one service port."""
    return "KUBE-SVC-" + _hash16(service_port_name + protocol)


def local_chain_name(service_port_name: str, protocol: str) -> str:
    """KUBE-SVL-<16 chars>: the same choice among this node's endpoints only (Local policies)."""
    return "KUBE-SVL-" + _hash16(service_port_name + protocol)


def external_chain_name(service_port_name: str, protocol: str) -> str:
    """KUBE-EXT-<16 chars>: where traffic from outside the cluster enters a service port."""
    return "KUBE-EXT-" + _hash16(service_port_name + protocol)


def service_port_endpoint_chain_name(service_port_name: str, protocol: str, endpoint: str) -> str:
    """KUBE-SEP-<16 chars>: the chain that DNATs to one endpoint ("ip:port") of one service port."""
    return "KUBE-SEP-" + _hash16(service_port_name + protocol + endpoint)


def service_port_name(service: dict, port: dict) -> str:
    """Upstream's ServicePortName string: "namespace/name:port-name", or "namespace/name" if unnamed."""
    port_name = port.get("name") or ""
    return meta.key(service) + (f":{port_name}" if port_name else "")


def comment(text: str) -> Match:
    return Match("comment", ("--comment", text))


def probability(remaining: int) -> str:
    """The statistic rule's probability for the first of `remaining` endpoints, as iptables-save prints it."""
    # kube-proxy writes "%0.10f" of 1/remaining; the kernel keeps it as a 31-bit threshold.
    return kernel_probability(float(f"{1.0 / remaining:0.10f}"))
