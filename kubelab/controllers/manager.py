"""The controller manager: many controllers, one process, one set of informers.

kube-controller-manager is not one control loop but dozens, compiled into one binary so they
can share what is expensive: a single SharedInformerFactory, so the pods are listed and
watched once however many controllers care about pods. Each controller still speaks to the
API server under its own name, so the API server's trace shows which controller wrote what
("replicaset-controller created pods default/web-x7k2p").

    ControllerManager(client, clock).start()
        -> one informer factory
        -> each controller in CONTROLLERS: built with client.for_component(its name),
           registering its handlers on the shared informers
        -> the factory starts: list, then watch; handlers enqueue; workers reconcile

Each controller gets its client from a *client builder* (upstream's ControllerClientBuilder):
by default the manager's own client under the controller's name; in a Cluster, a client with
the controller's service-account token, so the API server sees
system:serviceaccount:kube-system:replicaset-controller and RBAC gives it exactly the rules
of system:controller:replicaset-controller (upstream's --use-service-account-credentials).

Real Kubernetes also runs leader election (only one kube-controller-manager of several is
active), health checks and metrics; kubelab skips those until the lessons on high
availability need them.
"""
from __future__ import annotations

from typing import Callable

from ..client import Client, Controller, SharedInformerFactory
from .registry import CONTROLLERS


class ControllerManager:
    """Runs the chosen controllers (default: all in CONTROLLERS) on shared informers."""

    def __init__(self, client: Client, clock, controllers: list[str] | None = None,
                 client_builder: Callable[[str], Client] | None = None):
        self.client, self.clock = client, clock
        self.client_builder = client_builder or client.for_component  # controller name -> its Client
        self.names = list(CONTROLLERS) if controllers is None else list(controllers)
        unknown = [name for name in self.names if name not in CONTROLLERS]
        if unknown:
            raise ValueError(f"unknown controllers {unknown}; known: {sorted(CONTROLLERS)}")
        self.factory: SharedInformerFactory | None = None
        self.controllers: dict[str, Controller] = {}  # by registry name, once started

    def start(self) -> None:
        """Build the informer factory and the controllers, then start the informers."""
        if self.factory is not None:
            return  # already running
        self.factory = SharedInformerFactory(self.client.for_component("kube-controller-manager"),
                                             self.clock)
        for name in self.names:
            controller_class = CONTROLLERS[name]
            self.controllers[name] = controller_class(self.client_builder(controller_class.name),
                                                      self.clock, self.factory)
        self.factory.start()

    def errors(self) -> list[tuple[str, str, str]]:
        """Every failed sync so far, as (controller, key, error), controllers in registry order."""
        return [(name, key, error) for name, controller in self.controllers.items()
                for key, error in controller.errors]
