"""Services: defaulting, validation, a ClusterIP from the service range (../ipallocator.py) and
node ports from the node-port range (../portallocator.py), as upstream's service REST gives them.

Upstream: pkg/registry/core/service (strategy.go, storage/alloc.go). Allocation happens before
the object is stored (`reserve`); the generic path calls the undo it returns if the write does
not happen (a refusal, a dry run), and `release` once the Service is gone or an update gave
ports up. The ClusterIP may not change once set; an update that leaves it out keeps it.
An API server starting rebuilds what stored Services hold (`restore`). Node ports, as in v1.32:

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

import json

from ...api import errors
from ...objects import meta
from .. import enum_validation
from ..validation import validate_dns_name, validate_labels, validate_port_number
from .strategy import Strategy


class ServiceStrategy(Strategy):
    plural = "services"
    returns_deleted_object = True

    def default(self, obj: dict) -> None:
        """SetDefaults_Service: type ClusterIP, no affinity, TCP ports targeting themselves."""
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        spec.setdefault("internalTrafficPolicy", "Cluster")
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
        if spec["type"] in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
        default_session_affinity(spec)
        obj.setdefault("status", {}).setdefault("loadBalancer", {})

    def validate_name(self, name: str, field: str = "metadata.name") -> list[dict]:
        return validate_dns_name(name, field, "dns1035")   # a Service's name is a DNS label in cluster DNS

    def prepare_for_create(self, obj: dict) -> None:
        obj["status"] = {"loadBalancer": {}}   # the controllers' to write; as defaulted

    def prepare_for_update(self, obj: dict, old: dict) -> None:
        obj["spec"].setdefault("clusterIP", old["spec"].get("clusterIP"))
        obj["spec"].setdefault("clusterIPs", old["spec"].get("clusterIPs"))
        # upstream's dropTypeDependentFields: a change to a type that is not externally
        # accessible drops an externalTrafficPolicy the user left as it was
        externally = ("NodePort", "LoadBalancer")
        if old["spec"].get("type") in externally and obj["spec"].get("type") not in externally and \
                obj["spec"].get("externalTrafficPolicy") == old["spec"].get("externalTrafficPolicy"):
            obj["spec"].pop("externalTrafficPolicy", None)

    def validate(self, obj: dict) -> list[dict]:
        causes = validate_service(obj)
        if (obj.get("spec") or {}).get("loadBalancerSourceRanges"):
            # (refused rather than ignored: kube-proxy here writes no KUBE-FW- chain to enforce them)
            causes.append(errors.forbidden_field("spec.loadBalancerSourceRanges",
                                                 "kubelab does not model load balancer source ranges"))
        return causes

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        if old["spec"].get("clusterIP") and obj["spec"].get("clusterIP") not in (None, "", old["spec"]["clusterIP"]):
            return [errors.invalid_value("spec.clusterIPs[0]", obj["spec"]["clusterIP"], "field is immutable")]
        return []

    def reserve(self, server, resource, obj: dict, old: dict | None = None):
        """A new Service's ClusterIP, then every Service's node ports; nothing stays taken on a refusal."""
        address = allocate_cluster_ip(server.ips, resource, obj) if old is None else None
        try:
            ports = allocate_node_ports(server.node_ports, resource, obj, old)
        except errors.ApiError:
            if address:
                server.ips.release(address)
            raise

        def undo() -> None:
            if address:
                server.ips.release(address)
            for port in ports:
                server.node_ports.release(port)
        return undo

    def release(self, server, obj: dict, keep: dict | None = None) -> None:
        if keep is None and obj["spec"].get("clusterIP") not in (None, "", "None"):
            server.ips.release(obj["spec"]["clusterIP"])
        release_node_ports(server.node_ports, obj, keep)

    def restore(self, server) -> None:
        for kv in server.store.range(self.resource.prefix(None), prefix=True).kvs:
            service = json.loads(kv.value)
            ip = service["spec"].get("clusterIP")
            if ip and ip != "None":
                server.ips.taken.add(ip)
            server.node_ports.taken |= held_node_ports(service)


STRATEGY = ServiceStrategy()


def validate_service(obj: dict) -> list[dict]:
    """ValidateService: a known type, named unique ports in range, a valid selector."""
    spec = obj.get("spec") or {}
    causes = []
    if spec.get("type") not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        causes.append(errors.not_supported("spec.type", spec.get("type"),
                                           ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]))
    ports = spec.get("ports") or []
    if not ports and spec.get("type") != "ExternalName" and spec.get("clusterIP") != "None":
        causes.append(errors.required("spec.ports"))
    names = set()
    for i, port in enumerate(ports):
        if len(ports) > 1 and not port.get("name"):
            causes.append(errors.required(f"spec.ports[{i}].name"))
        if port.get("name") and port["name"] in names:
            causes.append(errors.duplicate(f"spec.ports[{i}].name", port["name"]))
        names.add(port.get("name"))
        causes += validate_port_number(port.get("port"), f"spec.ports[{i}].port")
        target = port.get("targetPort")
        if isinstance(target, int):
            causes += validate_port_number(target, f"spec.ports[{i}].targetPort")
    causes += validate_labels(spec.get("selector"), "spec.selector")
    return causes + enum_validation.service_enums(spec) + validate_session_affinity(spec)


MAX_AFFINITY_SECONDS = 86400   # core.MaxClientIPServiceAffinitySeconds: one day


def validate_session_affinity(spec: dict) -> list[dict]:
    """ClientIP needs a timeout in (0, 86400]; None takes no sessionAffinityConfig (upstream's words)."""
    config = spec.get("sessionAffinityConfig")
    if spec.get("sessionAffinity") == "None" and config:
        return [errors.forbidden_field("spec.sessionAffinityConfig", "must not be set when session affinity is None")]
    if spec.get("sessionAffinity") != "ClientIP":
        return []
    timeout = ((config or {}).get("clientIP") or {}).get("timeoutSeconds")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 0 < timeout <= MAX_AFFINITY_SECONDS:
        return [errors.invalid_value("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout,
                                     f"must be greater than 0 and less than {MAX_AFFINITY_SECONDS}")]
    return []



def allocate_cluster_ip(ips, resource, obj: dict) -> str | None:
    """Give a Service its ClusterIP (and clusterIPs, families) from the range; None if it gets none."""
    if obj["spec"].get("type") == "ExternalName" \
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
