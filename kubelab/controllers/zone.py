"""Zones and their tainting rate: how the node lifecycle controller avoids a stampede.

A Node's zone is its topology.kubernetes.io/region and /zone labels (upstream's
GetZoneKey); nodes without them share the zone "". Each pass counts, per zone, the nodes
whose Ready is True and the others (upstream's ComputeZoneState):

    no node Ready, some not                       FullDisruption
    more than 2 not Ready, >= 55% of the zone     PartialDisruption
    otherwise                                     Normal

Each zone has a ZoneTainter: a queue of nodes waiting for their NoExecute taint and a token
bucket of burst 1 refilled at the zone's rate (upstream's RateLimitedTimedQueue over
flowcontrol.NewTokenBucketRateLimiter(qps, 1)); a rate of 0 takes nothing.
"""
from __future__ import annotations

from ..objects import meta

NORMAL_ZONE, PARTIAL_DISRUPTION, FULL_DISRUPTION = "Normal", "PartialDisruption", "FullDisruption"
REGION_LABEL, ZONE_LABEL = "topology.kubernetes.io/region", "topology.kubernetes.io/zone"


def zone_key(node: dict) -> str:
    labels = meta.labels(node)
    region, zone = labels.get(REGION_LABEL, ""), labels.get(ZONE_LABEL, "")
    return f"{region}:\x00:{zone}" if region or zone else ""


def compute_zone_state(ready_statuses: list[str], unhealthy_zone_threshold: float = 0.55) -> str:
    ready = sum(1 for status in ready_statuses if status == "True")
    not_ready = len(ready_statuses) - ready
    if ready == 0 and not_ready > 0:
        return FULL_DISRUPTION
    if not_ready > 2 and not_ready / (ready + not_ready) >= unhealthy_zone_threshold:
        return PARTIAL_DISRUPTION
    return NORMAL_ZONE


class ZoneTainter:
    """Nodes of one zone waiting to be tainted, let through at `rate` per second (burst 1)."""

    def __init__(self, rate: float, now: float):
        self.rate, self.tokens, self.last = rate, 1.0, now
        self.queue: list[str] = []    # node names, first come first served, each at most once

    def add(self, name: str) -> None:
        if name not in self.queue:
            self.queue.append(name)

    def remove(self, name: str) -> None:
        if name in self.queue:
            self.queue.remove(name)

    def set_rate(self, rate: float, now: float) -> None:
        self._refill(now)
        self.rate = rate

    def _refill(self, now: float) -> None:
        if self.rate > 0:
            self.tokens = min(1.0, self.tokens + (now - self.last) * self.rate)
        self.last = now

    def try_accept(self, now: float) -> bool:
        if self.rate <= 0:
            return False
        self._refill(now)
        if self.tokens >= 1.0 - 1e-9:
            self.tokens -= 1.0
            return True
        return False

    def next_accept_in(self, now: float) -> float | None:
        """Seconds until a token is there (None: never, at rate 0)."""
        if self.rate <= 0:
            return None
        self._refill(now)
        return max(0.0, (1.0 - self.tokens) / self.rate)
