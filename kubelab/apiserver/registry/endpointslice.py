"""EndpointSlices (discovery.k8s.io/v1): a Service's endpoints, cut into slices of 100.

One Endpoints object holds every address of a Service, so a 5,000-pod Service rewrites (and
sends to every kube-proxy) one huge object whenever one pod changes. An EndpointSlice holds
at most 100 endpoints (the controller's --max-endpoints-per-slice; the API allows 1000), each
with its own conditions (ready, serving, terminating), node and zone; a Service owns several,
found by the label kubernetes.io/service-name.

Upstream's rules (pkg/apis/discovery/validation, pkg/registry/discovery/endpointslice, v1.32):
  - addressType is required, one of IPv4, IPv6, FQDN, and immutable;
  - at most 1000 endpoints, each with 1 to 100 addresses valid for the addressType;
  - at most 20000 ports, names unique DNS labels, protocols TCP, UDP or SCTP;
  - any change to the slice's content moves metadata.generation.

Left out: the IPv6 and FQDN address syntax checks beyond "not IPv4", hints' 8-zone limit.
"""
from __future__ import annotations

import ipaddress
import re

from ...api import errors
from .strategy import Strategy

ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
MAX_ENDPOINTS, MAX_ADDRESSES, MAX_PORTS = 1000, 100, 20000
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
CONTENT = ("addressType", "endpoints", "ports")


class EndpointSliceStrategy(Strategy):
    plural = "endpointslices"

    def prepare_for_create(self, obj: dict) -> None:
        obj["metadata"]["generation"] = 1

    def prepare_for_update(self, obj: dict, old: dict) -> None:
        generation = old["metadata"].get("generation", 1)
        changed = any(obj.get(field) != old.get(field) for field in CONTENT)
        obj["metadata"]["generation"] = generation + 1 if changed else generation

    def validate(self, obj: dict) -> list[dict]:
        causes = []
        address_type = obj.get("addressType")
        if not address_type:
            causes.append(errors.required("addressType"))
        elif address_type not in ADDRESS_TYPES:
            causes.append(errors.not_supported("addressType", address_type, ADDRESS_TYPES))
        endpoints = obj.get("endpoints") or []
        if len(endpoints) > MAX_ENDPOINTS:
            causes.append(errors.cause("endpoints", "FieldValueTooMany",
                                       f"Too many: {len(endpoints)}: must have at most {MAX_ENDPOINTS} items"))
        for index, endpoint in enumerate(endpoints[:MAX_ENDPOINTS]):
            causes += validate_endpoint(endpoint, address_type, f"endpoints[{index}]")
        causes += validate_ports(obj.get("ports") or [])
        return causes

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        if obj.get("addressType") != old.get("addressType"):
            return [errors.invalid_value("addressType", obj.get("addressType"), "field is immutable")]
        return []


def validate_endpoint(endpoint: dict, address_type: str | None, path: str) -> list[dict]:
    addresses = endpoint.get("addresses") or []
    if not addresses:
        return [errors.cause(f"{path}.addresses", "FieldValueRequired",
                             "Required value: must contain at least 1 address")]
    if len(addresses) > MAX_ADDRESSES:
        return [errors.cause(f"{path}.addresses", "FieldValueTooMany",
                             f"Too many: {len(addresses)}: must have at most {MAX_ADDRESSES} items")]
    causes = []
    for index, address in enumerate(addresses):
        if address_type == "IPv4" and not _is_ipv4(address):
            causes.append(errors.invalid_value(f"{path}.addresses[{index}]", address,
                                               "must be a valid IPv4 address"))
    return causes


def validate_ports(ports: list[dict]) -> list[dict]:
    if len(ports) > MAX_PORTS:
        return [errors.cause("ports", "FieldValueTooMany",
                             f"Too many: {len(ports)}: must have at most {MAX_PORTS} items")]
    causes, names = [], set()
    for index, port in enumerate(ports):
        name = port.get("name") or ""
        if name and not DNS_LABEL.match(name):
            causes.append(errors.invalid_value(f"ports[{index}].name", name,
                                               "a lowercase RFC 1123 label must consist of lower case "
                                               "alphanumeric characters or '-', and must start and end "
                                               "with an alphanumeric character (e.g. 'my-name',  or "
                                               "'123-abc', regex used for validation is "
                                               "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"))
        if name in names:
            causes.append(errors.duplicate(f"ports[{index}].name", name))
        names.add(name)
        protocol = port.get("protocol")
        if protocol is not None and protocol not in PROTOCOLS:
            causes.append(errors.not_supported(f"ports[{index}].protocol", protocol, PROTOCOLS))
    return causes


def _is_ipv4(address: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(address), ipaddress.IPv4Address)
    except ValueError:
        return False


STRATEGY = EndpointSliceStrategy()
