"""The columns of `kubectl get`, one table per resource, as Kubernetes v1.32 fills them.

As in real Kubernetes (k8s.io/kubernetes/pkg/printers/internalversion), these tables belong
to the API server: a client asking for `as=Table` gets the rows computed here (http/table.py
wraps them in a meta.k8s.io/v1 Table), and kubectl only pads and prints them. kubelab's own
kubectl, which runs in-process, calls the same row functions.

Each table is a list of columns, `(Name, wide)`, named as upstream names them (kubectl prints
them in capitals), where `wide` columns (priority 1) appear only with `-o wide`, and a row
function giving every cell (wide ones too) for one object at time `now`.

Configuration and RBAC kinds have theirs in config_and_rbac.py. Left out: the columns of
kinds kubelab does not serve, and `--sort-by`.
"""
from __future__ import annotations

from typing import Callable

from kubelab.objects import selector

from .batch import BATCH_TABLES
from .config_and_rbac import CONFIG_AND_RBAC_TABLES
from .pod_status import pod_summary
from .storage import STORAGE_TABLES
from .policy_and_discovery import POLICY_AND_DISCOVERY_TABLES
from .timestamps import since

Column = tuple[str, bool]                  # (upstream's column name, only with -o wide)
Row = Callable[[dict, float], list[str]]   # (object, now) -> cells


def _age(obj: dict, now: float) -> str:
    return since(obj.get("metadata", {}).get("creationTimestamp"), now)


def _name(obj: dict) -> str:
    return obj.get("metadata", {}).get("name", "")


def format_labels(labels: dict | None) -> str:
    """`a=1,b=2` sorted by key, or `<none>` (labels.FormatLabels)."""
    if not labels:
        return "<none>"
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def format_selector(label_selector: dict | None) -> str:
    """A LabelSelector as kubectl prints it: requirements sorted by key (`app=web,tier in (a,b)`)."""
    requirements = sorted(selector.from_label_selector(label_selector or {}), key=lambda r: r[0])
    return selector.to_string(requirements)


