"""Pictures of live cluster state: where pods run, who owns them, how Services reach them.

Each function takes plain lists of objects (the dicts a `client.list(...)["items"]` returns)
and returns a `Diagram`, so it is pure: the same objects give byte-identical DOT text,
whatever order they came in, because everything is sorted by namespace and name before it is
drawn. `draw(cluster, what)` is the one-liner lessons use; it only lists and dispatches.

- `cluster_state(nodes, pods)`: each node a box holding the pods bound to it
  (`spec.nodeName`); pods not yet bound wait in a "Pending (unscheduled)" box.
- `ownership(deployments, replicasets, pods)`: Deployment → ReplicaSet → Pod, following each
  object's `metadata.ownerReferences`, which is exactly what the garbage collector follows.
- `service_routing(services, endpoints, pods)`: Service (ClusterIP:port) → its Endpoints
  (same name) → the pods whose `status.podIP` the Endpoints list.

A pod's colour comes from the STATUS column `kubectl get pods` would print (`pod_status`),
grouped into the six colours of the legend; its label carries the status in words too.

Left out: EndpointSlices (the lesson on kube-proxy reads Endpoints), StatefulSets, DaemonSets
and Jobs as owners (drawn only as a grey box naming the owner), init-container detail in the
status ("Init:0/1" is shown as ContainerCreating), and namespaces as boxes (a pod outside
"default" is named "namespace/name").
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from kubelab.objects import conditions, meta

from .architecture import architecture
from .render import Diagram
from .style import BORDER, CLUSTER_FILL, MUTED, html_label, new_digraph

# Legend entries, in the order a pod lives them, with their fills.
PENDING, CREATING, RUNNING, SUCCEEDED, FAILED, TERMINATING = (
    "Pending", "ContainerCreating", "Running", "Succeeded", "Failed / CrashLoopBackOff",
    "Terminating")
COLOURS = {
    PENDING: "#fff2a8",      # yellow
    CREATING: "#cfe6ff",     # light blue
    RUNNING: "#c5ecb5",      # green
    SUCCEEDED: "#e3ddf3",    # lavender: done, nothing wrong
    FAILED: "#f6b8b8",       # red
    TERMINATING: "#dcdcdc",  # grey
}
NOT_READY_COLOUR = "#c0392b"  # border of a node whose Ready condition is not True


def pod_status(pod: dict) -> str:
    """The STATUS `kubectl get pods` shows: Terminating, a container's reason, or the phase."""
    if meta.is_being_deleted(pod):
        return "Terminating"
    status = pod.get("status") or {}
    if status.get("reason"):  # set on the whole pod, e.g. "Evicted"
        return status["reason"]
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        if (state.get("waiting") or {}).get("reason"):
            return state["waiting"]["reason"]  # ContainerCreating, CrashLoopBackOff, ...
        if "terminated" in state:
            return state["terminated"].get("reason") or "Error"
    return status.get("phase") or "Pending"


def legend_entry(status: str) -> str:
    """Which of the legend's six colours a pod status gets."""
    if status in (PENDING, CREATING, RUNNING, TERMINATING):
        return status
    if status == "PodInitializing" or status.startswith("Init:"):
        return CREATING
    if status in ("Succeeded", "Completed"):
        return SUCCEEDED
    return FAILED  # Failed, CrashLoopBackOff, Error, ImagePullBackOff, Evicted, Unknown, ...


# --- cluster_state -----------------------------------------------------------------------

