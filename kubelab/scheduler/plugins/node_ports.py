"""NodePorts: two pods can't hold the same host port on one node.

Extension points: PreFilter, Filter.

A container port with `hostPort: 8080` is opened on the node's own address, so only one pod per
node can have it — per host IP and protocol: 0.0.0.0 (the default hostIP) conflicts with any IP
on the node, a specific IP conflicts with the same IP or with 0.0.0.0. PreFilter collects the
pod's host ports (Skip when it has none); Filter compares them with those the node's pods hold
(node_info.used_ports): "node(s) didn't have free ports for the requested pod ports",
Unschedulable (evicting the pod that holds the port would free it).

A pod that gave up a port frees it when it is deleted: the queue retries pods this plugin
rejected on AssignedPodDelete (upstream's queueing hint also checks the ports match; kubelab
checks that too).
"""
from __future__ import annotations

from ..framework import (ASSIGNED_POD_DELETE, NODE_ADD, OK, SKIPPED, CycleState, FilterPlugin, NodeInfo,
                         PreFilterPlugin, Status, unschedulable)
from ..node_info import HostPort, pod_host_ports

Name = "NodePorts"

ERR_REASON = "node(s) didn't have free ports for the requested pod ports"

_PRE_FILTER = "PreFilter" + Name
ANY_IP = "0.0.0.0"


def conflicts(wanted: list[HostPort], used: dict[HostPort, int]) -> bool:
    """Does any wanted (ip, protocol, port) clash with a used one?"""
    if not used:
        return False
    for ip, protocol, port in wanted:
        if ip == ANY_IP:
            if any(p == port and proto == protocol for _, proto, p in used):
                return True
        elif (ip, protocol, port) in used or (ANY_IP, protocol, port) in used:
            return True
    return False


class NodePorts(PreFilterPlugin, FilterPlugin):
    name = Name

    def events_to_register(self):
        def freed_a_port(pod, old, new):
            return old is not None and conflicts(pod_host_ports(pod), {port: 1 for port in pod_host_ports(old)})
        return [(ASSIGNED_POD_DELETE, freed_a_port), (NODE_ADD, None)]

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        ports = pod_host_ports(pod)
        if not ports:
            return SKIPPED
        state[_PRE_FILTER] = ports
        return OK

    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        wanted = state.get(_PRE_FILTER)
        if wanted is None:
            wanted = pod_host_ports(pod)
        return unschedulable(Name, ERR_REASON) if conflicts(wanted, node_info.used_ports) else OK


def new(arguments: dict | None = None, handle=None) -> NodePorts:
    """The plugin's factory, as the registry calls it."""
    return NodePorts()
