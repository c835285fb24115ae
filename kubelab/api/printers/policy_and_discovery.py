"""The columns of PodDisruptionBudgets and EndpointSlices, as Kubernetes v1.32's printers fill them.

    kubectl get pdb             NAME  MIN AVAILABLE  MAX UNAVAILABLE  ALLOWED DISRUPTIONS  AGE
    kubectl get endpointslices  NAME  ADDRESSTYPE  PORTS  ENDPOINTS  AGE

A budget shows N/A for the bound it does not set. A slice lists its first three ports and
its first three addresses (ready or not: the conditions are in `-o yaml`), then
"+ N more...", or <unset> when it has none (upstream's listWithMoreString).
"""
from __future__ import annotations

from .timestamps import since


def _name(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("name", "")


def _age(obj: dict, now: float) -> str:
    return since((obj.get("metadata") or {}).get("creationTimestamp"), now)


def poddisruptionbudget_row(budget: dict, now: float) -> list:
    spec, status = budget.get("spec") or {}, budget.get("status") or {}
    bounds = ["N/A" if spec.get(field) is None else str(spec[field]) for field in ("minAvailable", "maxUnavailable")]
    return [_name(budget), *bounds, str(status.get("disruptionsAllowed", 0)), _age(budget, now)]


def list_with_more(items: list[str], limit: int = 3) -> str:
    text = ",".join(items[:limit])
    if len(items) > limit:
        return f"{text} + {len(items) - limit} more..."
    return text or "<unset>"


def endpointslice_row(endpoint_slice: dict, now: float) -> list:
    ports = [str(port["port"]) if port.get("port") is not None else (port.get("name") or "*")
             for port in endpoint_slice.get("ports") or []]
    addresses = [address for endpoint in endpoint_slice.get("endpoints") or []
                 for address in endpoint.get("addresses") or []]
    return [_name(endpoint_slice), endpoint_slice.get("addressType", ""), list_with_more(ports),
            list_with_more(addresses), _age(endpoint_slice, now)]


POLICY_AND_DISCOVERY_TABLES = {
    "poddisruptionbudgets": ([("Name", False), ("Min Available", False), ("Max Unavailable", False),
                              ("Allowed Disruptions", False), ("Age", False)], poddisruptionbudget_row),
    "endpointslices": ([("Name", False), ("AddressType", False), ("Ports", False), ("Endpoints", False),
                        ("Age", False)], endpointslice_row),
}
