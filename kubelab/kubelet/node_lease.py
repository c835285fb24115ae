"""The node Lease: the kubelet's cheap heartbeat, renewed every 10 seconds.

Since v1.17 a kubelet proves it is alive by renewing a Lease named after its node in the
kube-node-lease namespace, rather than by rewriting its whole Node status (kilobytes of
images and conditions) every 10 s. The node lifecycle controller watches these Leases: a
node whose Lease has not been renewed for node-monitor-grace-period (50 s) is marked
unreachable.

    every 10 s (a quarter of leaseDurationSeconds = 40):
        no Lease yet -> create it, owned by the Node (so it goes when the Node goes)
        else         -> renewTime = now (an update: 409 on a race, retried next tick)

Real Kubernetes retries a failed renewal with backoff (200 ms doubling up to 7 s) before the
next interval; kubelab waits for the next tick, which the lessons never tell apart.
"""
from __future__ import annotations

from ..client import ApiError, Client
from ..objects.timefmt import rfc3339_micro

NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40
RENEW_INTERVAL = LEASE_DURATION_SECONDS * 0.25   # 10 s


class NodeLease:
    """Creates and renews one node's Lease through the API."""

    def __init__(self, client: Client, clock, node_name: str):
        self.client, self.clock, self.node_name = client, clock, node_name
        self.lease: dict | None = None   # the last Lease we wrote (our resourceVersion)

    def renew(self) -> None:
        """Create the Lease, or move its renewTime to now."""
        now = rfc3339_micro(self.clock.now())
        if self.lease is None:
            self.lease = self._get_or_create(now)
            if self.lease["spec"].get("renewTime") == now:
                return
        # A new dict for what changes (the last answer may be shared with the transport): a
        # deep copy of the whole Lease every 10 s on every node cost more than the renewal.
        renewed = {**self.lease, "metadata": dict(self.lease["metadata"]),
                   "spec": {**self.lease["spec"], "renewTime": now, "holderIdentity": self.node_name}}
        try:
            self.lease = self.client.update("leases", renewed, NAMESPACE)
        except ApiError:
            self.lease = None  # someone else wrote it (or deleted it): read again next tick
            raise

    def _get_or_create(self, now: str) -> dict:
        try:
            return self.client.get("leases", self.node_name, NAMESPACE)
        except ApiError as error:
            if error.code != 404:
                raise
        lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                 "metadata": {"name": self.node_name, "namespace": NAMESPACE},
                 "spec": {"holderIdentity": self.node_name, "leaseDurationSeconds": LEASE_DURATION_SECONDS,
                          "renewTime": now}}
        try:
            node = self.client.get("nodes", self.node_name)
            lease["metadata"]["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": self.node_name,
                                                     "uid": node["metadata"]["uid"]}]
        except ApiError:
            pass  # not registered yet: the Lease is still worth having
        return self.client.create("leases", lease, NAMESPACE)
