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

`controllers` takes upstream's `--controllers` syntax: `["*"]` is every controller enabled by
default, `"-name"` turns one off, `"name"` turns on one that is off by default
(`["*", "-garbagecollector"]`). A controller whose class says `root_credentials = True` (the
tokens controller, which mints everyone else's credentials) speaks with the manager's own
client, as upstream starts it with the root client builder.

Real Kubernetes also runs health checks and metrics; kubelab skips those.
"""
from __future__ import annotations

import inspect
from typing import Callable

from ..client import Client, Controller, SharedInformerFactory
from .config import ControllerManagerConfig
from .registry import CONTROLLERS, DISABLED_BY_DEFAULT


def enabled_controllers(flags: list[str] | None, known=CONTROLLERS,
                        disabled_by_default=DISABLED_BY_DEFAULT) -> list[str]:
    """The controllers `--controllers` turns on, in registry order ("*", "-name", "name")."""
    flags = ["*"] if flags is None else list(flags)
    unknown = [flag.lstrip("-") for flag in flags if flag != "*" and flag.lstrip("-") not in known]
    if unknown:
        raise ValueError(f"unknown controllers {unknown}; known: {sorted(known)}")
    star = "*" in flags
    on = {flag for flag in flags if flag != "*" and not flag.startswith("-")}
    off = {flag[1:] for flag in flags if flag.startswith("-")}
    return [name for name in known
            if name not in off and (name in on or (star and name not in disabled_by_default))]


def resolve_controller(controller) -> type:
    """A Controller subclass, given itself or its dotted path ("package.module.Class")."""
    if isinstance(controller, str):
        import importlib
        module_name, _, class_name = controller.replace(":", ".").rpartition(".")
        try:
            controller = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError, ValueError) as error:
            raise ValueError(f"cannot load controller {controller!r}: {error}") from None
    if not (isinstance(controller, type) and issubclass(controller, Controller)):
        raise ValueError(f"{controller!r} is not a Controller subclass")
    return controller


class ControllerManager:
    """Runs the chosen controllers (default: all in CONTROLLERS) on shared informers."""

    def __init__(self, client: Client, clock, controllers: list[str] | None = None,
                 client_builder: Callable[[str], Client] | None = None,
                 config: ControllerManagerConfig | None = None):
        self.client, self.clock = client, clock
        self.client_builder = client_builder or client.for_component  # controller name -> its Client
        self.config = config or ControllerManagerConfig()
        if self.config.allocate_node_cidrs and (controllers is None or "*" in controllers):
            controllers = [*(controllers or ["*"]), "nodeipam"]   # unless "-nodeipam" says no
        self.names = enabled_controllers(controllers)
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
            client = self.client.for_component(controller_class.name) \
                if getattr(controller_class, "root_credentials", False) else self.client_builder(controller_class.name)
            options = {"config": self.config} if "config" in inspect.signature(controller_class).parameters else {}
            self.controllers[name] = controller_class(client, self.clock, self.factory, **options)
        self.factory.start()

    def add(self, controller, name: str | None = None) -> Controller:
        """Run one more controller — yours: a Controller subclass, or its dotted path
        ("mypackage.module.MyController", as `kubelab controller-manager --controller` takes).

        It gets the shared informers and a client of its own (service account
        kube-system/<its name>: give that account a Role for what it writes).
        """
        controller_class = resolve_controller(controller)
        name = name or controller_class.name
        if name in self.controllers:
            raise ValueError(f"a controller named {name!r} is already running")
        if self.factory is None:
            self.start()
        self.controllers[name] = controller_class(self.client_builder(controller_class.name), self.clock,
                                                  self.factory)
        self.factory.start()   # the informers it asked for, if new: list, then watch
        return self.controllers[name]

    def stop(self) -> None:
        """Stop every informer, queue and timer (the process is going away)."""
        if self.factory is not None:
            for informer in self.factory.informers.values():
                informer.stop()
        for controller in self.controllers.values():
            controller.queue.shut_down()
            stop = getattr(controller, "stop", None)
            if stop is not None:
                stop()

    def errors(self) -> list[tuple[str, str, str]]:
        """Every failed sync so far, as (controller, key, error), controllers in registry order."""
        return [(name, key, error) for name, controller in self.controllers.items()
                for key, error in controller.errors]
