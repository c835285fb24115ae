"""The cloud node controller: a new Node learns from the cloud where and what it is.

A kubelet started with `--cloud-provider=external` registers its Node with the taint
node.cloudprovider.kubernetes.io/uninitialized:NoSchedule, so nothing is scheduled there
before the cloud has spoken. Upstream's CloudNodeController
(k8s.io/cloud-provider/controllers/node/node_controller.go) then asks the cloud:

    providerID         spec.providerID = "kubelab://kubelab-region-1a/node-1"
    labels             topology.kubernetes.io/zone, topology.kubernetes.io/region,
                       node.kubernetes.io/instance-type
    addresses          status.addresses from the cloud (InternalIP, ExternalIP, Hostname)
    and then           the uninitialized taint comes off: the node is schedulable

and refreshes the addresses every 5 minutes (--node-status-update-frequency). A node whose
instance the cloud cannot find stays tainted, with a Warning event.
"""
from __future__ import annotations

import copy

from ..client import ApiError, Controller
from ..client.events import NORMAL, WARNING
from ..objects import meta
from .provider import CloudError

UNINITIALIZED = "node.cloudprovider.kubernetes.io/uninitialized"
ZONE, REGION = "topology.kubernetes.io/zone", "topology.kubernetes.io/region"
INSTANCE_TYPE = "node.kubernetes.io/instance-type"
STATUS_UPDATE_FREQUENCY = 300.0


def node_reference(node: dict) -> dict:
    return {"kind": "Node", "metadata": {"name": meta.name(node), "uid": meta.name(node)}}


class CloudNodeController(Controller):
    name = "cloud-node-controller"

    def __init__(self, client, clock, factory, cloud):
        super().__init__(client, clock, factory)
        self.cloud = cloud
        self.nodes = factory.informer("nodes")
        self.nodes.add_handlers(on_add=self.on_node, on_update=lambda old, new: self.on_node(new))
        self._timer = self.clock.call_later(STATUS_UPDATE_FREQUENCY, self._update_addresses, daemon=True)

    def on_node(self, node: dict) -> None:
        if any(t.get("key") == UNINITIALIZED for t in node.get("spec", {}).get("taints") or []):
            self.enqueue(node)

    def sync(self, key: str) -> None:
        node = self.nodes.get(key)
        if node is None or not any(t.get("key") == UNINITIALIZED for t in node["spec"].get("taints") or []):
            return
        try:
            instance = self.cloud.instance_metadata(node)
        except CloudError as error:
            self.recorder.event(node_reference(node), WARNING, "InitializeNodeFailed",
                                f"failed to get instance metadata for node {key}: {error}")
            self.queue.add_after(key, 10.0)
            return
        # Addresses first (a status patch), then labels, providerID and the taint's removal in one
        # patch: the node becomes schedulable only once it is complete.
        self.client.patch("nodes", key, {"status": {"addresses": instance.node_addresses}}, subresource="status")
        taints = [t for t in node["spec"]["taints"] if t.get("key") != UNINITIALIZED]
        self.client.patch("nodes", key, {
            "metadata": {"labels": {INSTANCE_TYPE: instance.instance_type, ZONE: instance.zone, REGION: instance.region}},
            "spec": {"providerID": node["spec"].get("providerID") or instance.provider_id, "taints": taints or None}})
        self.recorder.event(node_reference(node), NORMAL, "Synced", "Node synced successfully")

    def _update_addresses(self) -> None:
        """Every 5 minutes: the cloud's addresses for every initialized node (UpdateNodeStatus)."""
        for node in self.nodes.list():
            if any(t.get("key") == UNINITIALIZED for t in node["spec"].get("taints") or []):
                continue
            try:
                addresses = self.cloud.instance_metadata(node).node_addresses
                if node["status"].get("addresses") != addresses:
                    updated = copy.deepcopy(node)
                    updated["status"]["addresses"] = addresses
                    self.client.update_status("nodes", updated)
            except (CloudError, ApiError):
                continue   # next time
        self._timer = self.clock.call_later(STATUS_UPDATE_FREQUENCY, self._update_addresses, daemon=True)

    def stop(self) -> None:
        self._timer.cancel()