def cluster_state(nodes: Iterable[dict], pods: Iterable[dict]) -> Diagram:
    """Nodes as boxes holding their pods, coloured by status; unscheduled pods set apart."""
    nodes_by_name = {meta.name(node): node for node in nodes}
    pods = _sorted(pods)
    pods_on: dict[str, list[dict]] = {}
    for pod in pods:
        pods_on.setdefault(pod.get("spec", {}).get("nodeName") or "", []).append(pod)
    unscheduled = pods_on.pop("", [])

    graph = new_digraph("cluster_state")
    graph.attr(ranksep="0.2")
    _box(graph, "pending", html_label("Pending (unscheduled)", "waiting for the scheduler", align="left"),
         unscheduled, style="rounded,filled,dashed", color=MUTED)
    for node_name in sorted(set(nodes_by_name) | set(pods_on)):
        node = nodes_by_name.get(node_name)
        if node is None:  # pods still bound to a node that was deleted
            label, attrs = html_label(node_name, "no Node object", align="left"), {"style": "rounded,filled,dashed"}
        else:
            label, attrs = html_label(node_name, *_node_details(node), align="left"), {}
            if not conditions.is_true(node, "Ready"):
                attrs = {"color": NOT_READY_COLOUR, "penwidth": "2"}
        _box(graph, f"node/{node_name}", label, pods_on.get(node_name, []), **attrs)
    _legend(graph)

    counts = Counter(pod_status(pod) for pod in pods)
    tally = ", ".join(f"{counts[status]} {status}" for status in sorted(counts)) or "none"
    summary = (f"cluster state: {len(nodes_by_name)} node(s); pods: {tally}; "
               f"{len(unscheduled)} unscheduled")
    return Diagram(graph.source, summary)


def _box(graph, box_id: str, label: str, pods: list[dict], **attrs: str) -> None:
    """A cluster box of pods stacked in a column (invisible edges keep them one per rank)."""
    with graph.subgraph(name=f"cluster_{box_id}") as box:
        box.attr(**{"label": label, "labeljust": "l", "style": "rounded,filled",
                    "fillcolor": CLUSTER_FILL, "color": BORDER, **attrs})
        if not pods:  # Graphviz drops empty clusters: keep the box, say it is empty
            box.node(f"{box_id}/empty", "no pods", shape="plaintext", style="",
                     fontcolor=MUTED, fontsize="9")
        for pod in pods:
            _pod_node(box, pod)
        for above, below in zip(pods, pods[1:]):
            box.edge(_pod_id(above), _pod_id(below), style="invis")


def _node_details(node: dict) -> list[str]:
    # As kubectl prints STATUS: a Ready condition that is False or Unknown is "NotReady".
    status = "Ready" if conditions.is_true(node, "Ready") else "NotReady"
    if node.get("spec", {}).get("unschedulable"):
        status += ",SchedulingDisabled"
    addresses = node.get("status", {}).get("addresses") or []
    internal_ip = next((a["address"] for a in addresses if a.get("type") == "InternalIP"), "")
    return [status, internal_ip]


# --- ownership ---------------------------------------------------------------------------

def ownership(deployments: Iterable[dict], replicasets: Iterable[dict], pods: Iterable[dict]) -> Diagram:
    """Deployment → ReplicaSet → Pod, one arrow per ownerReference (dashed if not controller)."""
    deployments, replicasets, pods = _sorted(deployments), _sorted(replicasets), _sorted(pods)
    graph = new_digraph("ownership", rankdir="LR")
    for deployment in deployments:
        graph.node(_object_id(deployment, "Deployment"), html_label(
            f"Deployment {_display_name(deployment)}", _ready_of(deployment)))
    for replicaset in replicasets:
        revision = meta.annotations(replicaset).get("deployment.kubernetes.io/revision")
        scaled_down = replicaset.get("spec", {}).get("replicas", 1) == 0  # an old rollout
        graph.node(_object_id(replicaset, "ReplicaSet"), html_label(
            f"ReplicaSet {_display_name(replicaset)}", f"revision {revision}" if revision else "",
            _ready_of(replicaset)), **({"style": "rounded,dashed", "color": MUTED} if scaled_down else {}))
    _pod_column(graph, pods)

    owners = {(kind, meta.namespace(obj), meta.name(obj)): obj
              for kind, objects in (("Deployment", deployments), ("ReplicaSet", replicasets))
              for obj in objects}
    missing: dict[str, str] = {}  # node id -> label, for owners not in the lists
    edges = 0
    for kind, objects in (("ReplicaSet", replicasets), ("Pod", pods)):
        for obj in objects:
            namespace = meta.namespace(obj)
            for ref in sorted(meta.owner_references(obj), key=lambda each: (each["kind"], each["name"])):
                owner = owners.get((ref["kind"], namespace, ref["name"]))
                if owner is not None and _same_uid(ref, owner):
                    owner_id = _object_id(owner, ref["kind"])
                else:  # deleted, or replaced by a namesake with a new uid: the GC's work
                    owner_id = f"missing/{ref['kind']}/{namespace}/{ref['name']}/{ref.get('uid', '')}"
                    why = "gone" if ref["kind"] in ("Deployment", "ReplicaSet") else "not drawn"
                    missing[owner_id] = html_label(f"{ref['kind']} {_qualified(namespace, ref['name'])}", why)
                graph.edge(owner_id, _object_id(obj, kind), **({} if ref.get("controller") else {"style": "dashed"}))
                edges += 1
    for owner_id, label in sorted(missing.items()):
        graph.node(owner_id, label, style="rounded,dashed", color=MUTED, fontcolor=MUTED)
    _legend(graph)
    return Diagram(graph.source, f"ownership: {len(deployments)} Deployment(s), "
                                 f"{len(replicasets)} ReplicaSet(s), {len(pods)} pod(s), "
                                 f"{edges} ownerReference(s), {len(missing)} missing owner(s)")


