"""The registry: every plugin kubelab has, once, in the order and with the weights of upstream's
default profile (v1.32's getDefaultPlugins).

Order matters: a node's filters stop at the first rejection, so a cordoned node reports
"node(s) were unschedulable" even when it is also full. Weights matter only for scoring:
TaintToleration counts three times as much as NodeResourcesFit.

Real Kubernetes' default profile also enables SchedulingGates, PrioritySort, NodeName,
NodeAffinity, NodePorts, the volume plugins, PodTopologySpread, InterPodAffinity,
NodeResourcesBalancedAllocation, ImageLocality and DefaultBinder; kubelab adds each as its
own file when a lesson needs it (priority sort and binding live in the queue and the
scheduler).
"""
from __future__ import annotations

from typing import Callable

from ..framework import Framework, Plugin
from . import default_preemption, node_resources_fit, node_unschedulable, taint_toleration

Factory = Callable[..., Plugin]

# (name, factory, score weight) — weight 0 for plugins that don't score
DEFAULT_PLUGINS: list[tuple[str, Factory, int]] = [
    (node_unschedulable.Name, node_unschedulable.new, 0),
    (taint_toleration.Name, taint_toleration.new, 3),
    (node_resources_fit.Name, node_resources_fit.new, 1),
    (default_preemption.Name, default_preemption.new, 0),
]


def new_framework(disabled: tuple[str, ...] = (), weights: dict[str, int] | None = None) -> Framework:
    """The default profile, minus `disabled` plugins, with some weights overridden (for lessons)."""
    weights = weights or {}
    return Framework([(factory(), weights.get(name, weight))
                      for name, factory, weight in DEFAULT_PLUGINS if name not in disabled])
