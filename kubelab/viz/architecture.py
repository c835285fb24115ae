"""The Kubernetes components picture: who talks to whom.

This is the classic map from the Kubernetes documentation ("Cluster Architecture"), drawn to
teach its one rule: *every component talks only to the API server, and only the API server
talks to etcd.* Each arrow points from the caller to the one it calls, so every arrow inside
the cluster ends at kube-apiserver, except three: kube-apiserver → etcd (the store),
kubelet → container runtime (CRI) and cloud-controller-manager → cloud provider API.

A lesson colours one component with `highlight=` ("today: the scheduler"), and draws what its
cluster runs: the nodes it has (`nodes=`), and the cloud-controller-manager with the cloud
provider API only when it runs one (`cloud=`: kubelab's Cluster runs it with cloud=True).

Left out: the things the picture in the docs leaves out too — add-ons (DNS, dashboard),
the network plugin, the API server's aggregation layer, and several API servers behind a
load balancer (the failures lesson draws that one itself).
"""
from __future__ import annotations

from typing import Iterable

from .render import Diagram
from .style import BORDER, CLUSTER_FILL, HIGHLIGHT_BORDER, HIGHLIGHT_FILL, MUTED, html_label, new_digraph

CONTROL_PLANE = ("kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager",
                 "cloud-controller-manager")
NODE_COMPONENTS = ("kubelet", "kube-proxy", "container runtime", "pods")
OUTSIDE = ("kubectl", "cloud provider API")
COMPONENTS = CONTROL_PLANE + NODE_COMPONENTS + OUTSIDE

# What kube-controller-manager runs (a picture's caption: the lesson on the controller
# manager lists them from the live registry).
CONTROLLERS = ("deployment", "replicaset", "node", "endpoints", "serviceaccount", "token",
               "namespace", "garbage collector", "node IPAM")

# One line under each component's name: what it is for, in the docs' words.
PURPOSE = {
    "kubectl": "you, through the API",
    "kube-apiserver": "the front door: REST, auth, validation",
    "etcd": "consistent key-value store",
    "kube-scheduler": "picks a node for each new pod",
    "cloud-controller-manager": "nodes, routes, load balancers",
    "cloud provider API": "outside the cluster",
    "kubelet": "runs the node's pods",
    "kube-proxy": "Service rules on the node",
    "container runtime": "pulls images, runs containers",
    "pods": "",
}


def architecture(highlight: str | None = None, nodes: Iterable[str] = ("node-1", "node-2"),
                 cloud: bool = True) -> Diagram:
    """The Kubernetes components, control plane and worker nodes, with `highlight` coloured;
    `cloud=False` leaves out the cloud-controller-manager and the cloud provider API."""
    if highlight is not None and highlight not in COMPONENTS:
        raise ValueError(f"highlight: unknown component {highlight!r}; one of: {', '.join(COMPONENTS)}")
    if not cloud and highlight in ("cloud-controller-manager", "cloud provider API"):
        raise ValueError(f"highlight: {highlight!r} is not drawn with cloud=False")
    node_names = sorted(nodes)
    graph = new_digraph("kubernetes", rankdir="TB")
    graph.attr(ranksep="0.5", nodesep="0.35", fontsize="11", label=(
        "Arrows point from caller to callee: every component talks only to kube-apiserver, "
        "and only kube-apiserver talks to etcd."))

    def component(where, node_id: str, name: str, **attrs: str) -> None:
        if name == highlight:
            attrs.update(fillcolor=HIGHLIGHT_FILL, color=HIGHLIGHT_BORDER, penwidth="2")
        label = attrs.pop("label", None) or html_label(name, PURPOSE.get(name, ""))
        where.node(node_id, label, **attrs)

    # Layout, top to bottom: the control plane's clients, then the API server with etcd
    # beside it (and kubectl outside, on the left), then the worker nodes. Arrows into the
    # API server from below are drawn from it with dir=back, which keeps it above the nodes.
    # (Within a rank, dot keeps the order of definition unless crossings force otherwise.)
    component(graph, "kubectl", "kubectl", style="rounded,filled,dashed")
    with graph.subgraph(name="cluster_control_plane") as plane:
        plane.attr(label=html_label("Control Plane"), labelloc="t", labeljust="l",
                   style="rounded,filled", fillcolor=CLUSTER_FILL, color=BORDER)
        component(plane, "kube-scheduler", "kube-scheduler")
        component(plane, "kube-controller-manager", "kube-controller-manager",
                  label=_controller_manager_label())
        if cloud:
            component(plane, "cloud-controller-manager", "cloud-controller-manager")
        component(plane, "kube-apiserver", "kube-apiserver")
        component(plane, "etcd", "etcd", shape="cylinder", style="filled")
    if cloud:
        component(graph, "cloud provider API", "cloud provider API", style="rounded,filled,dashed")
    with graph.subgraph() as row:
        row.attr(rank="same")
        for name in ("kubectl", "kube-apiserver", "etcd"):
            row.node(name)
    with graph.subgraph() as row:  # invisible arrows keep this row in this order
        row.attr(rank="same")
        row.edge("kube-scheduler", "kube-controller-manager", style="invis")
        if cloud:
            row.edge("kube-controller-manager", "cloud-controller-manager", style="invis")
            row.edge("cloud-controller-manager", "cloud provider API", style="invis")

    for node_name in node_names:
        with graph.subgraph(name=f"cluster_node_{node_name}") as node:
            node.attr(label=html_label(f"Node {node_name}"), labelloc="t", labeljust="l",
                      style="rounded,filled", fillcolor=CLUSTER_FILL, color=BORDER)
            component(node, f"{node_name}/kubelet", "kubelet")
            component(node, f"{node_name}/kube-proxy", "kube-proxy")
            component(node, f"{node_name}/container runtime", "container runtime")
            component(node, f"{node_name}/pods", "pods", label=html_label("pods", bold=False),
                      shape="box3d", style="filled")

    graph.edge("kubectl", "kube-apiserver", label="HTTPS")
    graph.edge("kube-apiserver", "etcd", penwidth="1.6")
    for client in ("kube-scheduler", "kube-controller-manager") + (("cloud-controller-manager",) if cloud else ()):
        graph.edge(client, "kube-apiserver")
    if cloud:
        graph.edge("cloud-controller-manager", "cloud provider API", style="dashed")
    for node_name in node_names:
        for client in ("kubelet", "kube-proxy"):
            graph.edge("kube-apiserver", f"{node_name}/{client}", dir="back")
        graph.edge(f"{node_name}/kubelet", f"{node_name}/container runtime", label="CRI")
        graph.edge(f"{node_name}/container runtime", f"{node_name}/pods", color=MUTED)

    summary = f"Kubernetes components: control plane{'' if cloud else ' (no cloud)'} and {len(node_names)} node(s)"
    if highlight:
        summary += f", {highlight} highlighted"
    return Diagram(graph.source, summary)


def _controller_manager_label() -> str:
    controllers = list(CONTROLLERS)
    rows = [", ".join(controllers[i:i + 3]) for i in range(0, len(controllers), 3)]
    return html_label("kube-controller-manager", "runs the controllers:", *rows)
