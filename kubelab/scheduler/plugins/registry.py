"""The registry: every plugin kubelab has, once, and upstream's default profile (v1.32's getDefaultPlugins).

    name → factory(args, handle)

The default profile enables them in this order, with these Score weights (MultiPoint):

    SchedulingGates, PrioritySort, NodeUnschedulable, NodeName, TaintToleration (3),
    NodeAffinity (2), NodePorts, NodeResourcesFit (1), VolumeRestrictions, NodeVolumeLimits,
    VolumeBinding, VolumeZone, PodTopologySpread (2),
    InterPodAffinity (2), DefaultPreemption, NodeResourcesBalancedAllocation (1),
    ImageLocality (1), DefaultBinder

Order matters: a node's filters stop at the first rejection, so a cordoned node reports
"node(s) were unschedulable" even when it is also full. Weights matter only for scoring:
TaintToleration counts three times as much as NodeResourcesFit.

Your own plugin joins with `register("MyPlugin", factory)` (in-process) or, in a
KubeSchedulerConfiguration, by a dotted path ("mypackage.plugins:new") — see profile.py.
The volume plugins read PersistentVolumeClaims, PersistentVolumes and StorageClasses through
the handle's listers; the in-tree cloud disk limits (EBSLimits, GCEPDLimits, AzureDiskLimits)
are not here: kubelab models no cloud disks.
"""
from __future__ import annotations

from typing import Callable

from ..framework import Plugin
from . import (default_binder, default_preemption, image_locality, inter_pod_affinity, node_affinity, node_name,
               node_ports, node_resources_balanced_allocation, node_resources_fit, node_unschedulable,
               pod_topology_spread, priority_sort, scheduling_gates, taint_toleration)
from . import node_volume_limits, volume_binding, volume_restrictions, volume_zone

Factory = Callable[..., Plugin]  # factory(arguments: dict | None, handle) -> Plugin

REGISTRY: dict[str, Factory] = {
    scheduling_gates.Name: scheduling_gates.new,
    priority_sort.Name: priority_sort.new,
    node_unschedulable.Name: node_unschedulable.new,
    node_name.Name: node_name.new,
    taint_toleration.Name: taint_toleration.new,
    node_affinity.Name: node_affinity.new,
    node_ports.Name: node_ports.new,
    node_resources_fit.Name: node_resources_fit.new,
    volume_restrictions.Name: volume_restrictions.new,
    node_volume_limits.Name: node_volume_limits.new,
    volume_binding.Name: volume_binding.new,
    volume_zone.Name: volume_zone.new,
    pod_topology_spread.Name: pod_topology_spread.new,
    inter_pod_affinity.Name: inter_pod_affinity.new,
    default_preemption.Name: default_preemption.new,
    node_resources_balanced_allocation.Name: node_resources_balanced_allocation.new,
    image_locality.Name: image_locality.new,
    default_binder.Name: default_binder.new,
}

# (name, weight): the default profile's MultiPoint list — weight 0 for plugins that don't score
DEFAULT_PLUGINS: list[tuple[str, int]] = [
    (scheduling_gates.Name, 0),
    (priority_sort.Name, 0),
    (node_unschedulable.Name, 0),
    (node_name.Name, 0),
    (taint_toleration.Name, 3),
    (node_affinity.Name, 2),
    (node_ports.Name, 0),
    (node_resources_fit.Name, 1),
    (volume_restrictions.Name, 0),
    (node_volume_limits.Name, 0),
    (volume_binding.Name, 0),   # upstream's default weight 1 matters only with StorageCapacityScoring (alpha)
    (volume_zone.Name, 0),
    (pod_topology_spread.Name, 2),
    (inter_pod_affinity.Name, 2),
    (default_preemption.Name, 0),
    (node_resources_balanced_allocation.Name, 1),
    (image_locality.Name, 1),
    (default_binder.Name, 0),
]


def register(name: str, factory: Factory) -> None:
    """Make a plugin of your own available to profiles by name (upstream: an out-of-tree registry)."""
    REGISTRY[name] = factory


def new_framework(disabled: tuple[str, ...] = (), weights: dict[str, int] | None = None, handle=None,
                  arguments: dict[str, dict] | None = None, extra: list[tuple[str, int]] = ()):
    """The default profile, minus `disabled` plugins, with some weights or args overridden (for lessons)."""
    from ..runtime import Framework, Handle
    handle = handle or Handle()
    weights, arguments = weights or {}, arguments or {}
    enabled = [(name, weights.get(name, weight)) for name, weight in [*DEFAULT_PLUGINS, *extra] if name not in disabled]
    return Framework([(REGISTRY[name](arguments.get(name), handle), weight) for name, weight in enabled],
                     handle=handle)
