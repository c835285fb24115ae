"""Widgets: poke the live cluster and watch the picture follow.

`scale_widget(cluster, "deployment/nginx")` is a slider bound to `kubectl scale`: moving it
writes spec.replicas through the API (exactly what the real kubectl does), lets the cluster
settle on its virtual clock, and redraws the nodes and their pods from live objects. The
widget changes only desired state; every pod that appears or goes away was created or
deleted by the controllers, placed by the scheduler and run by a kubelet, as usual.
"""
from __future__ import annotations

from typing import Any

from .state import draw


def scale_widget(cluster: Any, target: str, maximum: int = 10, what: str = "state"):
    """A replicas slider for `target` ("deployment/NAME" or "replicaset/NAME") above a live diagram."""
    import ipywidgets
    from IPython.display import display

    kind, _, name = target.partition("/")
    resource = {"deployment": "deployments", "deploy": "deployments", "replicaset": "replicasets",
                "rs": "replicasets"}.get(kind)
    if resource is None or not name:
        raise ValueError(f"scale_widget: target {target!r} must be deployment/NAME or replicaset/NAME")
    current = cluster.client.get(resource, name)["spec"]["replicas"]
    slider = ipywidgets.IntSlider(value=current, min=0, max=max(maximum, current), description="replicas",
                                  continuous_update=False)
    output = ipywidgets.Output()

    def redraw() -> None:
        output.clear_output(wait=True)
        with output:
            display(draw(cluster, what))
            print(cluster.kubectl(f"get {resource} {name}"))

    def on_change(change) -> None:
        cluster.kubectl(f"scale {target} --replicas={change['new']}")
        cluster.settle()
        redraw()

    slider.observe(on_change, names="value")
    redraw()
    return ipywidgets.VBox([slider, output])
