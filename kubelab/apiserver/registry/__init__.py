"""Per-kind rules for the kinds added after the first cut: defaults, validation, updates.

Upstream gives every kind a *strategy* (pkg/registry/<group>/<kind>/strategy.go):
PrepareForCreate, PrepareForUpdate, Validate, ValidateUpdate. kubelab's first kinds keep
theirs in defaults.py and validation.py; the kinds below each have one small file here, and
this module gathers them into the three tables the API server consults.
"""
from __future__ import annotations

from . import config, customresourcedefinition, lease, priorityclass, rbac, serviceaccount

DEFAULTERS = {"configmaps": config.default_configmap, "secrets": config.default_secret,
              "customresourcedefinitions": customresourcedefinition.default,
              "priorityclasses": priorityclass.default}

VALIDATORS = {
    "configmaps": config.validate_configmap,
    "secrets": config.validate_secret,
    "serviceaccounts": serviceaccount.validate,
    "leases": lease.validate,
    "roles": rbac.validate_role,
    "clusterroles": rbac.validate_cluster_role,
    "rolebindings": rbac.validate_binding,
    "clusterrolebindings": rbac.validate_binding,
    "customresourcedefinitions": customresourcedefinition.validate,
    "priorityclasses": priorityclass.validate,
}

UPDATE_VALIDATORS = {
    "configmaps": config.validate_update,
    "secrets": config.validate_update,
    "rolebindings": rbac.validate_binding_update,
    "clusterrolebindings": rbac.validate_binding_update,
    "customresourcedefinitions": customresourcedefinition.validate_update,
    "priorityclasses": priorityclass.validate_update,
}


def apply_defaults(resource: str, obj: dict) -> None:
    if resource in DEFAULTERS:
        DEFAULTERS[resource](obj)


def validate(resource: str, obj: dict) -> list[dict]:
    return VALIDATORS[resource](obj) if resource in VALIDATORS else []


def validate_update(resource: str, old: dict, new: dict) -> list[dict]:
    return UPDATE_VALIDATORS[resource](old, new) if resource in UPDATE_VALIDATORS else []
