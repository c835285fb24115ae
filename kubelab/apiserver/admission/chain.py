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
        # (operation, resource) -> [(plugin, asks)] that handle it (any phase, mutating,
        # validating): asked on every write, answered from the plugins' declared operations
        # and resources once. A plugin with its own `handles` is listed with asks=True and
        # still asked each time.
        self._candidates: dict[tuple[str, str], tuple[list, list, list]] = {}
        self._for: list | None = None   # a copy of the plugin list those candidates were worked out from

    def add(self, plugin: AdmissionPlugin) -> None:
        """Enable one more plugin (runs after those already enabled)."""
        self.plugins = self.plugins + [plugin]

    def remove(self, name: str) -> None:
        self.plugins = [plugin for plugin in self.plugins if plugin.name != name]

    @property
    def names(self) -> list[str]:
        return [plugin.name for plugin in self.plugins]

    def _plugins_for(self, attributes: Attributes) -> tuple[list, list, list]:
        """(any, mutating, validating): the plugins whose declared operations and resources
        cover this request, or that decide for themselves (their own `handles`)."""
        if self._for != self.plugins:   # enabled or disabled since (add/remove, or the list edited
            self._candidates, self._for = {}, list(self.plugins)   # in place): work them out again
        question = (attributes.operation, attributes.resource)
        found = self._candidates.get(question)
        if found is None:
            covering = [(plugin, type(plugin).handles is not AdmissionPlugin.handles) for plugin in self.plugins
                        if type(plugin).handles is not AdmissionPlugin.handles or plugin.handles(attributes)]
            found = self._candidates[question] = (covering, [c for c in covering if c[0].mutating],
                                                  [c for c in covering if c[0].validating])
        return found

    def mutate(self, attributes: Attributes, steps: list | None = None) -> None:
        """The mutating phase; each plugin that runs appends its Step to `steps`."""
        for plugin, asks in self._plugins_for(attributes)[1]:
            if not asks or plugin.handles(attributes):
                _run(plugin.admit, plugin.name, "mutating", attributes, steps)

    def validate(self, attributes: Attributes, steps: list | None = None) -> None:
        """The validating phase; each plugin that runs appends its Step to `steps`."""
        for plugin, asks in self._plugins_for(attributes)[2]:
            if not asks or plugin.handles(attributes):
                _run(plugin.validate, plugin.name, "validating", attributes, steps)

    def handles(self, attributes: Attributes) -> bool:
        """Does any enabled plugin look at this request?"""
        return any(not asks or plugin.handles(attributes) for plugin, asks in self._plugins_for(attributes)[0])


def _run(phase, name: str, kind: str, attributes: Attributes, steps: list | None) -> None:
    try:
        phase(attributes)
    except ApiError as error:
        if steps is not None:
            steps.append(Step(f"admission: {name}", "refused", f"{error.code} {error.reason}: {error.message}"))
        raise
    if steps is not None:
        steps.append(Step(f"admission: {name}", "passed", kind))
