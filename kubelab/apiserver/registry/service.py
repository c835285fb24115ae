"""Services: defaulting, validation, a ClusterIP from the service range (see ../ipallocator.py).

Upstream: pkg/registry/core/service/strategy.go and its REST, which allocates the address
before the object is stored and releases it if the write fails (the generic path calls the
undo `reserve` returns) or once the Service is deleted (`release`). The ClusterIP may not
change once set; an update that leaves it out keeps the stored one.
"""
from __future__ import annotations

from ...api import errors
from ...objects import meta
from .. import defaults, validation
from .strategy import Strategy


class ServiceStrategy(Strategy):
    plural = "services"
    returns_deleted_object = True

    def default(self, obj: dict) -> None:
        defaults.service(obj)

    def prepare_for_create(self, obj: dict) -> None:
        obj["status"] = {"loadBalancer": {}}   # the controllers' to write; as defaulted

    def prepare_for_update(self, obj: dict, old: dict) -> None:
        obj["spec"].setdefault("clusterIP", old["spec"].get("clusterIP"))
        obj["spec"].setdefault("clusterIPs", old["spec"].get("clusterIPs"))

    def validate(self, obj: dict) -> list[dict]:
        return validation.validate_service(obj)

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        if old["spec"].get("clusterIP") and obj["spec"].get("clusterIP") not in (None, "", old["spec"]["clusterIP"]):
            return [errors.invalid_value("spec.clusterIPs[0]", obj["spec"]["clusterIP"], "field is immutable")]
        return []

    def reserve(self, server, resource, obj: dict):
        """Give the Service its ClusterIP (and clusterIPs, families) from the range."""
        address = allocate_cluster_ip(server.ips, resource, obj)
        return None if address is None else (lambda: server.ips.release(address))

    def release(self, server, obj: dict) -> None:
        if obj["spec"].get("clusterIP") not in (None, "", "None"):
            server.ips.release(obj["spec"]["clusterIP"])


def allocate_cluster_ip(ips, resource, obj: dict) -> str | None:
    """Give a Service its ClusterIP (and clusterIPs, families) from the range; None if it gets none."""
    if obj["spec"].get("type") == "ExternalName" or obj["spec"].get("clusterIP") == "None":
        return None
    try:
        address = ips.allocate(obj["spec"].get("clusterIP") or None)
    except ValueError as error:
        raise errors.invalid(resource.kind, resource.group, meta.name(obj), [errors.invalid_value(
            "spec.clusterIPs", [obj["spec"].get("clusterIP")], str(error))])
    obj["spec"]["clusterIP"] = address
    obj["spec"]["clusterIPs"] = [address]
    obj["spec"].setdefault("ipFamilies", ["IPv4"])
    obj["spec"].setdefault("ipFamilyPolicy", "SingleStack")
    return address


STRATEGY = ServiceStrategy()
