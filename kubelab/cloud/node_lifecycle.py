"""The cloud node lifecycle controller: a Node whose machine is gone is deleted.

The node lifecycle controller can only see that a node stopped answering; it cannot tell a
network blip from a machine that no longer exists. The cloud can. Every 5 s
(--node-monitor-period) upstream's CloudNodeLifecycleController
(k8s.io/cloud-provider/controllers/nodelifecycle) asks, for each node that is not Ready:

    the instance no longer exists   -> Event DeletingNode, then DELETE the Node (the pod GC
                                       then removes its pods; their controllers replace them)
    the instance is shut down       -> taint node.cloudprovider.kubernetes.io/shutdown:NoSchedule
    it is Ready again               -> the shutdown taint comes off
"""
from __future__ import annotations

import copy

from ..client import ApiError, Controller
from ..client.events import NORMAL
from ..objects import conditions, meta
from .node_controller import node_reference
from .provider import CloudError

SHUTDOWN = "node.cloudprovider.kubernetes.io/shutdown"
MONITOR_PERIOD = 5.0


class CloudNodeLifecycleController(Controller):
    name = "cloud-node-lifecycle-controller"

    def __init__(self, client, clock, factory, cloud):
        super().__init__(client, clock, factory)
        self.cloud = cloud
        self.nodes = factory.informer("nodes")
        self._timer = self.clock.call_later(MONITOR_PERIOD, self._tick, daemon=True)

    def _tick(self) -> None:
        try:
            self.monitor_nodes()
        finally:
            self._timer = self.clock.call_later(MONITOR_PERIOD, self._tick, daemon=True)

    def monitor_nodes(self) -> None:
        for node in self.nodes.list():
            ready = conditions.get(node, "Ready")
            shutdown_tainted = any(t.get("key") == SHUTDOWN for t in node["spec"].get("taints") or [])
            if ready is not None and ready.get("status") == "True":
                if shutdown_tainted:
                    self._set_shutdown_taint(node, False)
                continue
            try:
                if not self.cloud.instance_exists(node):
                    self.recorder.event(node_reference(node), NORMAL, "DeletingNode",
                                        f"Deleting node {meta.name(node)} because it does not exist in the "
                                        f"cloud provider")
                    self.client.delete("nodes", meta.name(node))
                elif self.cloud.instance_shutdown(node) and not shutdown_tainted:
                    self._set_shutdown_taint(node, True)
            except CloudError:
                continue
            except ApiError as error:
                if error.code != 404:
                    self.errors.append((meta.name(node), f"{error.code} {error.reason}: {error.message}"))

    def _set_shutdown_taint(self, node: dict, present: bool) -> None:
        updated = copy.deepcopy(node)
        taints = [t for t in updated["spec"].get("taints") or [] if t.get("key") != SHUTDOWN]
        if present:
            taints.append({"key": SHUTDOWN, "effect": "NoSchedule"})
        updated["spec"]["taints"] = taints
        if not taints:
            del updated["spec"]["taints"]
        self.client.update("nodes", updated)

    def stop(self) -> None:
        self._timer.cancel()
