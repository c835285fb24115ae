"""The admission chain: every mutating plugin in order, then every validating one.

Upstream runs the mutating phase before the kind's own validation and the validating phase
after it, so a validating plugin sees the object exactly as it will be stored; kubelab keeps
that order (server.py calls `mutate` then `validate` around its validation step). Each
plugin that handles the request records its own step on the request's path
("admission: NamespaceLifecycle", passed or refused), so the request record shows which
plugin said no.
"""
from __future__ import annotations

from ...api.errors import ApiError
from ...api.request import Step
from .attributes import Attributes


class AdmissionPlugin:
    """Base class: set `name`, `operations` and `resources`; override admit and/or validate."""
    name = "Plugin"
    operations: tuple[str, ...] = ("CREATE", "UPDATE", "DELETE", "CONNECT")
    resources: tuple[str, ...] | None = None     # plurals; None means every resource

    def handles(self, attributes: Attributes) -> bool:
        return attributes.operation in self.operations and \
            (self.resources is None or attributes.resource in self.resources)

    def admit(self, attributes: Attributes) -> None:
        """Mutating phase: may change attributes.object, or refuse."""

    def validate(self, attributes: Attributes) -> None:
        """Validating phase: may only refuse."""

    @property
    def mutating(self) -> bool:
        return type(self).admit is not AdmissionPlugin.admit

    @property
    def validating(self) -> bool:
        return type(self).validate is not AdmissionPlugin.validate


class AdmissionChain:
    """The enabled plugins of one API server, in --enable-admission-plugins order."""

    def __init__(self, plugins: list[AdmissionPlugin]):
        self.plugins = list(plugins)

    def add(self, plugin: AdmissionPlugin) -> None:
        """Enable one more plugin (runs after those already enabled)."""
        self.plugins.append(plugin)

    def remove(self, name: str) -> None:
        self.plugins = [plugin for plugin in self.plugins if plugin.name != name]

    @property
    def names(self) -> list[str]:
        return [plugin.name for plugin in self.plugins]

    def mutate(self, attributes: Attributes, steps: list | None = None) -> None:
        """The mutating phase; each plugin that runs appends its Step to `steps`."""
        for plugin in self.plugins:
            if plugin.mutating and plugin.handles(attributes):
                _run(plugin.admit, plugin.name, "mutating", attributes, steps)

    def validate(self, attributes: Attributes, steps: list | None = None) -> None:
        """The validating phase; each plugin that runs appends its Step to `steps`."""
        for plugin in self.plugins:
            if plugin.validating and plugin.handles(attributes):
                _run(plugin.validate, plugin.name, "validating", attributes, steps)

    def handles(self, attributes: Attributes) -> bool:
        """Does any enabled plugin look at this request?"""
        return any(plugin.handles(attributes) for plugin in self.plugins)


def _run(phase, name: str, kind: str, attributes: Attributes, steps: list | None) -> None:
    try:
        phase(attributes)
    except ApiError as error:
        if steps is not None:
            steps.append(Step(f"admission: {name}", "refused", f"{error.code} {error.reason}: {error.message}"))
        raise
    if steps is not None:
        steps.append(Step(f"admission: {name}", "passed", kind))
