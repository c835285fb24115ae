"""The cloud-provider interface: all the cloud controller manager may ask of a cloud.

Upstream's k8s.io/cloud-provider `Interface` is the seam that lets each cloud's code live
outside Kubernetes ("lets the cloud provider's code and Kubernetes' code evolve
independently"): a cloud implements InstancesV2 (does this node's machine exist, is it shut
down, what are its addresses, zone and type) and LoadBalancer (make, update and delete the
load balancer of a Service). kubelab's interface keeps those calls, in Python.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class CloudError(Exception):
    """A cloud API call that failed (quota exceeded, not found, ...): the message is the cloud's."""


class InstanceNotFound(CloudError):
    """Upstream's cloudprovider.InstanceNotFound."""

    def __init__(self):
        super().__init__("instance not found")


@dataclass
class InstanceMetadata:
    """What the cloud knows of a node's machine (upstream's cloudprovider.InstanceMetadata)."""
    provider_id: str                         # "kubelab://kubelab-region-1a/node-1"
    instance_type: str
    node_addresses: list[dict] = field(default_factory=list)   # [{"type": "InternalIP", "address": ...}]
    zone: str = ""
    region: str = ""


class CloudProvider:
    """What a cloud implements for kubelab's cloud controller manager."""
    name = "cloud"

    # -- InstancesV2 --
    def instance_exists(self, node: dict) -> bool:
        raise NotImplementedError

    def instance_shutdown(self, node: dict) -> bool:
        raise NotImplementedError

    def instance_metadata(self, node: dict) -> InstanceMetadata:
        raise NotImplementedError

    # -- LoadBalancer --
    def get_load_balancer_name(self, service: dict) -> str:
        """Upstream's default: "a" + the Service's uid without dashes, cut to 32 characters."""
        return ("a" + service["metadata"]["uid"].replace("-", ""))[:32]

    def ensure_load_balancer(self, cluster_name: str, service: dict, nodes: list[dict]) -> dict | None:
        """The Service's status.loadBalancer once the balancer serves; None while it is being built."""
        raise NotImplementedError

    def ensure_load_balancer_deleted(self, cluster_name: str, service: dict) -> None:
        raise NotImplementedError
