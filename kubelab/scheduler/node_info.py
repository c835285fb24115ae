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

Invariant: `requested` and `non_zero_requested` always equal the sums over `pods`; a pod's
contribution is remembered when it is added, so removing it subtracts exactly that.

Real Kubernetes also counts ephemeral storage, extended resources (GPUs), host ports, images
and volumes here, and treats restartable init containers (sidecars) as running alongside the
app; kubelab skips them because its plugins look at cpu, memory and pod count only.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..objects import meta, quantity

# upstream's schedutil.DefaultMilliCPURequest / DefaultMemoryRequest (for scoring only)
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024


@dataclass
class Resource:
    """Amounts of the resources the scheduler counts: millicores, bytes, and a number of pods."""
    milli_cpu: int = 0
    memory: int = 0
    pods: int = 0

    def __add__(self, other: "Resource") -> "Resource":
        return Resource(self.milli_cpu + other.milli_cpu, self.memory + other.memory, self.pods + other.pods)

    def __sub__(self, other: "Resource") -> "Resource":
        return Resource(self.milli_cpu - other.milli_cpu, self.memory - other.memory, self.pods - other.pods)


def _container_request(container: dict, non_zero: bool) -> Resource:
    requests = (container.get("resources") or {}).get("requests") or {}
    if "cpu" in requests:
        milli_cpu = quantity.milli(requests["cpu"])
    else:
        milli_cpu = DEFAULT_MILLI_CPU_REQUEST if non_zero else 0
    if "memory" in requests:
        memory = quantity.value(requests["memory"])
    else:
        memory = DEFAULT_MEMORY_REQUEST if non_zero else 0
    return Resource(milli_cpu, memory)


def pod_requests(pod: dict, non_zero: bool = False) -> Resource:
    """What a pod asks of a node: containers summed, at least its biggest init container, plus overhead.

    With `non_zero`, a container that leaves cpu or memory out counts upstream's defaults
    (100m, 200Mi) — the figure scoring uses; filtering uses the requests as written.
    """
    spec = pod.get("spec") or {}
    total = Resource(pods=1)
    for container in spec.get("containers") or []:
        total = total + _container_request(container, non_zero)
    for container in spec.get("initContainers") or []:
        init = _container_request(container, non_zero)
        total = Resource(max(total.milli_cpu, init.milli_cpu), max(total.memory, init.memory), 1)
    overhead = spec.get("overhead") or {}
    if overhead:
        total = total + Resource(quantity.milli(overhead.get("cpu", 0)), quantity.value(overhead.get("memory", 0)))
    return total


def node_allocatable(node: dict) -> Resource:
    """What a node offers to pods: status.allocatable (the API server defaults it to capacity)."""
    status = node.get("status") or {}
    allocatable = status.get("allocatable") or status.get("capacity") or {}
    return Resource(quantity.milli(allocatable.get("cpu", 0)), quantity.value(allocatable.get("memory", 0)),
                    quantity.value(allocatable.get("pods", 0)))


class NodeInfo:
    """A node and the pods bound (or assumed) to it, with their requests summed."""

    def __init__(self, node: dict | None = None):
        self.node: dict | None = None         # None while pods name a node the cache hasn't seen
        self.name = ""
        self.allocatable = Resource()         # parsed once per node version, read by every filter
        self.pods: dict[str, dict] = {}       # pod key -> pod, in arrival order
        self.requested = Resource()
        self.non_zero_requested = Resource()
        self._contributions: dict[str, tuple[Resource, Resource]] = {}  # key -> (requested, non-zero)
        self.set_node(node)

    def set_node(self, node: dict | None) -> None:
        """Point at the newest copy of the Node (or None when it is gone)."""
        self.node = node
        self.name = meta.name(node) if node else ""
        self.allocatable = node_allocatable(node) if node else Resource()

    def add_pod(self, pod: dict) -> None:
        """Count `pod` on this node (replacing an older copy of the same pod)."""
        key = meta.key(pod)
        self.remove_pod(key)
        requested, non_zero = pod_requests(pod), pod_requests(pod, non_zero=True)
        self.pods[key] = pod
        self._contributions[key] = (requested, non_zero)
        self.requested = self.requested + requested
        self.non_zero_requested = self.non_zero_requested + non_zero

    def remove_pod(self, key: str) -> None:
        """Stop counting the pod with this key (a no-op if it isn't here)."""
        if key not in self.pods:
            return
        requested, non_zero = self._contributions.pop(key)
        del self.pods[key]
        self.requested = self.requested - requested
        self.non_zero_requested = self.non_zero_requested - non_zero

    def __repr__(self) -> str:
        allocatable = self.allocatable
        return (f"NodeInfo({self.name!r}, pods={len(self.pods)}/{allocatable.pods}, "
                f"cpu={quantity.format_milli_cpu(self.requested.milli_cpu)}/"
                f"{quantity.format_milli_cpu(allocatable.milli_cpu)}, "
                f"memory={quantity.format_bytes(self.requested.memory)}/{quantity.format_bytes(allocatable.memory)})")