def _same_uid(ref: dict, owner: dict) -> bool:
    # Hand-written objects in a lesson may have no uid; then the name alone decides.
    return not ref.get("uid") or not meta.uid(owner) or ref["uid"] == meta.uid(owner)


def _ready_of(obj: dict) -> str:
    desired = obj.get("spec", {}).get("replicas", 1)
    return f"{obj.get('status', {}).get('readyReplicas', 0)}/{desired} ready"


# --- service_routing ---------------------------------------------------------------------

def service_routing(services: Iterable[dict], endpoints: Iterable[dict], pods: Iterable[dict]) -> Diagram:
    """Service (ClusterIP:port) → Endpoints → the pods whose IPs they list."""
    graph = new_digraph("service_routing", rankdir="LR")
    pods = _sorted(pods)
    pod_by_ip = {pod["status"]["podIP"]: pod for pod in pods if pod.get("status", {}).get("podIP")}
    endpoints_by_key = {meta.key(obj): obj for obj in endpoints}
    for service in _sorted(services):
        has_endpoints = meta.key(service) in endpoints_by_key
        graph.node(_object_id(service, "Service"), html_label(
            f"Service {_display_name(service)}", *_service_details(service),
            "" if has_endpoints else "no Endpoints object"))
        if has_endpoints:
            graph.edge(_object_id(service, "Service"), _object_id(service, "Endpoints"))
    _pod_column(graph, pods, show_labels=True)

    routes, stray_ips = 0, set()
    for obj in _sorted(endpoints_by_key.values()):
        addresses = []  # (ip, ports, ready)
        for subset in obj.get("subsets") or []:
            ports = ",".join(str(port["port"]) for port in subset.get("ports") or [])
            for ready, field in ((True, "addresses"), (False, "notReadyAddresses")):
                for address in subset.get(field) or []:
                    addresses.append((address["ip"], ports, ready))
        addresses.sort()
        lines = [f"{ip}:{ports}" + ("" if ready else " (not ready)") for ip, ports, ready in addresses]
        graph.node(_object_id(obj, "Endpoints"), html_label(
            f"Endpoints {_display_name(obj)}", *(lines or ["no addresses"])), shape="note", style="filled")
        for ip, _, ready in addresses:
            target = _pod_id(pod_by_ip[ip]) if ip in pod_by_ip else f"ip/{ip}"
            if ip not in pod_by_ip:
                stray_ips.add(ip)
            graph.edge(_object_id(obj, "Endpoints"), target, **({} if ready else {"style": "dashed"}))
            routes += 1 if ready else 0
    with graph.subgraph() as column:  # in the pods' column, where a pod would be
        column.attr(rank="max")
        for ip in sorted(stray_ips):
            column.node(f"ip/{ip}", html_label(ip, "not a pod here"), style="rounded,dashed", color=MUTED)
    _legend(graph)
    return Diagram(graph.source, f"service routing: {len(endpoints_by_key)} Endpoints, "
                                 f"{routes} ready address(es), {len(pods)} pod(s)")


