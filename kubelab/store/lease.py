"""Leases: keys that vanish on their own unless someone keeps saying "still here".

What it models. etcd's lessor. A lease is granted with a TTL in seconds; keys written with
`put(..., lease=id)` are attached to it. Until the TTL runs out, a keep-alive pushes the
deadline a full TTL into the future; when the deadline passes (or on `revoke`), the store
deletes every attached key under one revision, so a watcher sees them go together.
Kubernetes itself uses a lease per event (`--event-ttl`, one hour) so events clean
themselves up; etcd-based leader election and service registries use them the same way.

Invariant: `keys` of a live lease is exactly the set of live keys whose `lease` is its id
(the store calls `attach`/`detach` on every put and delete), and each live lease with a
clock has exactly one pending expiry timer.

Time comes from the injected clock only: expiry is a daemon timer (`clock.call_later(ttl,
..., daemon=True)`), so virtual time makes a one-hour lease cost nothing, and `settle()`
does not wait for it. Without a clock no time passes, so leases end only by `revoke`.

Left out: etcd's minimum TTL (it raises short TTLs to about 1.5 election timeouts) and lease
checkpointing; after a restart every lease gets a full TTL again, as in etcd, where a new
leader extends all leases.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .interface import Key, Lease, LeaseExists, LeaseID, LeaseNotFound, LeaseStatus, StoreError

MAX_LEASE_TTL = 9_000_000_000  # etcd's MaxLeaseTTL, seconds


@dataclass
class LeaseState:
    id: LeaseID
    ttl: int
    deadline: float = 0.0                       # clock time of expiry (with a clock)
    keys: set[Key] = field(default_factory=set)  # the live keys attached to it
    timer: object = None


class Lessor:
    """The leases of one store; `expire(lease_id)` is how the store revokes one on time."""

    def __init__(self, clock, expire: Callable[[LeaseID], None]):
        self.clock = clock
        self.expire = expire
        self.leases: dict[LeaseID, LeaseState] = {}
        self.next_id = 1  # etcd draws ids from a member-id-and-time generator; a counter is seeded enough

    def check_grant(self, ttl: int, lease_id: LeaseID) -> LeaseID:
        """The id a grant would get; raises for a taken id or a TTL past etcd's maximum."""
        if ttl > MAX_LEASE_TTL:
            raise StoreError("etcdserver: too large lease TTL")
        if lease_id in self.leases:
            raise LeaseExists(lease_id)
        return lease_id or self.next_id

    def grant(self, lease_id: LeaseID, ttl: int) -> Lease:
        lease = self.leases[lease_id] = LeaseState(lease_id, ttl)
        self.next_id = max(self.next_id, lease_id + 1)
        self._schedule(lease)
        return Lease(lease_id, ttl)

    def get(self, lease_id: LeaseID) -> LeaseState:
        lease = self.leases.get(lease_id)
        if lease is None:
            raise LeaseNotFound(lease_id)
        return lease

    def keep_alive(self, lease_id: LeaseID) -> int:
        """Push the deadline a full TTL from now; returns the TTL."""
        lease = self.get(lease_id)
        self._schedule(lease)
        return lease.ttl

    def forget(self, lease_id: LeaseID) -> None:
        """Drop the lease (its keys are the store's to delete, first)."""
        lease = self.leases.pop(lease_id, None)
        if lease is not None and lease.timer is not None:
            lease.timer.cancel()

    def attach(self, lease_id: LeaseID, key: Key) -> None:
        lease = self.leases.get(lease_id)  # on recovery a key may outlive its revoked lease briefly
        if lease is not None:
            lease.keys.add(key)

    def detach(self, lease_id: LeaseID, key: Key) -> None:
        lease = self.leases.get(lease_id)
        if lease is not None:
            lease.keys.discard(key)

    def status(self, lease_id: LeaseID, keys: bool) -> LeaseStatus:
        lease = self.get(lease_id)
        left = lease.ttl if self.clock is None else max(0, int(lease.deadline - self.clock.now()))
        return LeaseStatus(lease_id, left, lease.ttl, sorted(lease.keys) if keys else [])

    def close(self) -> None:
        for lease in self.leases.values():
            if lease.timer is not None:
                lease.timer.cancel()

    def _schedule(self, lease: LeaseState) -> None:
        if self.clock is None:
            return
        if lease.timer is not None:
            lease.timer.cancel()
        lease.deadline = self.clock.now() + lease.ttl
        lease.timer = self.clock.call_later(lease.ttl, self._on_expiry, lease.id, daemon=True)

    def _on_expiry(self, lease_id: LeaseID) -> None:
        # Every lease due by now goes, in id order: leases that fall due together then expire
        # in the same order however their timers were set, before a restart or after it.
        now = self.clock.now()
        for due in sorted(lease.id for lease in self.leases.values() if lease.deadline <= now):
            if due in self.leases:
                self.expire(due)
