"""The Node object a kubelet registers, and the status it reports about its machine.

A node joins a cluster by its kubelet creating the Node object (upstream's
registerWithAPIServer); from then on the kubelet computes the node's status every
nodeStatusUpdateFrequency (10 s): addresses, capacity, what it runs (nodeInfo), its images,
and four conditions — and sends it only when something changed or nodeStatusReportFrequency
(5 min) has passed, because its Lease (node_lease.py, renewed every 10 s) is the heartbeat. Ready
is the condition the rest of the cluster watches: the node lifecycle controller marks a node
Unknown when neither the Lease nor the status moves for the grace period.

Each tick starts from the Node in the kubelet's lister (`kubelet.node_lister`, upstream's
nodeLister, fieldSelector metadata.name=<node>), a GET only after a 409; `status_inputs` lets a
tick whose inputs did not change since the last one with nothing to send skip the computation.

Invariant: a condition's lastTransitionTime moves only when its status changes;
lastHeartbeatTime moves on every report.

Left out: allocatable = capacity here. Real Kubernetes subtracts kube-reserved,
system-reserved and the eviction threshold (memory.available<100Mi) from capacity; kubelab
skips reservations so the scheduler lessons add up in round numbers. Pressure conditions are
always False because the simulated machine never runs short. Upstream also gets podCIDR from
the node IPAM controller in kube-controller-manager (`--allocate-node-cidrs`): a kubelet
started without `--pod-cidr` registers without one and takes the Node's spec.podCIDR once the
controller has written it (as `Cluster` does); with `--pod-cidr` it brings its own.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from ..objects import conditions
from ..objects.timefmt import rfc3339

KUBELET_VERSION = "v1.32.0"
CONTAINER_RUNTIME_VERSION = "containerd://1.7.24"
OS_IMAGE = "Debian GNU/Linux 12 (bookworm)"
KERNEL_VERSION = "6.1.0-28-amd64"
KUBELET_PORT = 10250
MAX_IMAGES_IN_STATUS = 50  # upstream's nodeStatusMaxImages

# (type, status, reason, message, event reason): upstream's setters, in their order.
CONDITIONS = [
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
     "NodeHasSufficientMemory"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure",
     "NodeHasNoDiskPressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available",
     "NodeHasSufficientPID"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status", "NodeReady"),
]


@dataclass
class Machine:
    """What the kubelet knows about the machine it runs on."""
    node_name: str
    internal_ip: str
    pod_cidr: str | None   # None: wait for the node IPAM controller to write spec.podCIDR
    capacity: dict[str, str]
    machine_id: str = ""
    system_uuid: str = ""
    boot_id: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # extra ones, as `kubelet --node-labels`
    kubelet_port: int = KUBELET_PORT  # `kubelet --port`: where the API server asks for logs
    # `kubelet --cloud-provider=external`: register tainted uninitialized and leave the addresses
    # to the cloud controller manager once it has written them.
    cloud_provider: str = ""

    @classmethod
    def describe(cls, node_name: str, internal_ip: str, pod_cidr: str | None, capacity: dict[str, str],
                 rng: random.Random, labels: dict[str, str] | None = None) -> "Machine":
        """A machine with identities (machine-id, DMI UUID, boot id) drawn from `rng`."""
        return cls(node_name, internal_ip, pod_cidr, dict(capacity),
                   machine_id=f"{rng.getrandbits(128):032x}",
                   system_uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                   boot_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                   labels=dict(labels or {}))


def node_labels(machine: Machine) -> dict[str, str]:
    """The labels every kubelet puts on its Node (upstream's well-known labels)."""
    return {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": machine.node_name,
            "kubernetes.io/os": "linux", **machine.labels}


def initial_node(machine: Machine) -> dict:
    """The Node the kubelet creates when it registers (its status is filled in by node_status)."""
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": machine.node_name, "labels": node_labels(machine),
                     "annotations": {"volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": {**({"podCIDR": machine.pod_cidr, "podCIDRs": [machine.pod_cidr]} if machine.pod_cidr else {}),
                 **({"taints": [{"key": "node.cloudprovider.kubernetes.io/uninitialized", "value": "true",
                                 "effect": "NoSchedule"}]} if machine.cloud_provider == "external" else {})},
        "status": {},
    }


def reconcile_registration(existing: dict, machine: Machine) -> dict:
    """A copy of an already-registered Node with this kubelet's labels and podCIDR restored."""
    node = {**existing, "metadata": dict(existing["metadata"]), "spec": dict(existing.get("spec") or {})}
    node["metadata"]["labels"] = {**(existing["metadata"].get("labels") or {}), **node_labels(machine)}
    if machine.pod_cidr:
        node["spec"].setdefault("podCIDR", machine.pod_cidr)
        node["spec"].setdefault("podCIDRs", [node["spec"]["podCIDR"]])
    return node


def images_status(images) -> list[dict]:
    """status.images: the node's images, largest first, at most 50 (upstream's order and cap)."""
    ordered = sorted(images, key=lambda image: (-image.size, image.tag))
    return [{"names": image.names, "sizeBytes": image.size} for image in ordered[:MAX_IMAGES_IN_STATUS]]


def status_inputs(machine: Machine, node: dict, images) -> tuple | None:
    """Everything `node_status` reads but the clock: the Node's version (its old status), the
    machine and the images. Equal inputs give a status that differs only in heartbeat times, so a
    kubelet that found nothing to send need not compute it again until they change (None: the
    Node has no resourceVersion, so no claim is made)."""
    version = (node.get("metadata") or {}).get("resourceVersion")
    if not version:
        return None
    return (version, tuple(machine.capacity.items()), machine.internal_ip, machine.kubelet_port,
            machine.cloud_provider, machine.machine_id, machine.system_uuid, machine.boot_id,
            tuple((image.tag, image.digest, image.size) for image in images))


def node_status(machine: Machine, old_status: dict, images, now: float) -> tuple[dict, list[str]]:
    """The status to report now, and the event reasons of conditions that just changed."""
    stamp = rfc3339(now)
    current = old_status.get("conditions") or []
    changed = []
    for type_, status, reason, message, event_reason in CONDITIONS:
        old = conditions.get({"status": {"conditions": current}}, type_)
        if old is None or old.get("status") != status:
            changed.append(event_reason)
        current = conditions.set_condition(current, {"type": type_, "status": status,
                                                     "lastHeartbeatTime": stamp,
                                                     "reason": reason, "message": message}, now)
    order = [type_ for type_, *_ in CONDITIONS]
    current.sort(key=lambda c: order.index(c["type"]) if c["type"] in order else len(order))
    status = {
        **old_status,
        "capacity": dict(machine.capacity),
        "allocatable": dict(machine.capacity),
        "conditions": current,
        "addresses": old_status["addresses"] if machine.cloud_provider == "external" and old_status.get("addresses")
        else [{"type": "InternalIP", "address": machine.internal_ip}, {"type": "Hostname", "address": machine.node_name}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": machine.kubelet_port}},
        "nodeInfo": {
            "machineID": machine.machine_id, "systemUUID": machine.system_uuid,
            "bootID": machine.boot_id, "kernelVersion": KERNEL_VERSION, "osImage": OS_IMAGE,
            "containerRuntimeVersion": CONTAINER_RUNTIME_VERSION, "kubeletVersion": KUBELET_VERSION,
            # Deprecated (KEP-4004), but v1.32's kubelet still fills it with its own version.
            "kubeProxyVersion": KUBELET_VERSION,
            "operatingSystem": "linux", "architecture": "amd64",
        },
        "images": images_status(images),
    }
    return status, changed
