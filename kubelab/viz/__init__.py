"""kubelab.viz: diagrams of Kubernetes, drawn from live objects, shown inline in Jupyter.

    from kubelab import viz
    viz.architecture(highlight="kube-scheduler")   # the components and who talks to whom
    viz.draw(cluster)                              # nodes and their pods, coloured by status
    viz.draw(cluster, "ownership")                 # Deployment -> ReplicaSet -> Pod
    viz.draw(cluster, "services")                  # Service -> Endpoints -> Pod
    viz.scale_widget(cluster, "deployment/nginx")  # a replicas slider above a live diagram
    viz.store_browser(cluster.store)               # etcd's key tree, values, a revision slider
    viz.request_path(record)                       # one request: authentication → … → store
    viz.scheduling(cluster.scheduler.last_decision)  # nodes coloured by the scheduler's verdict
    viz.scheduling_widget(cluster.scheduler)       # pick a decision: its table and its nodes
    viz.watch_pod(cluster, "web", 60)              # a pod's life: READY/STATUS/RESTARTS over time
    from kubelab.viz import scale; scale.measure(8)  # lesson 11: counts of what grows; scale.growth_plot

Every function returns a `Diagram`: DOT text (`.source`) that Jupyter shows as SVG.
"""
from .architecture import architecture
from .pod_timeline import PodTimeline, watch_pod
from .render import Diagram, RenderError, render_svg
from .request_path import request_path
from .scheduling import scheduling, scheduling_table, scheduling_widget
from .state import cluster_state, draw, ownership, pod_status, service_routing
from .store_browser import store_browser
from .widgets import scale_widget

__all__ = [
    "Diagram", "RenderError", "architecture", "cluster_state", "draw", "ownership",
    "pod_status", "render_svg", "request_path", "scale_widget", "scheduling", "scheduling_table", "scheduling_widget",
    "service_routing", "store_browser", "PodTimeline", "watch_pod",
]
