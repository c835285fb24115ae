"""A CIDR set: the cluster CIDR cut into equal node subnets, handed out one by one.

Upstream's pkg/controller/nodeipam/ipam/cidrset/cidr_set.go keeps a bitmap of the cluster
CIDR's subnets of size --node-cidr-mask-size (24 for IPv4 by default): `allocate_next`
returns the first free subnet at or after `next_candidate` (so a released subnet is not
handed out again at once, which would confuse anything still routing to its old pods),
`occupy` marks one a Node already carries, `release` frees one.

    10.244.0.0/16, mask 24  →  10.244.0.0/24, 10.244.1.0/24, … 10.244.255.0/24  (256 subnets)

Invariant: `used` holds the index of every subnet handed out or occupied, and nothing else.
"""
from __future__ import annotations

import ipaddress

DEFAULT_NODE_CIDR_MASK_SIZE_IPV4 = 24   # --node-cidr-mask-size-ipv4 (upstream's default)


class CIDRRangeNoCIDRsRemaining(Exception):
    """Upstream's ErrCIDRRangeNoCIDRsRemaining."""

    def __init__(self):
        super().__init__("CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range")


class CIDRSet:
    """The node subnets of one cluster CIDR."""

    def __init__(self, cluster_cidr: str, node_mask_size: int = DEFAULT_NODE_CIDR_MASK_SIZE_IPV4):
        self.network = ipaddress.ip_network(cluster_cidr)
        if node_mask_size < self.network.prefixlen:
            raise ValueError(f"--node-cidr-mask-size {node_mask_size} is smaller than the cluster CIDR's "
                             f"/{self.network.prefixlen}")
        self.node_mask_size = node_mask_size
        self.max_cidrs = 1 << (node_mask_size - self.network.prefixlen)
        self._step = 1 << (self.network.max_prefixlen - node_mask_size)
        self.used: set[int] = set()
        self.next_candidate = 0

    def subnet(self, index: int) -> str:
        base = int(self.network.network_address) + index * self._step
        return f"{ipaddress.ip_address(base)}/{self.node_mask_size}"

    def index_of(self, cidr: str) -> int | None:
        """The subnet's index, or None when it is not one of this set's subnets."""
        try:
            network = ipaddress.ip_network(cidr)
        except ValueError:
            return None
        if network.prefixlen != self.node_mask_size or not network.subnet_of(self.network):
            return None
        return (int(network.network_address) - int(self.network.network_address)) // self._step

    def allocate_next(self) -> str:
        for offset in range(self.max_cidrs):
            index = (self.next_candidate + offset) % self.max_cidrs
            if index not in self.used:
                self.used.add(index)
                self.next_candidate = (index + 1) % self.max_cidrs
                return self.subnet(index)
        raise CIDRRangeNoCIDRsRemaining()

    def occupy(self, cidr: str) -> bool:
        """Mark a subnet in use (one a Node already has); False if it is not in this set."""
        index = self.index_of(cidr)
        if index is None:
            return False
        self.used.add(index)
        return True

    def release(self, cidr: str) -> None:
        index = self.index_of(cidr)
        if index is not None:
            self.used.discard(index)
