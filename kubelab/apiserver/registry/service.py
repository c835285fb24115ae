"""Services: a ClusterIP from the service range (../ipallocator.py) and node ports from the
node-port range (../portallocator.py), as upstream's service REST storage gives them.

Upstream allocates before the object is stored and releases if the write fails; server.py does
the release, since only it knows whether the write happened. Node ports, as in v1.32:

- type NodePort, and type LoadBalancer unless `allocateLoadBalancerNodePorts: false`, get a
  `nodePort` on every port: the one asked for if it is in range and free ("provided port is
  already allocated", "provided port is not in the valid range. The range of valid ports is
  30000-32767"), else a random free one;
- type LoadBalancer with `externalTrafficPolicy: Local` also gets `healthCheckNodePort`, where
  kube-proxy answers the cloud's health checks with how many local endpoints the node has;
- an update keeps a port's nodePort when the new spec leaves it out (matched by port and
  protocol, as upstream's patchAllocatedValues), and drops them all when the type no longer
  needs them; the ports given up are released once the update is written;
- deleting the Service releases them.

Left out: upstream's split of the range (static ports from the lower part), and the repair
loop that reconciles the bitmap with the stored Services (one API server here rebuilds its
taken set at start).
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


def needs_node_ports(spec: dict) -> bool:
    """Does kube-proxy open a port on every node for this Service's ports?"""
    return spec.get("type") == "NodePort" or \
        spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts", True) is not False


def needs_health_check_node_port(spec: dict) -> bool:
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def held_node_ports(obj: dict | None) -> set[int]:
    """Every node port a stored Service holds: its ports' nodePorts and its healthCheckNodePort."""
    spec = (obj or {}).get("spec") or {}
    held = {port["nodePort"] for port in spec.get("ports") or [] if port.get("nodePort")}
    return held | ({spec["healthCheckNodePort"]} if spec.get("healthCheckNodePort") else set())


def allocate_node_ports(node_ports, resource, obj: dict, old: dict | None = None) -> list[int]:
    """Give each port of a NodePort/LoadBalancer Service its nodePort (and healthCheckNodePort);
    returns the ports newly taken, so the caller can give them back if the write fails.
    On a refusal nothing stays taken."""
    if resource.plural != "services":
        return []
    spec = obj["spec"]
    default_session_affinity(spec)
    if spec.get("type") == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    old_spec = (old or {}).get("spec") or {}
    was_held = held_node_ports(old)
    kept = {(port.get("port"), port.get("protocol", "TCP")): port["nodePort"]
            for port in old_spec.get("ports") or [] if port.get("nodePort")}
    wanted = needs_node_ports(spec)
    causes, taken = [], []

    def take(port: int | None, field: str) -> int | None:
        if port and port in was_held:
            return port                                 # already this Service's own
        try:
            number = node_ports.allocate(port or None)
        except ValueError as error:
            causes.append(errors.invalid_value(field, port, str(error)))
            return None
        taken.append(number)
        return number

    for index, port in enumerate(spec.get("ports") or []):
        field = f"spec.ports[{index}].nodePort"
        if not wanted:
            if port.get("nodePort") and spec.get("type") in ("ClusterIP", "ExternalName") and old is None:
                causes.append(errors.forbidden_field(field, f"may not be used when `type` is '{spec.get('type')}'"))
            if old is not None and port.get("nodePort") in was_held:
                port.pop("nodePort")                    # upstream drops type-dependent fields
            continue
        asked = port.get("nodePort") or kept.get((port.get("port"), port.get("protocol", "TCP")))
        number = take(asked, field)
        if number:
            port["nodePort"] = number
    if needs_health_check_node_port(spec):
        number = take(spec.get("healthCheckNodePort") or old_spec.get("healthCheckNodePort"),
                      "spec.healthCheckNodePort")
        if number:
            spec["healthCheckNodePort"] = number
    elif spec.get("healthCheckNodePort"):
        if old is not None and spec["healthCheckNodePort"] in was_held:
            spec.pop("healthCheckNodePort")
        else:
            causes.append(errors.invalid_value("spec.healthCheckNodePort", spec["healthCheckNodePort"],
                                               "may only be set when `type` is 'LoadBalancer' and "
                                               "`externalTrafficPolicy` is 'Local'"))
    if causes:
        for number in taken:
            node_ports.release(number)
        raise errors.invalid(resource.kind, resource.group, meta.name(obj), causes)
    return taken


def default_session_affinity(spec: dict) -> None:
    """ClientIP affinity sticks for three hours unless told otherwise (upstream's SetDefaults_Service)."""
    if spec.get("sessionAffinity") == "ClientIP":
        client_ip = spec.setdefault("sessionAffinityConfig", {}).setdefault("clientIP", {})
        client_ip.setdefault("timeoutSeconds", 10800)


def release_node_ports(node_ports, obj: dict, keep: dict | None = None) -> None:
    """Give back the node ports `obj` holds (all of them, or those `keep` no longer holds)."""
    for number in held_node_ports(obj) - held_node_ports(keep):
        node_ports.release(number)
