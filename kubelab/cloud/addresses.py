"""Addresses of an in-process or `kubelab up` cluster: node IPs and the pod network.

Node IPs are what the machines' network (DHCP, the cloud) gives them: node-N is
10.0.0.10 + N inside 10.0.0.0/16, so 65,000 nodes fit. Pod addresses come from the cluster
CIDR, a /24 per node handed out by the node IPAM controller (controllers/node_ipam.py).
It lives with the cloud (the machines' network) so both assemblies read the same plan: the
in-process Cluster (cluster/) and `kubelab up` (processes/), which sit side by side.
"""
from __future__ import annotations

import ipaddress

FIRST_NODE_IP = ipaddress.ip_address("10.0.0.10")   # node-N is 10.0.0.10 + N (a /16: 65,000 nodes)
CLUSTER_CIDR = "10.244.0.0/16"                      # 255 nodes of /24 (the first is the control plane's)
LARGE_CLUSTER_CIDR = "10.128.0.0/9"                 # 32,767 nodes of /24, clear of 10.0/16 and 10.96/12


def node_internal_ip(index: int) -> str:
    """node-N's InternalIP: what the machine's network (DHCP, the cloud) gave it."""
    return str(FIRST_NODE_IP + index)
