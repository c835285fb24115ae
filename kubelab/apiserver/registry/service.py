"""Services: a ClusterIP from the service range on creation (see ../ipallocator.py).

Upstream's service REST allocates the address before the object is stored and releases it if
the write fails; server.py does the release, since only it knows whether the write happened.
"""
from __future__ import annotations

from ...api import errors
from ...objects import meta


def allocate_cluster_ip(ips, resource, obj: dict) -> str | None:
    """Give a Service its ClusterIP (and clusterIPs, families) from the range; None if it gets none."""
    if resource.plural != "services" or obj["spec"].get("type") == "ExternalName" \
            or obj["spec"].get("clusterIP") == "None":
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
