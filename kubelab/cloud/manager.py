"""The cloud controller manager: the controllers that need to ask the cloud, in their own process.

kube-controller-manager once held every cloud's code; since the cloud controller manager
(k8s.io/cloud-provider, `cloud-controller-manager --cloud-provider=<name>`) it runs apart, so
"the cloud provider's code and Kubernetes' code evolve independently". It is built exactly like
the controller manager — shared informers, each controller under its own name — but each
controller also gets the cloud (a CloudProvider):

    cloud-node            new Nodes: providerID, zone/region/instance-type labels, addresses,
                          the uninitialized taint removed           (node_controller.py)
    cloud-node-lifecycle  Nodes whose machine is gone: deleted      (node_lifecycle.py)
    service               type LoadBalancer Services: a balancer, its IP in the status (service.py)

Left out: the route controller (kubelab's pod network needs no cloud routes).
"""
from __future__ import annotations

from typing import Callable

from ..client import Client, Controller, SharedInformerFactory
from .node_controller import CloudNodeController
from .node_lifecycle import CloudNodeLifecycleController
from .service import ServiceController

CLOUD_CONTROLLERS = {
    "cloud-node": CloudNodeController,
    "cloud-node-lifecycle": CloudNodeLifecycleController,
    "service": ServiceController,
}


class CloudControllerManager:
    def __init__(self, client: Client, clock, cloud, controllers: list[str] | None = None,
                 client_builder: Callable[[str], Client] | None = None):
        self.client, self.clock, self.cloud = client, clock, cloud
        self.client_builder = client_builder or client.for_component
        self.names = list(CLOUD_CONTROLLERS) if controllers is None else list(controllers)
        unknown = [name for name in self.names if name not in CLOUD_CONTROLLERS]
        if unknown:
            raise ValueError(f"unknown controllers {unknown}; known: {sorted(CLOUD_CONTROLLERS)}")
        self.factory: SharedInformerFactory | None = None
        self.controllers: dict[str, Controller] = {}

    def start(self) -> None:
        if self.factory is not None:
            return
        self.factory = SharedInformerFactory(self.client.for_component("cloud-controller-manager"), self.clock)
        for name in self.names:
            controller_class = CLOUD_CONTROLLERS[name]
            self.controllers[name] = controller_class(self.client_builder(controller_class.name), self.clock,
                                                      self.factory, self.cloud)
        self.factory.start()

    def stop(self) -> None:
        if self.factory is not None:
            for informer in self.factory.informers.values():
                informer.stop()
        for controller in self.controllers.values():
            controller.queue.shut_down()
            stop = getattr(controller, "stop", None)
            if stop is not None:
                stop()

    def errors(self) -> list[tuple[str, str, str]]:
        return [(name, key, error) for name, controller in self.controllers.items()
                for key, error in controller.errors]
