"""The Endpoints controller: for each Service with a selector, the addresses behind it.

    services, pods, endpoints ──informers──▶ enqueue the Service's key ──▶ sync(key):
        Service gone                -> delete its Endpoints
        no selector / ExternalName  -> leave it alone (someone else writes those Endpoints)
        otherwise                   -> one address per selected pod with an IP:
                                       ready pods under `addresses`, the others under
                                       `notReadyAddresses`, with the ports the Service's
                                       targetPorts resolve to in that pod
                                    -> write the Endpoints (same name) only if it changed

Invariant: an Endpoints object says exactly which pod IPs and ports a Service sends traffic
to; kube-proxy turns it into rules. Terminating and finished pods are never in it (unless
publishNotReadyAddresses), and not-ready pods never receive traffic.

Pods that offer the same ports share one subset (upstream's RepackSubsets), and addresses
and subsets are sorted, so the same pods always give the same object and an unchanged
Endpoints is never rewritten. The labels are the Service's (plus service.kubernetes.io/headless
for a headless Service); the annotation endpoints.kubernetes.io/last-change-trigger-time
says when the change that led to this write happened (a pod's Ready transition, or the
Service's creation), which is how upstream measures network programming latency
(k8s.io/kubernetes/pkg/controller/endpoint, v1.32; the endpoints.kubernetes.io/managed-by
label arrived in v1.33).

Real Kubernetes also truncates Endpoints past 1000 addresses (annotation
endpoints.kubernetes.io/over-capacity), handles IPv6 and dual-stack Services, and runs the EndpointSlice controller
beside this one; kubelab skips those because its lessons use one IPv4 family, small
Services and the older, simpler Endpoints API.
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache

from ..client import ApiError, Controller
from ..objects import conditions, meta
from ..objects.timefmt import parse, rfc3339
from .active_pods import is_ready
from .label_index import LABEL_INDEX, label_index, pods_selected
from .pod_memo import PodMemo

LAST_CHANGE_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
HEADLESS = "service.kubernetes.io/headless"


class EndpointsController(Controller):
    name = "endpoint-controller"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.services = factory.informer("services")
        self.pods = factory.informer("pods")
        self.pods.add_indexers({LABEL_INDEX: label_index})   # a Service's pods, not the namespace's
        self.endpoints = factory.informer("endpoints")
        # Per Service key: (service trigger time, {pod name: Ready transition time}) last synced.
        self.trigger_times: dict[str, tuple[float, dict[str, float]]] = {}
        self.memo = PodMemo()   # each pod's address and Ready time, derived once per version (pod_memo.py)
        self.services.add_handlers(self.enqueue, lambda old, new: self.enqueue(new), self.enqueue)
        self.pods.add_handlers(self.on_pod_add_or_delete, self.on_pod_update, self.on_pod_add_or_delete)
        self.endpoints.add_handlers(on_add=self.on_endpoints_add, on_delete=self.enqueue)

    # -- event handlers -----------------------------------------------------------------
    def on_pod_add_or_delete(self, pod: dict) -> None:
        """A pod appeared or went: every Service selecting it needs a look."""
        for service in self.services_selecting(pod):
            self.enqueue(service)

    def on_pod_update(self, old: dict, new: dict) -> None:
        services = self.services_selecting(old) + self.services_selecting(new)
        if not services or endpoint_view(old) == endpoint_view(new):
            return  # no Service selects it, or nothing an Endpoints shows has changed
        keys = {meta.key(s) for s in services}
        for key in sorted(keys):
            self.enqueue(key)

    def on_endpoints_add(self, endpoints: dict) -> None:
        """At startup only: look at every Endpoints, to delete those whose Service is gone."""
        if not self.endpoints.has_synced:
            self.enqueue(endpoints)

    def services_selecting(self, pod: dict) -> list[dict]:
        labels = meta.labels(pod)
        return [service for service in self.services.list(meta.namespace(pod))
                if service["spec"].get("selector") and
                all(labels.get(key) == value for key, value in service["spec"]["selector"].items())]

    # -- reconcile --------------------------------------------------------------------
    def sync(self, key: str) -> None:
        """get Service → compute subsets → compare with the Endpoints → create/update/delete."""
        namespace, name = meta.split_key(key)
        service = self.services.get(key)
        if service is None:
            self.trigger_times.pop(key, None)
            self.memo.forget(key)
            self.delete_endpoints(namespace, name)  # even if our cache has not seen it yet
            return
        if service["spec"].get("type") == "ExternalName" or not service["spec"].get("selector"):
            return  # no selector: its Endpoints are written by hand (the `kubernetes` Service's too)
        pods = pods_selected(self.pods, namespace, {"matchLabels": service["spec"]["selector"]})
        derived = self.memo.derive(key, pods, (service,), lambda pod: (offered_by(pod, service), ready_time(pod)))
        trigger_time = self.last_change_trigger_time(
            key, service, {meta.name(pod): time for pod, (_, time) in zip(pods, derived) if time is not None})
        subsets = repack([offered for offered, _ in derived if offered is not None])   # compute_subsets
        labels = dict(meta.labels(service))
        if service["spec"].get("clusterIP") in (None, "", "None"):
            labels[HEADLESS] = ""
        current = self.endpoints.get(key)
        if current is not None and (current.get("subsets") or []) == subsets and meta.labels(current) == labels:
            return  # unchanged: no write
        self.write_endpoints(namespace, name, current, subsets, labels, trigger_time)

    def write_endpoints(self, namespace: str, name: str, current: dict | None, subsets: list[dict],
                        labels: dict, trigger_time: float | None) -> None:
        # A new top level and metadata: the cached Endpoints (shared, read-only) is never changed.
        endpoints = {**current, "metadata": dict(current["metadata"])} if current is not None else {
            "apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": namespace}}
        endpoints["metadata"]["labels"] = labels
        annotations = dict(meta.annotations(endpoints))
        annotations.pop(LAST_CHANGE_TRIGGER_TIME, None)
        if trigger_time is not None:
            annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339(trigger_time)
        endpoints["metadata"]["annotations"] = annotations
        endpoints.pop("subsets", None)
        if subsets:
            endpoints["subsets"] = subsets  # omitempty: no pods, no subsets field
        if current is None:
            self.client.create("endpoints", endpoints, namespace)
        else:
            self.client.update("endpoints", endpoints, namespace)

    def delete_endpoints(self, namespace: str, name: str) -> None:
        try:
            self.client.delete("endpoints", name, namespace)
        except ApiError as error:
            if error.code != 404:
                raise

    def last_change_trigger_time(self, key: str, service: dict, pod_times: dict[str, float]) -> float | None:
        """The earliest change not yet written: a pod's newer Ready transition (`pod_times`, by pod
        name: ready_time) or the Service's creation; a Service seen for the first time uses its
        creationTimestamp (TriggerTimeTracker)."""
        service_time = parse(service["metadata"]["creationTimestamp"])
        known = self.trigger_times.get(key)
        self.trigger_times[key] = (service_time, pod_times)
        if known is None:
            return service_time
        last_service_time, last_pod_times = known
        changed = [t for pod, t in pod_times.items() if t > last_pod_times.get(pod, float("-inf"))]
        if service_time > last_service_time:
            changed.append(service_time)
        return min(changed) if changed else None


def ready_time(pod: dict) -> float | None:
    """When the pod's Ready condition last changed, if it says."""
    ready = conditions.get(pod, "Ready")
    return parse(ready["lastTransitionTime"]) if ready and ready.get("lastTransitionTime") else None