def _service_details(service: dict) -> list[str]:
    spec = service.get("spec", {})
    service_type, cluster_ip = spec.get("type", "ClusterIP"), spec.get("clusterIP", "")
    headless = cluster_ip == "None"
    lines = [service_type + (" (headless: no ClusterIP)" if headless else "")]
    for port in spec.get("ports") or []:
        front = f"port {port['port']}" if headless else f"{cluster_ip}:{port['port']}"
        lines.append(f"{front} → {port.get('targetPort', port['port'])}/{port.get('protocol', 'TCP')}")
        if port.get("nodePort"):
            lines.append(f"nodePort {port['nodePort']} on every node")
    selector = spec.get("selector") or {}
    lines.append(",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "no selector")
    return lines


# --- shared pieces -----------------------------------------------------------------------

def _pod_node(graph, pod: dict, show_labels: bool = False) -> None:
    status = pod_status(pod)
    ready = conditions.is_true(pod, "Ready")
    ip = pod.get("status", {}).get("podIP") or "no IP yet"
    details = [ip, status if ready or status != "Running" else "Running, not ready"]
    if show_labels:
        details.append(",".join(f"{k}={v}" for k, v in sorted(meta.labels(pod).items())))
    attrs = {"fillcolor": COLOURS[legend_entry(status)]}
    if status == "Running" and not ready:
        attrs["style"] = "rounded,filled,dashed"
    graph.node(_pod_id(pod), html_label(_display_name(pod), *details), **attrs)


def _pod_column(graph, pods: list[dict], show_labels: bool = False) -> None:
    """All pods in the last rank, owned or not, so they line up as one column."""
    with graph.subgraph() as column:
        column.attr(rank="max")
        for pod in pods:
            _pod_node(column, pod, show_labels)


def _legend(graph) -> None:
    # The graph's own label, drawn under the picture: as a node it would make the first
    # rank as tall as itself and push every pod in that rank apart.
    rows = "".join(
        f'<td bgcolor="{colour}" width="14" height="10" fixedsize="true"></td>'
        f'<td align="left"><font point-size="9">{entry}</font></td>'
        for entry, colour in COLOURS.items())
    graph.attr(labeljust="r", label=(
        '<<table border="0" cellspacing="3" cellpadding="1"><tr>'
        f'<td><font point-size="9"><b>pod status:</b></font></td>{rows}</tr></table>>'))


def _sorted(objects: Iterable[dict]) -> list[dict]:
    return sorted(objects, key=lambda obj: (meta.namespace(obj), meta.name(obj)))


def _display_name(obj: dict) -> str:
    return _qualified(meta.namespace(obj), meta.name(obj))


def _qualified(namespace: str, name: str) -> str:
    """Just the name in the default namespace, where lessons work; "namespace/name" elsewhere."""
    return name if namespace in ("", "default") else f"{namespace}/{name}"


def _pod_id(pod: dict) -> str:
    return _object_id(pod, "Pod")


def _object_id(obj: dict, kind: str) -> str:
    return f"{kind}/{meta.namespace(obj)}/{meta.name(obj)}"


# --- the one-liner -----------------------------------------------------------------------

def draw(cluster: Any, what: str = "state") -> Diagram:
    """A diagram of `cluster`'s live state: "state", "ownership", "services" or "architecture"."""
    def items(resource: str) -> list[dict]:
        return cluster.client.list(resource, namespace=None)["items"]

    if what == "state":
        return cluster_state(items("nodes"), items("pods"))
    if what == "ownership":
        return ownership(items("deployments"), items("replicasets"), items("pods"))
    if what == "services":
        return service_routing(items("services"), items("endpoints"), items("pods"))
    if what == "architecture":
        return architecture(nodes=[meta.name(node) for node in items("nodes")],
                            cloud=getattr(cluster, "cloud", None) is not None)
    raise ValueError(f"draw: what={what!r}; one of 'state', 'ownership', 'services', 'architecture'")
