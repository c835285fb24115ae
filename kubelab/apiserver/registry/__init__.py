"""The registry: one strategy per served kind (strategy.py), gathered under the kind's plural.

Upstream gives every kind a *strategy* (pkg/registry/<group>/<kind>/strategy.go):
PrepareForCreate, PrepareForUpdate, Validate, ValidateUpdate. Here each kind's file makes a
`Strategy` (strategy.py says what it answers) and STRATEGIES lists it under the plural of its
row in the resource table (api/resources.py); the API server's generic path asks
`apply_defaults`, `prepare_for_create`, `prepare_for_update`, `validate` and
`validate_update` below, never a kind by name. A kind's file
written as plain functions is wrapped by `FunctionStrategy`.

kubelab's first kinds (pods, deployments, replicasets, services, endpoints, namespaces, nodes)
still keep their rules in defaults.py and validation.py (issue 7 moves them here).
"""
from __future__ import annotations

from . import config, customresourcedefinition, lease, priorityclass, rbac, serviceaccount
from .controllerrevision import ControllerRevisionStrategy
from .daemonset import DaemonSetStrategy
from .replicationcontroller import ReplicationControllerStrategy
from .statefulset import StatefulSetStrategy
from .strategy import FunctionStrategy, Strategy

STRATEGIES: dict[str, Strategy] = {strategy.plural: strategy for strategy in [
    FunctionStrategy("configmaps", config.default_configmap, config.validate_configmap, config.validate_update),
    FunctionStrategy("secrets", config.default_secret, config.validate_secret, config.validate_update),
    FunctionStrategy("serviceaccounts", validate=serviceaccount.validate),
    FunctionStrategy("leases", validate=lease.validate),
    FunctionStrategy("roles", validate=rbac.validate_role),
    FunctionStrategy("clusterroles", validate=rbac.validate_cluster_role),
    FunctionStrategy("rolebindings", validate=rbac.validate_binding, validate_update=rbac.validate_binding_update),
    FunctionStrategy("clusterrolebindings", validate=rbac.validate_binding,
                     validate_update=rbac.validate_binding_update),
    FunctionStrategy("customresourcedefinitions", customresourcedefinition.default,
                     customresourcedefinition.validate, customresourcedefinition.validate_update),
    FunctionStrategy("priorityclasses", priorityclass.default, priorityclass.validate,
                     priorityclass.validate_update),
    ReplicationControllerStrategy(), DaemonSetStrategy(), StatefulSetStrategy(), ControllerRevisionStrategy(),
]}


def register(strategy: Strategy) -> None:
    """Serve a kind's rules under its plural (a kind file may call this instead of a row above)."""
    STRATEGIES[strategy.plural] = strategy


def apply_defaults(resource: str, obj: dict) -> None:
    if resource in STRATEGIES:
        STRATEGIES[resource].default(obj)


def prepare_for_create(resource: str, obj: dict) -> None:
    if resource in STRATEGIES:
        STRATEGIES[resource].prepare_for_create(obj)


def prepare_for_update(resource: str, obj: dict, old: dict) -> None:
    if resource in STRATEGIES:
        STRATEGIES[resource].prepare_for_update(obj, old)


def validate(resource: str, obj: dict) -> list[dict]:
    return STRATEGIES[resource].validate(obj) if resource in STRATEGIES else []


def validate_update(resource: str, old: dict, new: dict) -> list[dict]:
    return STRATEGIES[resource].validate_update(new, old) if resource in STRATEGIES else []