def endpoint_view(pod: dict) -> tuple:
    """What of a pod can change its Service's Endpoints."""
    return (meta.labels(pod), pod.get("status", {}).get("podIP"), pod.get("status", {}).get("podIPs"),
            is_ready(pod), pod.get("spec", {}).get("nodeName"), meta.is_being_deleted(pod),
            pod.get("status", {}).get("phase"))


def should_be_in_endpoints(pod: dict, publish_not_ready: bool) -> bool:
    """Has an IP, is not finished, and (unless the Service wants them) is not terminating."""
    status = pod.get("status", {})
    if status.get("phase") in ("Succeeded", "Failed"):
        return False
    if not status.get("podIP") and not status.get("podIPs"):
        return False
    return publish_not_ready or not meta.is_being_deleted(pod)


def find_port(pod: dict, service_port: dict) -> int | None:
    """The pod's port for a Service port: targetPort as a number, or a containerPort's name."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    containers = list(pod["spec"].get("containers") or []) + [
        c for c in pod["spec"].get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in containers:  # sidecars (restartable init containers) count too
        for port in container.get("ports") or []:
            if port.get("name") == target and port.get("protocol", "TCP") == service_port.get("protocol", "TCP"):
                return port["containerPort"]
    return None


def endpoint_address(pod: dict, service: dict | None = None) -> dict:
    status = pod.get("status", {})
    ips = [entry["ip"] for entry in status.get("podIPs") or []] or [status.get("podIP")]
    address = {"ip": ips[0]}
    # A pod that names this Service as its subdomain is published under its hostname (the
    # cluster DNS then answers web-0.nginx.default.svc.cluster.local), as a StatefulSet's are.
    if service is not None and pod["spec"].get("hostname") and pod["spec"].get("subdomain") == meta.name(service) \
            and meta.namespace(pod) == meta.namespace(service):
        address["hostname"] = pod["spec"]["hostname"]
    if pod["spec"].get("nodeName"):
        address["nodeName"] = pod["spec"]["nodeName"]
    address["targetRef"] = {"kind": "Pod", "namespace": meta.namespace(pod), "name": meta.name(pod),
                            "uid": meta.uid(pod)}
    return address


def compute_subsets(service: dict, pods: list[dict]) -> list[dict]:
    """The Endpoints subsets for these pods, in canonical (repacked, sorted) form."""
    offered = [offered_by(pod, service) for pod in pods]
    return repack([entry for entry in offered if entry is not None])


def offered_by(pod: dict, service: dict) -> tuple[dict, bool, list[tuple]] | None:
    """(address, ready, the ports it offers) if the pod belongs in the Service's Endpoints."""
    publish_not_ready = service["spec"].get("publishNotReadyAddresses", False)
    if not should_be_in_endpoints(pod, publish_not_ready):
        return None
    ports = []
    for service_port in service["spec"].get("ports") or []:
        number = find_port(pod, service_port)
        if number is None:
            continue  # this pod does not offer that port
        ports.append((service_port.get("name", ""), number, service_port.get("protocol", "TCP"),
                      service_port.get("appProtocol", "")))
    if ports or not service["spec"].get("ports"):  # a headless Service may have no ports
        return endpoint_address(pod, service), publish_not_ready or is_ready(pod), ports
    return None


