"""A fake cloud: machines with addresses, zones and types; load balancers that take time.

Its API answers as a cloud's would, on the cluster's virtual clock:

    instances  one per node, spread over zones kubelab-region-1a/b/c round robin; each has an
               InternalIP (the node's) and an ExternalIP from 203.0.113.0/24 (TEST-NET-3,
               an address range reserved for documentation); type "k1.standard-2"
    load balancers  provisioned in `lb_provisioning_seconds` (20 s); each gets an IP from
               198.51.100.0/24 (TEST-NET-2); at most `lb_quota` (5) at once, beyond which
               ensure_load_balancer fails "QuotaExceeded" — the failure a demo shows

For demos: `cloud.terminate("node-2")` (the machine is gone: the cloud node lifecycle
controller deletes the Node), `cloud.shut_down("node-2")`, `cloud.lb_quota = 0`.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .provider import CloudError, CloudProvider, InstanceMetadata, InstanceNotFound

REGION = "kubelab-region-1"
ZONES = ("kubelab-region-1a", "kubelab-region-1b", "kubelab-region-1c")
INSTANCE_TYPE = "k1.standard-2"
EXTERNAL_RANGE = ipaddress.ip_network("203.0.113.0/24")
LOAD_BALANCER_RANGE = ipaddress.ip_network("198.51.100.0/24")


@dataclass
class Instance:
    name: str
    zone: str
    internal_ip: str
    external_ip: str
    state: str = "running"     # running | stopped | terminated


@dataclass
class LoadBalancer:
    name: str
    ip: str
    ready_at: float
    ports: list


class FakeCloud(CloudProvider):
    name = "kubelab"

    def __init__(self, clock, lb_provisioning_seconds: float = 20.0, lb_quota: int = 5):
        self.clock = clock
        self.instances: dict[str, Instance] = {}
        self.load_balancers: dict[str, LoadBalancer] = {}
        self.lb_provisioning_seconds, self.lb_quota = lb_provisioning_seconds, lb_quota
        self.calls: list[tuple[float, str, str]] = []   # (time, call, about): the cloud's API log

    # -- the cloud's own console ------------------------------------------------------------
    def launch(self, name: str, internal_ip: str) -> Instance:
        """A new machine (kubelab's Cluster launches one per node)."""
        index = len(self.instances)
        instance = Instance(name, ZONES[index % len(ZONES)], internal_ip,
                            str(EXTERNAL_RANGE.network_address + 10 + index))
        self.instances[name] = instance
        return instance

    def terminate(self, name: str) -> None:
        self.instances[name].state = "terminated"

    def shut_down(self, name: str) -> None:
        self.instances[name].state = "stopped"

    def _instance(self, node: dict) -> Instance:
        instance = self.instances.get(node["metadata"]["name"])
        if instance is None or instance.state == "terminated":
            raise InstanceNotFound()
        return instance

    # -- InstancesV2 ---------------------------------------------------------------------------
    def instance_exists(self, node: dict) -> bool:
        self.calls.append((self.clock.now(), "InstanceExists", node["metadata"]["name"]))
        try:
            self._instance(node)
            return True
        except InstanceNotFound:
            return False

    def instance_shutdown(self, node: dict) -> bool:
        return self._instance(node).state == "stopped"

    def instance_metadata(self, node: dict) -> InstanceMetadata:
        self.calls.append((self.clock.now(), "InstanceMetadata", node["metadata"]["name"]))
        instance = self._instance(node)
        return InstanceMetadata(
            provider_id=f"kubelab://{instance.zone}/{instance.name}", instance_type=INSTANCE_TYPE,
            node_addresses=[{"type": "InternalIP", "address": instance.internal_ip},
                            {"type": "ExternalIP", "address": instance.external_ip},
                            {"type": "Hostname", "address": instance.name}],
            zone=instance.zone, region=REGION)

    # -- LoadBalancer ----------------------------------------------------------------------------
    def ensure_load_balancer(self, cluster_name: str, service: dict, nodes: list[dict]) -> dict | None:
        name = self.get_load_balancer_name(service)
        self.calls.append((self.clock.now(), "EnsureLoadBalancer", name))
        balancer = self.load_balancers.get(name)
        ports = [(p.get("protocol", "TCP"), p["port"], p.get("nodePort")) for p in service["spec"].get("ports", [])]
        if balancer is None:
            if len(self.load_balancers) >= self.lb_quota:
                raise CloudError(f"QuotaExceeded: the quota of {self.lb_quota} load balancers in "
                                 f"region {REGION} is used up")
            taken = {lb.ip for lb in self.load_balancers.values()}
            ip = next(str(a) for a in LOAD_BALANCER_RANGE.hosts() if str(a) not in taken and not str(a).endswith(".1"))
            balancer = self.load_balancers[name] = LoadBalancer(name, ip, self.clock.now() + self.lb_provisioning_seconds,
                                                                ports)
        balancer.ports = ports
        if self.clock.now() < balancer.ready_at:
            return None   # still provisioning: ask again later
        return {"ingress": [{"ip": balancer.ip, "ipMode": "VIP"}]}

    def ensure_load_balancer_deleted(self, cluster_name: str, service: dict) -> None:
        name = self.get_load_balancer_name(service)
        self.calls.append((self.clock.now(), "EnsureLoadBalancerDeleted", name))
        self.load_balancers.pop(name, None)
