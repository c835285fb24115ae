"""NodeInfo: one node as the scheduler sees it — the Node, the pods on it, what they request.

Filters and scores never add up a node's pods themselves: they read `NodeInfo`, which keeps
running totals as pods arrive and leave (upstream's framework.NodeInfo). Two totals are kept:

  requested           the sum of the pods' requests, exactly as written. Filters use it:
                      "does the new pod still fit under allocatable?"
  non_zero_requested  the same, but a container that requests no cpu counts 100m and one that
                      requests no memory counts 200Mi. Scores use it, so that ten pods without
                      requests don't make a node look empty.

A pod's request is the sum of its containers' requests, or the largest init container's if
that is bigger (init containers run one at a time, before the others), plus spec.overhead.
Besides cpu, memory and pods, ephemeral-storage and *extended resources* ("nvidia.com/gpu",
"example.com/dongle": whole numbers a device plugin advertises) are counted in `scalar`.

The node also remembers the host ports its pods use (NodePorts) and which of its pods carry
pod (anti-)affinity terms (InterPodAffinity visits only those).

Invariant: every total equals the sum over `pods`; a pod's contribution is remembered when it is
added, so removing it subtracts exactly that.

Real Kubernetes also treats restartable init containers (sidecars) as running alongside the
app and tracks in-place resizes; kubelab's pods have neither.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..objects import meta, quantity
from .pod_info import PodInfo, has_pod_affinity, pod_info

# upstream's schedutil.DefaultMilliCPURequest / DefaultMemoryRequest (for scoring only)
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

HostPort = tuple[str, str, int]  # (hostIP, protocol, hostPort)


@dataclass
class Resource:
    """Amounts of the resources the scheduler counts: millicores, bytes, pods, and the others by name."""
    milli_cpu: int = 0
    memory: int = 0
    pods: int = 0
    scalar: dict[str, int] = field(default_factory=dict)  # "ephemeral-storage", "nvidia.com/gpu", ...

    def __add__(self, other: "Resource") -> "Resource":
        scalar = dict(self.scalar)
        for name, amount in other.scalar.items():
            scalar[name] = scalar.get(name, 0) + amount
        return Resource(self.milli_cpu + other.milli_cpu, self.memory + other.memory, self.pods + other.pods, scalar)

    def __sub__(self, other: "Resource") -> "Resource":
        scalar = dict(self.scalar)
        for name, amount in other.scalar.items():
            scalar[name] = scalar.get(name, 0) - amount
        return Resource(self.milli_cpu - other.milli_cpu, self.memory - other.memory, self.pods - other.pods, scalar)

    def get(self, name: str) -> int:
        if name == "cpu":
            return self.milli_cpu
        if name == "memory":
            return self.memory
        if name == "pods":
            return self.pods
        return self.scalar.get(name, 0)


def _scalars(amounts: dict) -> dict[str, int]:
    return {name: quantity.value(amount) for name, amount in amounts.items() if name not in ("cpu", "memory", "pods")}


# a container's requests as written -> its Resource: a cluster repeats a few ("100m", "500Mi") for
# every pod, and parsing them (exact Fractions) costs more than the rest of a pod's requests.
# Bounded: a cluster of many distinct requests just stops memoising. (Shared: read only.)
_CONTAINER_REQUESTS: dict[tuple, Resource] = {}
_CONTAINER_REQUESTS_KEPT = 1024


def _container_request(container: dict, non_zero: bool) -> Resource:
    requests = (container.get("resources") or {}).get("requests") or {}
    try:
        key = (non_zero, *requests.items())
        known = _CONTAINER_REQUESTS.get(key)
    except TypeError:  # (an unhashable value: the API server would have refused it; work it out)
        key = known = None
    if known is not None:
        return known
    request = _parse_container_request(requests, non_zero)
    if key is not None and len(_CONTAINER_REQUESTS) < _CONTAINER_REQUESTS_KEPT:
        _CONTAINER_REQUESTS[key] = request
    return request


def _parse_container_request(requests: dict, non_zero: bool) -> Resource:
    if "cpu" in requests:
        milli_cpu = quantity.milli(requests["cpu"])
    else:
        milli_cpu = DEFAULT_MILLI_CPU_REQUEST if non_zero else 0
    if "memory" in requests:
        memory = quantity.value(requests["memory"])
    else:
        memory = DEFAULT_MEMORY_REQUEST if non_zero else 0
    return Resource(milli_cpu, memory, 0, _scalars(requests))


def _max(a: Resource, b: Resource) -> Resource:
    names = set(a.scalar) | set(b.scalar)
    return Resource(max(a.milli_cpu, b.milli_cpu), max(a.memory, b.memory), max(a.pods, b.pods),
                    {name: max(a.scalar.get(name, 0), b.scalar.get(name, 0)) for name in names})


# a pod version (uid, resourceVersion) -> its requests: one pod's are asked for by PreFilter,
# PreScore and the assume, parsing quantities once instead of five times. Objects from the API
# are never changed in place, so a version's containers stay what they were; a pod without a
# resourceVersion (built by hand) is worked out every time. (The Resource is shared: read only.)
# Only the last few are kept: the asks come within one cycle, and a memo of every pod would be
# long-lived objects the garbage collector walks again and again.
_REQUESTS: dict[tuple, tuple] = {}
_REQUESTS_KEPT = 64


def pod_requests(pod: dict, non_zero: bool = False) -> Resource:
    """What a pod asks of a node: containers summed, at least its biggest init container, plus overhead.

    With `non_zero`, a container that leaves cpu or memory out counts upstream's defaults
    (100m, 200Mi) — the figure scoring uses; filtering uses the requests as written.
    """
    spec = pod.get("spec") or {}
    metadata = pod.get("metadata") or {}
    parts = (spec.get("containers"), spec.get("initContainers"), spec.get("overhead"))
    key = (metadata.get("uid"), metadata.get("resourceVersion"), non_zero)
    known = _REQUESTS.get(key)
    if known is not None and known[0] == parts:
        return known[1]
    total = _pod_requests(spec, non_zero)
    if key[0] and key[1]:
        if len(_REQUESTS) >= _REQUESTS_KEPT:
            _REQUESTS.clear()
        _REQUESTS[key] = (parts, total)
    return total


def _pod_requests(spec: dict, non_zero: bool) -> Resource:
    containers = spec.get("containers") or []
    if len(containers) == 1 and not spec.get("initContainers") and not spec.get("overhead"):
        only = _container_request(containers[0], non_zero)   # (most pods: the sum below, of one)
        return Resource(only.milli_cpu, only.memory, 1, dict(only.scalar))
    total = Resource()
    for container in spec.get("containers") or []:
        total = total + _container_request(container, non_zero)
    for container in spec.get("initContainers") or []:
        total = _max(total, _container_request(container, non_zero))
    total.pods = 1
    overhead = spec.get("overhead") or {}
    if overhead:
        total = total + Resource(quantity.milli(overhead.get("cpu", 0)), quantity.value(overhead.get("memory", 0)),
                                 0, _scalars(overhead))
    return total


def node_allocatable(node: dict) -> Resource:
    """What a node offers to pods: status.allocatable (the API server defaults it to capacity)."""
    status = node.get("status") or {}
    allocatable = status.get("allocatable") or status.get("capacity") or {}
    return Resource(quantity.milli(allocatable.get("cpu", 0)), quantity.value(allocatable.get("memory", 0)),
                    quantity.value(allocatable.get("pods", 0)), _scalars(allocatable))


def pod_host_ports(pod: dict) -> list[HostPort]:
    """The (hostIP, protocol, hostPort) the pod's containers ask the node for (hostPort > 0 only)."""
    ports = []
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                ports.append((port.get("hostIP") or "0.0.0.0", port.get("protocol") or "TCP", port["hostPort"]))
    return ports


