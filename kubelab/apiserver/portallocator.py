"""NodePort allocation: each NodePort or LoadBalancer Service port gets a port on every node.

Upstream (pkg/registry/core/service/portallocator) hands out ports from
--service-node-port-range, 30000-32767 by default: a port the user names must be in the range
and free; otherwise it picks a free one at random. kube-proxy then opens that port on every
node. A Service's node ports (and its healthCheckNodePort) are released when it is deleted or
when an update drops them. Upstream keeps the bitmap in the store and splits the range so that
random picks prefer the upper part; kubelab picks uniformly from a seeded generator and
rebuilds the taken set from the stored Services when the API server starts (one API server
gives the same answer).

Invariant: a port is in `taken` exactly while one stored (or being written) Service holds it.
"""
from __future__ import annotations

import random

DEFAULT_RANGE = (30000, 32767)


class PortAllocator:
    def __init__(self, first: int = DEFAULT_RANGE[0], last: int = DEFAULT_RANGE[1],
                 rng: random.Random | None = None):
        self.first, self.last = first, last
        self.rng = rng or random.Random(0)
        self.taken: set[int] = set()

    @property
    def range_text(self) -> str:
        return f"{self.first}-{self.last}"

    def allocate(self, wanted: int | None = None) -> int:
        """A free port: `wanted` if given (in range and free), else a random free one."""
        if wanted:
            if not self.first <= wanted <= self.last:
                raise ValueError(f"provided port is not in the valid range. The range of valid ports is "
                                 f"{self.range_text}")
            if wanted in self.taken:
                raise ValueError("provided port is already allocated")
            self.taken.add(wanted)
            return wanted
        size = self.last - self.first + 1
        if len(self.taken) >= size:
            raise ValueError("range is full")
        while True:
            port = self.first + self.rng.randrange(size)
            if port not in self.taken:
                self.taken.add(port)
                return port

    def release(self, port: int | None) -> None:
        if port:
            self.taken.discard(port)
