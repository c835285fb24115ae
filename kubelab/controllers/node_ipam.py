"""The node IPAM controller: each Node gets its own slice of the cluster's pod addresses.

Pods on different nodes must never share an IP, yet each kubelet hands out pod IPs on its
own, without asking anyone. The cure is to give every node a disjoint range up front: with
`--allocate-node-cidrs --cluster-cidr=10.244.0.0/16` this controller (upstream's
RangeAllocator, pkg/controller/nodeipam/ipam/range_allocator.go) writes one /24 into each
Node's `spec.podCIDR` / `spec.podCIDRs`, and the kubelet's CNI plugin takes pod IPs from it.

    Node added, no podCIDR  → allocate_next() → PATCH spec.podCIDR(s)   (once: the field is immutable)
    Node added with one     → occupy it (a restarted controller learns what is taken)
    Node deleted            → release its range
    cluster CIDR exhausted  → Warning event CIDRNotAvailable on the Node, retried later

kubelab's clusters have no control-plane Node, so the controller marks 10.244.0.0/24 (the
first subnet) as taken, as if the control-plane node of a kubeadm cluster had registered
first: worker node-N then gets 10.244.N.0/24, the numbers the lessons print. Upstream also
occupies the service CIDR when it overlaps the cluster CIDR; kubelab's do not overlap.
"""
from __future__ import annotations

from ..client import ApiError, Controller
from ..client.events import WARNING
from ..objects import meta
from .cidr_set import DEFAULT_NODE_CIDR_MASK_SIZE_IPV4, CIDRRangeNoCIDRsRemaining, CIDRSet

DEFAULT_CLUSTER_CIDR = "10.244.0.0/16"   # kubeadm's usual --pod-network-cidr (flannel's default)
RETRY_SECONDS = 5.0


class NodeIpamController(Controller):
    # Upstream starts the node IPAM controller with the node-controller service account's client.
    name = "node-controller"

    def __init__(self, client, clock, factory, config=None):
        super().__init__(client, clock, factory)
        cluster_cidr = getattr(config, "cluster_cidr", None) or DEFAULT_CLUSTER_CIDR
        mask = getattr(config, "node_cidr_mask_size", None) or DEFAULT_NODE_CIDR_MASK_SIZE_IPV4
        self.cidrs = CIDRSet(cluster_cidr, mask)
        self.cidrs.occupy(self.cidrs.subnet(0))   # the control-plane node's (see the note above)
        self.cidrs.next_candidate = 1
        self.allocated: dict[str, str] = {}       # node name -> its CIDR, as far as we know
        self.nodes = factory.informer("nodes")
        self.nodes.add_handlers(on_add=self.on_node, on_update=lambda old, new: self.on_node(new),
                                on_delete=self.on_node_deleted)

    def on_node(self, node: dict) -> None:
        cidr = (node.get("spec") or {}).get("podCIDR")
        if cidr:
            self.cidrs.occupy(cidr)
            self.allocated[meta.name(node)] = cidr
        else:
            self.enqueue(node)

    def on_node_deleted(self, node: dict) -> None:
        cidr = self.allocated.pop(meta.name(node), None) or (node.get("spec") or {}).get("podCIDR")
        if cidr:
            self.cidrs.release(cidr)

    def sync(self, key: str) -> None:
        node = self.nodes.get(key)
        if node is None or (node.get("spec") or {}).get("podCIDR"):
            return
        if key in self.allocated:   # patched already; our cache has not seen it yet
            return
        try:
            cidr = self.cidrs.allocate_next()
        except CIDRRangeNoCIDRsRemaining:
            self.recorder.event({"kind": "Node", "metadata": {"name": key, "uid": key}}, WARNING,
                                "CIDRNotAvailable", f"Node {key} status is now: CIDRNotAvailable")
            self.queue.add_after(key, RETRY_SECONDS)
            return
        try:
            self.client.patch("nodes", key, {"spec": {"podCIDR": cidr, "podCIDRs": [cidr]}})
        except ApiError:
            self.cidrs.release(cidr)
            raise
        self.allocated[key] = cidr