def repack(offered: list[tuple[dict, bool, list[tuple]]]) -> list[dict]:
    """Upstream's RepackSubsets: map each port to the addresses offering it, then give every
    distinct set of addresses one subset with all the ports they share. Sorted throughout."""
    addresses = {}                                   # address key -> address
    offering: dict[tuple | None, dict[tuple, bool]] = {}  # port -> {address key: ready}
    for address, ready, ports in offered:
        key = _address_order(address)
        addresses[key] = address
        for port in ports or [None]:                 # None: the no-ports sentinel
            offering.setdefault(port, {})[key] = ready
    sharing: dict[frozenset, list[tuple]] = {}       # set of (address key, ready) -> ports
    for port, members in offering.items():
        sharing.setdefault(frozenset(members.items()), []).extend([port] if port else [])
    subsets = []
    for members, ports in sharing.items():
        subset = {}
        ready = [addresses[key] for key, is_ready_ in sorted(members) if is_ready_]
        not_ready = [addresses[key] for key, is_ready_ in sorted(members) if not is_ready_]
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        if ports:
            subset["ports"] = [{field: value for field, value in
                                zip(("name", "port", "protocol", "appProtocol"), port) if value}
                               for port in sorted(ports)]
        subsets.append(subset)
    return sorted(subsets, key=lambda subset: (sorted(_address_order(a) for a in subset.get("addresses", []) +
                                                      subset.get("notReadyAddresses", [])),
                                               [sorted(p.items()) for p in subset.get("ports", [])]))


def _address_order(address: dict) -> tuple:
    """Addresses sort by IP (numerically), then by the pod's uid."""
    return (ip_number(address["ip"]), address.get("targetRef", {}).get("uid", ""))


@lru_cache(maxsize=1 << 16)
def ip_number(ip: str) -> int:
    """An IP address as the number it sorts by (parsed once per address, not per sort)."""
    return int(ipaddress.ip_address(ip))
