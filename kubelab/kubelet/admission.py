"""Kubelet admission: a pod bound to this node is checked again before anything runs.

The scheduler decided on a snapshot; the kubelet has the last word (upstream's
lifecycle.NewPredicateAdmitHandler running the scheduler's own GeneralPredicates, through the
shared component-helpers). A pod that fails is *rejected*: it never gets a sandbox, its phase
becomes Failed, and an event says why, in upstream's words:

    OutOfcpu     Node didn't have enough resource: cpu, requested: 5000, used: 0, capacity: 2000
    OutOfmemory  Node didn't have enough resource: memory, requested: ..., used: ..., capacity: ...
    OutOfpods    Node didn't have enough resource: pods, requested: 1, used: 110, capacity: 110
    NodeAffinity Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector

That is what happens to a pod whose spec.nodeName is set by hand (skipping the scheduler) onto
a node too small for it. The status message is "Pod was rejected: " + the event's message.
Left out: the eviction manager's admission (node under memory pressure), taints with NoExecute
(the node controller evicts those), host ports and the topology/CPU managers.
"""
from __future__ import annotations

from ..objects import quantity
from ..scheduler.node_info import pod_requests
from ..objects.node_selector import RequiredNodeAffinity

Rejection = tuple[str, str]  # (reason, message)


def admit(pod: dict, capacity: dict[str, str], node_labels: dict[str, str], node_name: str,
          admitted: list[dict]) -> Rejection | None:
    """None when `pod` may run beside the `admitted` pods on this node; else why not."""
    wanted = pod_requests(pod)
    used_cpu = used_memory = 0
    for other in admitted:
        requests = pod_requests(other)
        used_cpu, used_memory = used_cpu + requests.milli_cpu, used_memory + requests.memory
    allowed = {"cpu": quantity.milli(capacity.get("cpu", 0)), "memory": quantity.value(capacity.get("memory", 0)),
               "pods": quantity.value(capacity.get("pods", 110))}
    for resource, requested, used in (("pods", 1, len(admitted)), ("cpu", wanted.milli_cpu, used_cpu),
                                      ("memory", wanted.memory, used_memory)):
        if requested and used + requested > allowed[resource]:
            return f"OutOf{resource}", (f"Node didn't have enough resource: {resource}, requested: {requested}, "
                                        f"used: {used}, capacity: {allowed[resource]}")
    if not RequiredNodeAffinity(pod).match(node_labels, node_name):
        return "NodeAffinity", ("Predicate NodeAffinity failed: node(s) didn't match Pod's node "
                                "affinity/selector")
    return None
