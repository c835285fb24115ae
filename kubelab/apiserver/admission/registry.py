"""The admission plugins kubelab knows, by upstream's name, and the ones on by default.

Upstream's default order (kube-apiserver --enable-admission-plugins defaults, v1.32) starts
NamespaceLifecycle, LimitRanger, ServiceAccount, ..., Priority, DefaultTolerationSeconds, ...;
kubelab keeps the relative order of the six it has. `register(YourPlugin)` makes a plugin
known by name, so `APIServer(..., admission_plugins=[..., "YourPlugin"])` can enable it.
"""
from __future__ import annotations

from .chain import AdmissionPlugin
from .default_storage_class import DefaultStorageClass, StorageObjectInUseProtection
from .default_toleration_seconds import DefaultTolerationSeconds
from .namespace_lifecycle import NamespaceLifecycle
from .node_restriction import NodeRestriction
from .priority import Priority
from .service_account import ServiceAccount

PLUGINS: dict[str, type[AdmissionPlugin]] = {
    plugin.name: plugin for plugin in (NamespaceLifecycle, ServiceAccount, Priority, DefaultTolerationSeconds,
                                       NodeRestriction, DefaultStorageClass, StorageObjectInUseProtection)}

DEFAULT_PLUGINS = ["NamespaceLifecycle", "ServiceAccount", "Priority", "DefaultTolerationSeconds",
                   "DefaultStorageClass", "StorageObjectInUseProtection"]


def register(plugin_class: type[AdmissionPlugin]) -> type[AdmissionPlugin]:
    """Make a plugin class known by its name (usable as a class decorator)."""
    PLUGINS[plugin_class.name] = plugin_class
    return plugin_class


def default_plugins(names: list[str] | None = None) -> list[AdmissionPlugin]:
    """Fresh instances of the named plugins (default: upstream's defaults that kubelab has)."""
    wanted = DEFAULT_PLUGINS if names is None else names
    unknown = [name for name in wanted if name not in PLUGINS]
    if unknown:
        raise ValueError(f"unknown admission plugins {unknown}; known: {sorted(PLUGINS)}")
    return [PLUGINS[name]() for name in wanted]
