"""ClusterIP allocation: each Service gets a virtual IP from the service range.

Upstream picks a random free address from --service-cluster-ip-range (10.96.0.0/12 by
default); the first address, 10.96.0.1, is reserved for the `kubernetes` Service. kubelab
picks at random too, from a seeded generator, so runs repeat. Upstream keeps the allocation
bitmap in the store (and, since v1.31, IPAddress objects); kubelab rebuilds the taken set from
the Services themselves when it starts, which gives the same answer for one API server.
"""
from __future__ import annotations

import ipaddress
import random


class RangeFull(Exception):
    pass


class IPAllocator:
    def __init__(self, cidr: str = "10.96.0.0/12", rng: random.Random | None = None):
        self.network = ipaddress.ip_network(cidr)
        self.rng = rng or random.Random(0)
        self.taken: set[str] = set()

    def allocate(self, wanted: str | None = None) -> str:
        """A free address: `wanted` if given (must be in range and free), else a random one."""
        if wanted:
            if ipaddress.ip_address(wanted) not in self.network:
                raise ValueError(f"the provided IP ({wanted}) is not in the valid range. "
                                 f"The range of valid IPs is {self.network}")
            if wanted in self.taken:
                raise ValueError(f"failed to allocate IP {wanted}: provided IP is already allocated")
            self.taken.add(wanted)
            return wanted
        size = self.network.num_addresses - 2
        if len(self.taken) >= size:
            raise RangeFull("range is full")
        while True:
            address = str(self.network.network_address + 1 + self.rng.randrange(size))
            if address not in self.taken:
                self.taken.add(address)
                return address

    def release(self, address: str) -> None:
        self.taken.discard(address)
