"""The columns of the configuration and access kinds: ConfigMaps, Secrets, ServiceAccounts,
Leases and the RBAC kinds, as Kubernetes v1.32's printers fill them.

    kubectl get configmaps      NAME  DATA  AGE
    kubectl get secrets         NAME  TYPE  DATA  AGE
    kubectl get serviceaccounts NAME  SECRETS  AGE
    kubectl get leases          NAME  HOLDER  AGE
    kubectl get priorityclasses NAME  VALUE  GLOBAL-DEFAULT  AGE  PREEMPTIONPOLICY
    kubectl get roles           NAME  CREATED AT
    kubectl get rolebindings    NAME  ROLE  AGE  (-o wide: USERS  GROUPS  SERVICEACCOUNTS)

DATA counts keys (a ConfigMap's `data` and `binaryData` together), never shows values: a
table is for looking around, and a Secret's contents stay out of it. Roles show when they
were created rather than an age, as upstream's do.
"""
from __future__ import annotations

from .timestamps import since


def _name(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("name", "")


def _age(obj: dict, now: float) -> str:
    return since((obj.get("metadata") or {}).get("creationTimestamp"), now)


def configmap_row(configmap: dict, now: float) -> list:
    keys = len(configmap.get("data") or {}) + len(configmap.get("binaryData") or {})
    return [_name(configmap), str(keys), _age(configmap, now)]


def secret_row(secret: dict, now: float) -> list:
    return [_name(secret), secret.get("type", ""), str(len(secret.get("data") or {})), _age(secret, now)]


def serviceaccount_row(account: dict, now: float) -> list:
    return [_name(account), str(len(account.get("secrets") or [])), _age(account, now)]


def lease_row(lease: dict, now: float) -> list:
    return [_name(lease), (lease.get("spec") or {}).get("holderIdentity") or "", _age(lease, now)]


def priority_class_row(priority_class: dict, now: float) -> list:
    return [_name(priority_class), str(priority_class.get("value", 0)),
            "true" if priority_class.get("globalDefault") else "false",
            _age(priority_class, now), priority_class.get("preemptionPolicy") or ""]


def role_row(role: dict, now: float) -> list:
    return [_name(role), (role.get("metadata") or {}).get("creationTimestamp", "")]


def subjects_strings(subjects: list[dict]) -> tuple[list[str], list[str], list[str]]:
    """Users, groups and service accounts (`namespace:name`) of a binding, as upstream lists them."""
    users, groups, accounts = [], [], []
    for subject in subjects or []:
        kind, name = subject.get("kind"), subject.get("name", "")
        if kind == "User":
            users.append(name)
        elif kind == "Group":
            groups.append(name)
        elif kind == "ServiceAccount":
            accounts.append(f"{subject.get('namespace', '')}:{name}")
    return users, groups, accounts


def binding_row(binding: dict, now: float) -> list:
    role = binding.get("roleRef") or {}
    users, groups, accounts = subjects_strings(binding.get("subjects") or [])
    return [_name(binding), f"{role.get('kind', '')}/{role.get('name', '')}", _age(binding, now),
            ", ".join(users), ", ".join(groups), ", ".join(accounts)]


_BINDING_COLUMNS = [("Name", False), ("Role", False), ("Age", False), ("Users", True), ("Groups", True),
                    ("ServiceAccounts", True)]

CONFIG_AND_RBAC_TABLES = {
    "configmaps": ([("Name", False), ("Data", False), ("Age", False)], configmap_row),
    "secrets": ([("Name", False), ("Type", False), ("Data", False), ("Age", False)], secret_row),
    "serviceaccounts": ([("Name", False), ("Secrets", False), ("Age", False)], serviceaccount_row),
    "leases": ([("Name", False), ("Holder", False), ("Age", False)], lease_row),
    "priorityclasses": ([("Name", False), ("Value", False), ("Global-Default", False), ("Age", False),
                         ("PreemptionPolicy", False)], priority_class_row),
    "roles": ([("Name", False), ("Created At", False)], role_row),
    "clusterroles": ([("Name", False), ("Created At", False)], role_row),
    "rolebindings": (_BINDING_COLUMNS, binding_row),
    "clusterrolebindings": (_BINDING_COLUMNS, binding_row),
}
