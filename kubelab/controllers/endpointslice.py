"""The EndpointSlice controller: a Service's endpoints, in slices of at most 100.

    services, pods, nodes, endpointslices ──informers──▶ enqueue the Service's key ──▶ sync(key):
        Service gone or without a selector  -> nothing (the garbage collector removes slices
                                               whose owner Service is gone)
        otherwise  desired = one endpoint per selected pod with an IP (terminating ones too,
                             flagged): addresses, conditions {ready, serving, terminating},
                             nodeName, zone (its node's topology.kubernetes.io/zone), targetRef,
                             grouped by the ports the pod offers
                   reconcile = keep each existing slice's endpoints that are still desired,
                             fill slices that have room, create new ones for the rest
                             (generateName "<service>-"), delete slices left empty; a Service
                             with no endpoints keeps one empty "placeholder" slice, which its
                             first endpoints then fill

Invariant: every endpoint is in exactly one of the Service's slices, no slice holds more than
max_endpoints_per_slice (100, kube-controller-manager's --max-endpoints-per-slice), and a
slice is written only when what it says changed — one pod's change rewrites one slice, not
the whole Service (the reason EndpointSlices replaced Endpoints for large Services).

Each slice carries the labels kubernetes.io/service-name and endpointslice.kubernetes.io/
managed-by (endpointslice-controller.k8s.io), the Service's own labels (plus service.kubernetes.io/headless
for a headless Service), and the Service as its controller owner.

As upstream (pkg/controller/endpointslice and staging/.../endpointslice/reconciler.go, v1.32),
simplified: IPv4 only (no dual-stack slices), no topology-aware hints, no
last-change-trigger-time annotation, and no EndpointSlice mirroring of hand-written Endpoints;
the packing keeps slices as they are rather than upstream's cost-based fill.
"""
from __future__ import annotations

from ..client import ApiError, Controller
from ..objects import meta
from .active_pods import is_ready
from .endpoints import endpoint_view, find_port, ip_number
from .label_index import LABEL_INDEX, label_index, pods_selected
from .pod_memo import PodMemo

SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
HEADLESS = "service.kubernetes.io/headless"
ZONE = "topology.kubernetes.io/zone"

PortsKey = tuple   # the slice's ports, as a hashable tuple of (name, port, protocol, appProtocol)