class NodeInfo:
    """A node and the pods bound (or assumed) to it, with their requests summed."""

    def __init__(self, node: dict | None = None):
        self.node: dict | None = None         # None while pods name a node the cache hasn't seen
        self.name = ""
        self.labels: dict[str, str] = {}
        self.allocatable = Resource()         # parsed once per node version, read by every filter
        self.pods: dict[str, dict] = {}       # pod key -> pod, in arrival order
        self.requested = Resource()
        self.non_zero_requested = Resource()
        self.used_ports: dict[HostPort, int] = {}          # host port -> how many pods hold it
        self.pods_with_affinity: dict[str, PodInfo] = {}   # pods with any pod (anti-)affinity term
        self.pods_with_required_anti_affinity: dict[str, PodInfo] = {}
        self.generation = 0                   # bumped on every change (cache snapshots compare it)
        self._contributions: dict[str, tuple[Resource, Resource, list[HostPort]]] = {}
        self.set_node(node)

    def set_node(self, node: dict | None) -> None:
        """Point at the newest copy of the Node (or None when it is gone)."""
        self.node = node
        self.name = meta.name(node) if node else ""
        self.labels = meta.labels(node) if node else {}
        self.allocatable = node_allocatable(node) if node else Resource()
        self.taints: list[dict] = ((node or {}).get("spec") or {}).get("taints") or []  # read per pod per node
        self.images = {name: image.get("sizeBytes", 0)  # image name -> size (ImageLocality)
                       for image in ((node or {}).get("status") or {}).get("images") or []
                       for name in image.get("names") or []}
        self.generation += 1

    def add_pod(self, pod: dict, key: str | None = None) -> None:
        """Count `pod` on this node (replacing an older copy of the same pod); `key`: its key, if known."""
        key = key or meta.key(pod)
        self.remove_pod(key)
        requested, non_zero = pod_requests(pod), pod_requests(pod, non_zero=True)
        ports = pod_host_ports(pod)
        self.pods[key] = pod
        self._contributions[key] = (requested, non_zero, ports)
        self.requested = self.requested + requested
        self.non_zero_requested = self.non_zero_requested + non_zero
        for port in ports:
            self.used_ports[port] = self.used_ports.get(port, 0) + 1
        if has_pod_affinity(pod):
            info = pod_info(pod)
            self.pods_with_affinity[key] = info
            if info.required_anti_affinity_terms:
                self.pods_with_required_anti_affinity[key] = info
        self.generation += 1

    def remove_pod(self, key: str) -> None:
        """Stop counting the pod with this key (a no-op if it isn't here)."""
        if key not in self.pods:
            return
        requested, non_zero, ports = self._contributions.pop(key)
        del self.pods[key]
        self.requested = self.requested - requested
        self.non_zero_requested = self.non_zero_requested - non_zero
        for port in ports:
            self.used_ports[port] -= 1
            if not self.used_ports[port]:
                del self.used_ports[port]
        self.pods_with_affinity.pop(key, None)
        self.pods_with_required_anti_affinity.pop(key, None)
        self.generation += 1

    def __repr__(self) -> str:
        allocatable = self.allocatable
        return (f"NodeInfo({self.name!r}, pods={len(self.pods)}/{allocatable.pods}, "
                f"cpu={quantity.format_milli_cpu(self.requested.milli_cpu)}/"
                f"{quantity.format_milli_cpu(allocatable.milli_cpu)}, "
                f"memory={quantity.format_bytes(self.requested.memory)}/{quantity.format_bytes(allocatable.memory)})")