def _containers_and_images(template: dict) -> list[str]:
    containers = (template.get("spec") or {}).get("containers") or []
    return [",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)]


def pod_row(pod: dict, now: float) -> list[str]:
    ready, status, restarts = pod_summary(pod, now)
    spec, pod_status = pod.get("spec") or {}, pod.get("status") or {}
    pod_ips = pod_status.get("podIPs") or []
    ip = pod_ips[0].get("ip") if pod_ips else pod_status.get("podIP")
    gates = spec.get("readinessGates") or []
    readiness = "<none>"
    if gates:
        conditions = {c.get("type"): c.get("status") for c in pod_status.get("conditions") or []}
        true_gates = sum(1 for gate in gates if conditions.get(gate.get("conditionType")) == "True")
        readiness = f"{true_gates}/{len(gates)}"
    return [_name(pod), ready, status, restarts, _age(pod, now),
            ip or "<none>", spec.get("nodeName") or "<none>",
            pod_status.get("nominatedNodeName") or "<none>", readiness]


def deployment_row(deployment: dict, now: float) -> list[str]:
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    return [_name(deployment), f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
            str(status.get("updatedReplicas", 0)), str(status.get("availableReplicas", 0)),
            _age(deployment, now), *_containers_and_images(spec.get("template") or {}),
            format_selector(spec.get("selector"))]


def replicaset_row(replicaset: dict, now: float) -> list[str]:
    spec, status = replicaset.get("spec") or {}, replicaset.get("status") or {}
    return [_name(replicaset), str(spec.get("replicas", 0)), str(status.get("replicas", 0)),
            str(status.get("readyReplicas", 0)), _age(replicaset, now),
            *_containers_and_images(spec.get("template") or {}), format_selector(spec.get("selector"))]


def replicationcontroller_row(controller: dict, now: float) -> list[str]:
    spec, status = controller.get("spec") or {}, controller.get("status") or {}
    return [_name(controller), str(spec.get("replicas", 0)), str(status.get("replicas", 0)),
            str(status.get("readyReplicas", 0)), _age(controller, now),
            *_containers_and_images(spec.get("template") or {}), format_labels(spec.get("selector"))]


def daemonset_row(daemonset: dict, now: float) -> list[str]:
    spec, status = daemonset.get("spec") or {}, daemonset.get("status") or {}
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector")
    return [_name(daemonset), *(str(status.get(field, 0)) for field in (
                "desiredNumberScheduled", "currentNumberScheduled", "numberReady", "updatedNumberScheduled",
                "numberAvailable")),
            format_labels(node_selector), _age(daemonset, now),
            *_containers_and_images(spec.get("template") or {}), format_selector(spec.get("selector"))]


def statefulset_row(statefulset: dict, now: float) -> list[str]:
    spec, status = statefulset.get("spec") or {}, statefulset.get("status") or {}
    return [_name(statefulset), f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
            _age(statefulset, now), *_containers_and_images(spec.get("template") or {})]


def controllerrevision_row(revision: dict, now: float) -> list[str]:
    """CONTROLLER is the owner as `daemonset.apps/fluentd` (kind.group/name, lower-cased)."""
    owner = next((ref for ref in (revision.get("metadata") or {}).get("ownerReferences") or []
                  if ref.get("controller")), None)
    controller = "<none>"
    if owner is not None:
        group = owner.get("apiVersion", "").rpartition("/")[0]
        controller = f"{owner.get('kind', '').lower()}{'.' + group if group else ''}/{owner.get('name', '')}"
    return [_name(revision), controller, str(revision.get("revision", 0)), _age(revision, now)]


def service_row(service: dict, now: float) -> list[str]:
    spec = service.get("spec") or {}
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    ports = ",".join(
        (f"{p.get('port')}:{p['nodePort']}/{p.get('protocol', 'TCP')}" if p.get("nodePort")
         else f"{p.get('port')}/{p.get('protocol', 'TCP')}")
        for p in spec.get("ports") or [])
    return [_name(service), spec.get("type", ""), cluster_ips[0] if cluster_ips else "<none>",
            service_external_ip(service), ports or "<none>", _age(service, now),
            format_labels(spec.get("selector"))]


def service_external_ip(service: dict, wide: bool = False) -> str:
    spec = service.get("spec") or {}
    external_ips = spec.get("externalIPs") or []
    service_type = spec.get("type", "")
    if service_type in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) or "<none>"
    if service_type == "LoadBalancer":
        ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        addresses = sorted({i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")})
        balancer = ",".join(addresses)
        if not wide and len(balancer) > 16:
            balancer = balancer[:13] + "..."
        if external_ips:
            return ",".join(([balancer] if balancer else []) + external_ips)
        return balancer or "<pending>"
    if service_type == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def format_endpoints(endpoints: dict, port_names: set[str] | None = None, empty: str = "<none>") -> str:
    """`ip:port,ip:port,ip:port + N more...`: the first three ready addresses, then a count.

    `port_names` keeps only those ports (describe shows one service port per line); `empty`
    is what no ready address at all reads as.
    """
    subsets = endpoints.get("subsets") or []
    if not subsets:
        return empty
    shown: list[str] = []
    count, limit = 0, 3
    for subset in subsets:
        addresses = [a.get("ip", "") for a in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        targets = [None] if not ports else [p for p in ports if port_names is None or p.get("name", "") in port_names]
        for port in targets:
            count += len(addresses)
            for ip in addresses:
                if len(shown) == limit:
                    break
                host = f"[{ip}]" if ":" in ip else ip
                shown.append(ip if port is None else f"{host}:{port.get('port')}")
    text = ",".join(shown)
    if count > limit:
        return f"{text} + {count - limit} more..."
    return text or empty


def endpoints_row(endpoints: dict, now: float) -> list[str]:
    return [_name(endpoints), format_endpoints(endpoints), _age(endpoints, now)]


def node_roles(node: dict) -> list[str]:
    """Roles from `node-role.kubernetes.io/<role>` labels (and the old `kubernetes.io/role`)."""
    roles = set()
    for key, value in (node.get("metadata", {}).get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and key[len("node-role.kubernetes.io/"):]:
            roles.add(key[len("node-role.kubernetes.io/"):])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return sorted(roles)


def node_status(node: dict) -> str:
    words = []
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            words = ["Ready" if condition.get("status") == "True" else "NotReady"]
    words = words or ["Unknown"]
    if (node.get("spec") or {}).get("unschedulable"):
        words.append("SchedulingDisabled")
    return ",".join(words)


def _node_address(node: dict, address_type: str) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == address_type:
            return address.get("address", "")
    return "<none>"


def node_row(node: dict, now: float) -> list[str]:
    info = (node.get("status") or {}).get("nodeInfo") or {}
    return [_name(node), node_status(node), ",".join(node_roles(node)) or "<none>", _age(node, now),
            info.get("kubeletVersion", ""), _node_address(node, "InternalIP"),
            _node_address(node, "ExternalIP"), info.get("osImage") or "<unknown>",
            info.get("kernelVersion") or "<unknown>", info.get("containerRuntimeVersion") or "<unknown>"]


def namespace_row(namespace: dict, now: float) -> list[str]:
    return [_name(namespace), (namespace.get("status") or {}).get("phase", ""), _age(namespace, now)]


def event_row(event: dict, now: float) -> list[str]:
    first_seen = since(event.get("firstTimestamp"), now) if event.get("firstTimestamp") \
        else since(event.get("eventTime"), now)
    last_seen = since(event.get("lastTimestamp"), now) if event.get("lastTimestamp") else first_seen
    count = event.get("count") or 1
    series = event.get("series")
    if series:
        last_seen, count = since(series.get("lastObservedTime"), now), series.get("count", count)
    involved = event.get("involvedObject") or {}
    kind = (involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    instance = source.get("host") or event.get("reportingInstance") or ""
    source_text = f"{component}, {instance}" if instance else component
    return [last_seen, event.get("type", ""), event.get("reason", ""), target,
            involved.get("fieldPath", ""), source_text, (event.get("message") or "").strip(),
            first_seen, str(count), _name(event)]


TABLES: dict[str, tuple[list[Column], Row]] = {
    "pods": ([("Name", False), ("Ready", False), ("Status", False), ("Restarts", False), ("Age", False),
              ("IP", True), ("Node", True), ("Nominated Node", True), ("Readiness Gates", True)], pod_row),
    "deployments": ([("Name", False), ("Ready", False), ("Up-to-date", False), ("Available", False),
                     ("Age", False), ("Containers", True), ("Images", True), ("Selector", True)],
                    deployment_row),
    "replicasets": ([("Name", False), ("Desired", False), ("Current", False), ("Ready", False),
                     ("Age", False), ("Containers", True), ("Images", True), ("Selector", True)],
                    replicaset_row),
    "services": ([("Name", False), ("Type", False), ("Cluster-IP", False), ("External-IP", False),
                  ("Port(s)", False), ("Age", False), ("Selector", True)], service_row),
    "endpoints": ([("Name", False), ("Endpoints", False), ("Age", False)], endpoints_row),
    "nodes": ([("Name", False), ("Status", False), ("Roles", False), ("Age", False), ("Version", False),
               ("Internal-IP", True), ("External-IP", True), ("OS-Image", True), ("Kernel-Version", True),
               ("Container-Runtime", True)], node_row),
    "namespaces": ([("Name", False), ("Status", False), ("Age", False)], namespace_row),
    "events": ([("Last Seen", False), ("Type", False), ("Reason", False), ("Object", False),
                ("Subobject", True), ("Source", True), ("Message", False), ("First Seen", True),
                ("Count", True), ("Name", True)], event_row),
    "replicationcontrollers": ([("Name", False), ("Desired", False), ("Current", False), ("Ready", False),
                                ("Age", False), ("Containers", True), ("Images", True), ("Selector", True)],
                               replicationcontroller_row),
    "daemonsets": ([("Name", False), ("Desired", False), ("Current", False), ("Ready", False),
                    ("Up-to-date", False), ("Available", False), ("Node Selector", False), ("Age", False),
                    ("Containers", True), ("Images", True), ("Selector", True)], daemonset_row),
    "statefulsets": ([("Name", False), ("Ready", False), ("Age", False), ("Containers", True),
                      ("Images", True)], statefulset_row),
    "controllerrevisions": ([("Name", False), ("Controller", False), ("Revision", False), ("Age", False)],
                            controllerrevision_row),
    **CONFIG_AND_RBAC_TABLES,
    **STORAGE_TABLES,
    **POLICY_AND_DISCOVERY_TABLES,
    **BATCH_TABLES,
}

# The column kubectl prefixes with the kind (`pod/x`) when several types print together.
NAME_COLUMN = {plural: [header for header, _ in columns].index("Name") for plural, (columns, _) in TABLES.items()}
