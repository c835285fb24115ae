"""Enum fields: a field that takes one of a few words refuses any other, in upstream's words.

    spec.dnsPolicy: Unsupported value: "ClusterFirstt": supported values: "ClusterFirstWithHostNet",
    "ClusterFirst", "Default", "None"

The strict decoder (http/field_validation.py) catches a misspelt field *name*; these catch a
misspelt *value*, which would otherwise be stored and then silently mean nothing. Each rule is
upstream's (pkg/apis/core/validation, pkg/apis/apps/validation) with its list of values in
upstream's order: a Go set printed with sets.List is sorted, a slice keeps its order. The
older enum rules (imagePullPolicy, restartPolicy, container port protocol, Service type) live
beside the rest of their kind's validation in validation.py.

Invariant: a value already defaulted by the API server (defaults.py) is always accepted, so
these rules only ever fire on what a user wrote.
"""
from __future__ import annotations

from ..api import errors

DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]         # a slice
SESSION_AFFINITIES = ["ClientIP", "None"]                                            # sets.List
TRAFFIC_POLICIES = ["Cluster", "Local"]                                              # sets.List
IP_FAMILY_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"]          # sets.List
PROTOCOLS = ["SCTP", "TCP", "UDP"]                                                   # sets.List
DEPLOYMENT_STRATEGIES = ["Recreate", "RollingUpdate"]                                # a slice
TERMINATION_MESSAGE = "must be 'File' or 'FallbackToLogsOnError'"


def _unsupported(field: str, value, supported: list[str]) -> list[dict]:
    return [] if value is None or value in supported else [errors.not_supported(field, value, supported)]


def container_enums(container: dict, field: str) -> list[dict]:
    """terminationMessagePolicy (upstream answers Invalid here, not NotSupported)."""
    policy = container.get("terminationMessagePolicy")
    if policy is None or policy in ("File", "FallbackToLogsOnError"):
        return []
    if policy == "":
        return [errors.cause(f"{field}.terminationMessagePolicy", "FieldValueRequired",
                             f"Required value: {TERMINATION_MESSAGE}")]
    return [errors.invalid_value(f"{field}.terminationMessagePolicy", policy, TERMINATION_MESSAGE)]


def pod_spec_enums(spec: dict, field: str) -> list[dict]:
    """dnsPolicy."""
    return _unsupported(f"{field}.dnsPolicy", spec.get("dnsPolicy"), DNS_POLICIES)


def service_enums(spec: dict) -> list[dict]:
    """sessionAffinity, externalTrafficPolicy, internalTrafficPolicy, ipFamilyPolicy, ports[].protocol."""
    causes = _unsupported("spec.sessionAffinity", spec.get("sessionAffinity"), SESSION_AFFINITIES)
    # (the service strategy's prepare_for_update drops it when an update changes the type away)
    external = spec.get("externalTrafficPolicy")
    externally_accessible = spec.get("type") in ("NodePort", "LoadBalancer") or \
        (spec.get("type", "ClusterIP") == "ClusterIP" and spec.get("externalIPs"))
    if external and not externally_accessible:
        causes.append(errors.invalid_value("spec.externalTrafficPolicy", external,
                                           "may only be set for externally-accessible services"))
    else:
        causes += _unsupported("spec.externalTrafficPolicy", external, TRAFFIC_POLICIES)
    causes += _unsupported("spec.internalTrafficPolicy", spec.get("internalTrafficPolicy"), TRAFFIC_POLICIES)
    causes += _unsupported("spec.ipFamilyPolicy", spec.get("ipFamilyPolicy"), IP_FAMILY_POLICIES)
    for index, port in enumerate(spec.get("ports") or []):
        causes += _unsupported(f"spec.ports[{index}].protocol", port.get("protocol"), PROTOCOLS)
    return causes


def deployment_enums(spec: dict) -> list[dict]:
    """strategy.type: upstream reports the whole strategy struct, printed as Go's %#v prints it."""
    strategy = spec.get("strategy")
    if not isinstance(strategy, dict) or strategy.get("type") in (None, *DEPLOYMENT_STRATEGIES):
        return []
    # A set rollingUpdate is a pointer, which Go prints as its address (a different one each
    # run upstream; one fixed address here, so a lesson's output stays the same).
    rolling = "(*apps.RollingUpdateDeployment)(nil)" if strategy.get("rollingUpdate") is None else \
        "(*apps.RollingUpdateDeployment)(0xc0004a8f30)"
    shown = f'apps.DeploymentStrategy{{Type:"{strategy["type"]}", RollingUpdate:{rolling}}}'
    quoted = ", ".join(f'"{value}"' for value in DEPLOYMENT_STRATEGIES)
    return [errors.cause("spec.strategy", "FieldValueNotSupported",
                         f"Unsupported value: {shown}: supported values: {quoted}")]
