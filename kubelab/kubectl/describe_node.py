"""`kubectl describe node`: a node's health, capacity, and what is running on it.

The kubelet's reports (conditions with their heartbeat times, addresses, capacity,
allocatable, system info) come first; then the Lease the kubelet renews in kube-node-lease;
then every pod bound to the node that has not finished, with what each requests and limits,
and the totals as a share of what the node can allocate — the numbers the scheduler fits pods
against.

Percentages are truncated, not rounded, as upstream's int64 conversion does. Left out: pod
overhead and sidecar arithmetic in the per-pod totals.
"""
from __future__ import annotations

from kubelab.client import ApiError
from kubelab.objects import quantity

from .describe_writer import Writer, annotations_multiline, events_section, labels_multiline, taints_multiline
from .printers import node_roles
from .quantities import Total, canonical
from .timestamps import rfc1123z, since

_STANDARD = ("cpu", "memory", "ephemeral-storage")


def describe_node(client, node: dict, events: list[dict] | None, now: float) -> str:
    metadata, spec, status = node.get("metadata", {}), node.get("spec") or {}, node.get("status") or {}
    name = metadata.get("name", "")
    w = Writer()
    w.line(0, f"Name:\t{name}")
    w.line(0, f"Roles:\t{','.join(node_roles(node)) or '<none>'}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    w.line(0, f"CreationTimestamp:\t{rfc1123z(metadata.get('creationTimestamp'))}")
    taints_multiline(w, "Taints", spec.get("taints"))
    w.line(0, f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}")
    _lease(w, client, name)
    if status.get("conditions"):
        w.line(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage")
        w.line(1, "----\t------\t-----------------\t------------------\t------\t-------")
        for c in status["conditions"]:
            w.line(1, f"{c.get('type', '')} \t{c.get('status', '')} \t{rfc1123z(c.get('lastHeartbeatTime'))} \t"
                      f"{rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}")
    w.line(0, "Addresses:")
    for address in status.get("addresses") or []:
        w.line(1, f"{address.get('type', '')}:\t{address.get('address', '')}")
    for title, field in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        if status.get(field):
            w.line(0, f"{title}:")
            for resource in sorted(status[field]):
                w.line(1, f"{resource}:\t{canonical(status[field][resource])}")
    info = status.get("nodeInfo") or {}
    w.line(0, "System Info:")
    for title, field in (("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
                         ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"),
                         ("Operating System", "operatingSystem"), ("Architecture", "architecture"),
                         ("Container Runtime Version", "containerRuntimeVersion"),
                         ("Kubelet Version", "kubeletVersion"), ("Kube-Proxy Version", "kubeProxyVersion")):
        w.line(1, f"{title}:\t{info.get(field, '')}")
    if spec.get("podCIDR"):
        w.line(0, f"PodCIDR:\t{spec['podCIDR']}")
    if spec.get("podCIDRs"):
        w.line(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}")
    if spec.get("providerID"):
        w.line(0, f"ProviderID:\t{spec['providerID']}")
    try:
        pods = client.list("pods", None, field_selector=f"spec.nodeName={name},status.phase!=Succeeded,"
                                                         f"status.phase!=Failed").get("items") or []
        _resources(w, node, pods, now)
    except ApiError as error:
        if error.reason != "Forbidden":
            raise
        w.line(0, "Pods:\tnot authorized")
    if events is not None:
        events_section(w, events, now)
    return str(w)


def _lease(w: Writer, client, name: str) -> None:
    try:
        lease = client.get("leases", name, "kube-node-lease")
    except ApiError as error:
        w.line(0, f"Lease:\tFailed to get lease: {error.message}")
        return
    spec = lease.get("spec") or {}
    w.line(0, "Lease:")
    w.line(1, f"HolderIdentity:\t{spec.get('holderIdentity') or '<unset>'}")
    w.line(1, f"AcquireTime:\t{rfc1123z(spec['acquireTime']) if spec.get('acquireTime') else '<unset>'}")
    w.line(1, f"RenewTime:\t{rfc1123z(spec['renewTime']) if spec.get('renewTime') else '<unset>'}")


def pod_requests_and_limits(pod: dict) -> tuple[dict[str, Total], dict[str, Total]]:
    """What a pod asks for: its containers summed, or its largest init container if that is more."""
    spec = pod.get("spec") or {}
    totals: tuple[dict[str, Total], dict[str, Total]] = ({}, {})
    for container in spec.get("containers") or []:
        resources = container.get("resources") or {}
        for index, field in enumerate(("requests", "limits")):
            for resource, amount in (resources.get(field) or {}).items():
                totals[index].setdefault(resource, Total()).add(amount)
    for container in spec.get("initContainers") or []:
        resources = container.get("resources") or {}
        for index, field in enumerate(("requests", "limits")):
            for resource, amount in (resources.get(field) or {}).items():
                totals[index][resource] = totals[index].get(resource, Total()).max(Total().add(amount))
    return totals


def _percent(amount: int, allocatable: int) -> int:
    return int(amount / allocatable * 100) if allocatable else 0


def _resources(w: Writer, node: dict, pods: list[dict], now: float) -> None:
    status = node.get("status") or {}
    allocatable = status.get("allocatable") or status.get("capacity") or {}
    cpu_total = quantity.milli(allocatable.get("cpu", "0"))
    memory_total = quantity.value(allocatable.get("memory", "0"))
    w.line(0, f"Non-terminated Pods:\t({len(pods)} in total)")
    w.line(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge")
    w.line(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---")
    requests_sum: dict[str, Total] = {}
    limits_sum: dict[str, Total] = {}
    for pod in pods:
        requests, limits = pod_requests_and_limits(pod)
        for sums, amounts in ((requests_sum, requests), (limits_sum, limits)):
            for resource, amount in amounts.items():
                sums.setdefault(resource, Total()).add(str(amount))
        cells = []
        for amounts in (requests, limits):
            cpu = amounts.get("cpu", Total())
            cells.append(f"{cpu} ({_percent(quantity.milli(str(cpu)), cpu_total)}%)")
        for amounts in (requests, limits):
            memory = amounts.get("memory", Total())
            cells.append(f"{memory} ({_percent(quantity.value(str(memory)), memory_total)}%)")
        w.line(1, f"{pod['metadata'].get('namespace', '')}\t{pod['metadata'].get('name', '')}\t\t"
                  f"{cells[0]}\t{cells[1]}\t{cells[2]}\t{cells[3]}\t"
                  f"{since(pod['metadata'].get('creationTimestamp'), now)}")
    w.line(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)")
    w.line(1, "Resource\tRequests\tLimits")
    w.line(1, "--------\t--------\t------")
    for resource in _STANDARD:
        total = quantity.milli if resource == "cpu" else quantity.value
        available = total(allocatable.get(resource, "0"))
        requested, limited = requests_sum.get(resource, Total()), limits_sum.get(resource, Total())
        w.line(1, f"{resource}\t{requested} ({_percent(total(str(requested)), available)}%)\t"
                  f"{limited} ({_percent(total(str(limited)), available)}%)")
    names = sorted(allocatable)
    for resource in [n for n in names if n.startswith("hugepages-")]:
        available = quantity.value(allocatable[resource])
        requested, limited = requests_sum.get(resource, Total()), limits_sum.get(resource, Total())
        w.line(1, f"{resource}\t{requested} ({_percent(quantity.value(str(requested)), available)}%)\t"
                  f"{limited} ({_percent(quantity.value(str(limited)), available)}%)")
    for resource in [n for n in names if n not in _STANDARD and n != "pods" and not n.startswith("hugepages-")]:
        w.line(1, f"{resource}\t{requests_sum.get(resource, Total())}\t{limits_sum.get(resource, Total())}")