class EndpointSliceController(Controller):
    name = "endpointslice-controller"
    max_endpoints_per_slice = 100

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.services = factory.informer("services")
        self.pods = factory.informer("pods")
        self.pods.add_indexers({LABEL_INDEX: label_index})   # a Service's pods, not the namespace's
        self.nodes = factory.informer("nodes")
        self.slices = factory.informer("endpointslices")
        # Per Service key: {slice name: (resourceVersion we wrote, or None for a delete; when)}.
        # Until the informer has seen each of our writes, a sync would read a stale list and could
        # create a second slice for the same endpoints (upstream's EndpointSliceTracker): it waits.
        self.written: dict[str, dict[str, tuple[str | None, float]]] = {}
        self.memo = PodMemo()   # each pod's (ports, endpoint), derived once per version (pod_memo.py)
        self.zones_changed = 0  # bumped when a node's zone label changes: endpoints name their zone
        self.services.add_handlers(self.enqueue, lambda old, new: self.enqueue(new), None)
        self.pods.add_handlers(self.on_pod_add_or_delete, self.on_pod_update, self.on_pod_add_or_delete)
        self.slices.add_handlers(None, lambda old, new: self.on_slice(new), self.on_slice)
        self.nodes.add_handlers(lambda node: self.on_node(None, node), self.on_node,
                                lambda node: self.on_node(node, None))

    # -- event handlers -----------------------------------------------------------------
    def on_pod_add_or_delete(self, pod: dict) -> None:
        for service in self.services_selecting(pod):
            self.enqueue(service)

    def on_pod_update(self, old: dict, new: dict) -> None:
        services = self.services_selecting(old) + self.services_selecting(new)
        if not services or endpoint_view(old) == endpoint_view(new):
            return  # no Service selects it, or nothing an Endpoints shows has changed
        keys = {meta.key(s) for s in services}
        for key in sorted(keys):
            self.enqueue(key)

    def on_node(self, old: dict | None, new: dict | None) -> None:
        """A node's zone is part of every endpoint on it: a new zone, and pods are derived again
        at their Service's next sync (upstream reads the node lister at each sync; no resync)."""
        if meta.labels(old or {}).get(ZONE) != meta.labels(new or {}).get(ZONE):
            self.zones_changed += 1

    def on_slice(self, endpoint_slice: dict) -> None:
        """Someone changed or deleted one of our slices: put the Service's back as it should be."""
        labels = meta.labels(endpoint_slice)
        if labels.get(MANAGED_BY) == CONTROLLER_NAME and labels.get(SERVICE_NAME):
            self.enqueue(f"{meta.namespace(endpoint_slice)}/{labels[SERVICE_NAME]}")

    def services_selecting(self, pod: dict) -> list[dict]:
        labels = meta.labels(pod)
        return [service for service in self.services.list(meta.namespace(pod))
                if service["spec"].get("selector") and
                all(labels.get(key) == value for key, value in service["spec"]["selector"].items())]

    # -- reconcile --------------------------------------------------------------------
    def sync(self, key: str) -> None:
        namespace, name = meta.split_key(key)
        service = self.services.get(key)
        if service is None or service["spec"].get("type") == "ExternalName" or \
                not service["spec"].get("selector") or meta.is_being_deleted(service):
            self.written.pop(key, None)
            self.memo.forget(key)
            return   # the garbage collector deletes the slices of a deleted Service
        if not self.slices.has_synced or self.cache_is_stale(key):
            self.queue.add_after(key, 1.0)   # look again once the informer has caught up
            return
        pods = pods_selected(self.pods, namespace, {"matchLabels": service["spec"]["selector"]})
        desired = self.desired_endpoints(service, pods, key)
        existing = sorted((s for s in self.slices.list(namespace)
                           if meta.labels(s).get(SERVICE_NAME) == name and
                           meta.labels(s).get(MANAGED_BY) == CONTROLLER_NAME), key=meta.name)
        labels = slice_labels(service)
        plan = self.reconcile(existing, desired)
        if not plan:   # no endpoints at all: one empty placeholder slice
            plan = [(existing[0] if existing else None, (), [])]
        placeholders = [s for s in existing if not s.get("endpoints") and s not in [c for c, _, _ in plan]]
        if placeholders and any(current is None for current, _, _ in plan):
            index = next(i for i, (current, _, _) in enumerate(plan) if current is None)
            plan[index] = (placeholders[0], *plan[index][1:])   # fill the placeholder, not a new slice
        kept = {meta.name(s) for s, _, _ in plan if s is not None}
        written = self.written.setdefault(key, {})
        for current, ports, endpoints in plan:
            answer = self.write_slice(service, current, list(ports), endpoints, labels)
            if answer is not None:
                written[meta.name(answer)] = (meta.resource_version(answer), self.clock.now())
        for stale in existing:
            if meta.name(stale) not in kept:
                self.delete_slice(stale)
                written[meta.name(stale)] = (None, self.clock.now())

    def cache_is_stale(self, key: str) -> bool:
        """Has the slice informer yet to see one of our writes for this Service? (Given up on
        after 10 s: someone else may have changed the slice since.)"""
        namespace = meta.split_key(key)[0]
        pending = self.written.get(key, {})
        for name, (version, when) in list(pending.items()):
            cached = self.slices.get(f"{namespace}/{name}")
            seen = cached is None if version is None else \
                cached is not None and int(meta.resource_version(cached)) >= int(version)
            if seen or self.clock.now() - when > 10:
                del pending[name]
        return bool(pending)

    def desired_endpoints(self, service: dict, pods: list[dict], key: str | None = None
                          ) -> dict[PortsKey, dict[str, dict]]:
        """{ports: {endpoint key: endpoint}} for the pods that belong in the Service's slices.
        With the Service's `key`, each pod's entry is derived once per version of the pod, its
        Service and the nodes' zones (pod_memo.py); without, every pod is derived afresh."""
        if key is None:
            entries = [self.pod_entry(pod, service) for pod in pods]
        else:
            entries = self.memo.derive(key, pods, (service, self.zones_changed),
                                       lambda pod: self.pod_entry(pod, service))
        desired: dict[PortsKey, dict[str, dict]] = {}
        for entry in entries:
            if entry is not None:
                ports, endpoint = entry
                desired.setdefault(ports, {})[_endpoint_key(endpoint)] = endpoint
        return desired

    def pod_entry(self, pod: dict, service: dict) -> tuple[PortsKey, dict] | None:
        """(the ports it offers, its endpoint) for a pod that belongs in the slices, else None."""
        status = pod.get("status") or {}
        if status.get("phase") in ("Succeeded", "Failed") or not status.get("podIP"):
            return None
        ports = []
        for service_port in service["spec"].get("ports") or []:
            number = find_port(pod, service_port)
            if number is not None:
                port = {"name": service_port.get("name", ""), "port": number,
                        "protocol": service_port.get("protocol", "TCP")}
                if service_port.get("appProtocol"):
                    port["appProtocol"] = service_port["appProtocol"]
                ports.append(_port_key(port))
        return tuple(ports), self.pod_to_endpoint(pod, service)

    def pod_to_endpoint(self, pod: dict, service: dict) -> dict:
        """upstream's podToEndpoint: ready = serving and not terminating (or publishNotReadyAddresses)."""
        publish = bool(service["spec"].get("publishNotReadyAddresses"))
        serving = publish or is_ready(pod)
        terminating = meta.is_being_deleted(pod)
        endpoint = {"addresses": [pod["status"]["podIP"]],
                    "conditions": {"ready": publish or (serving and not terminating), "serving": serving,
                                   "terminating": terminating}}
        if pod["spec"].get("hostname") and pod["spec"].get("subdomain") == meta.name(service):
            endpoint["hostname"] = pod["spec"]["hostname"]
        endpoint["targetRef"] = {"kind": "Pod", "namespace": meta.namespace(pod), "name": meta.name(pod),
                                 "uid": meta.uid(pod)}
        node_name = pod["spec"].get("nodeName")
        if node_name:
            endpoint["nodeName"] = node_name
            zone = meta.labels(self.nodes.get(node_name) or {}).get(ZONE)
            if zone:
                endpoint["zone"] = zone
        return endpoint

    def reconcile(self, existing: list[dict], desired: dict[PortsKey, dict[str, dict]]
                  ) -> list[tuple[dict | None, PortsKey, list[dict]]]:
        """(slice or None for a new one, ports, endpoints) for every slice the Service should have."""
        plan, limit = [], self.max_endpoints_per_slice
        remaining = {ports: dict(endpoints) for ports, endpoints in desired.items()}
        for current in existing:           # 1. keep what each slice already holds and still wants
            ports = tuple(_port_key(p) for p in current.get("ports") or [])
            if ports not in remaining or current.get("addressType") != "IPv4":
                continue
            held = [remaining[ports].pop(key) for key in map(_endpoint_key, current.get("endpoints") or [])
                    if key in remaining[ports]]
            if held:
                plan.append([current, ports, held])
        for entry in plan:                 # 2. fill the room left in kept slices
            current, ports, held = entry
            room = limit - len(held)
            new = sorted(remaining[ports].values(), key=_endpoint_order)[:room]
            for endpoint in new:
                del remaining[ports][_endpoint_key(endpoint)]
            entry[2] = held + new
        for ports in sorted(remaining):    # 3. new slices for the rest, 100 at a time
            leftovers = sorted(remaining[ports].values(), key=_endpoint_order)
            for start in range(0, len(leftovers), limit):
                plan.append([None, ports, leftovers[start:start + limit]])
        return [(current, ports, sorted(endpoints, key=_endpoint_order)) for current, ports, endpoints in plan]

    def write_slice(self, service: dict, current: dict | None, ports: list[tuple], endpoints: list[dict],
                    labels: dict) -> dict | None:
        """Create or update one slice (None when it already says this)."""
        namespace = meta.namespace(service)
        endpoints, wanted_ports = endpoints or None, [dict(port) for port in ports] or None
        if current is not None and current.get("endpoints") == endpoints and current.get("ports") == wanted_ports \
                and meta.labels(current) == labels:
            return None   # unchanged: no write
        # A new top level and metadata: the cached slice (shared, read-only) is never changed.
        body = {**current, "metadata": dict(current["metadata"])} if current is not None else {
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"generateName": f"{meta.name(service)}-", "namespace": namespace,
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": meta.name(service),
                                              "uid": meta.uid(service), "controller": True,
                                              "blockOwnerDeletion": True}]},
            "addressType": "IPv4"}
        body["metadata"]["labels"] = labels
        body["endpoints"] = endpoints            # not omitempty: a placeholder says null
        body["ports"] = wanted_ports
        if current is None:
            return self.client.create("endpointslices", body, namespace)
        return self.client.update("endpointslices", body, namespace)

    def delete_slice(self, endpoint_slice: dict) -> None:
        try:
            self.client.delete("endpointslices", meta.name(endpoint_slice), meta.namespace(endpoint_slice))
        except ApiError as error:
            if error.code != 404:
                raise


def slice_labels(service: dict) -> dict:
    """The Service's labels, then the two that say whose slice this is (setEndpointSliceLabels)."""
    labels = {key: value for key, value in meta.labels(service).items()
              if key not in (SERVICE_NAME, MANAGED_BY, HEADLESS)}
    if service["spec"].get("clusterIP") in (None, "", "None"):
        labels[HEADLESS] = ""
    labels[SERVICE_NAME] = meta.name(service)
    labels[MANAGED_BY] = CONTROLLER_NAME
    return labels


def _port_key(port: dict) -> tuple:
    """A port as a hashable, canonically ordered tuple (its fields in JSON order)."""
    return tuple((field, port[field]) for field in ("name", "port", "protocol", "appProtocol") if field in port)


def _endpoint_key(endpoint: dict) -> str:
    return (endpoint.get("targetRef") or {}).get("uid") or endpoint["addresses"][0]


def _endpoint_order(endpoint: dict) -> tuple:
    return (ip_number(endpoint["addresses"][0]), _endpoint_key(endpoint))
