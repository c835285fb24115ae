"""The controller manager's configuration: upstream's flags and their v1.32 defaults.

Upstream keeps these in KubeControllerManagerConfiguration (one section per controller,
pkg/controller/*/config/v1alpha1/defaults.go); kubelab keeps the few its controllers read,
under the flag names, so `kube-controller-manager --node-monitor-grace-period=50s` reads
`node_monitor_grace_period=50`. Durations are seconds of clock time.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ControllerManagerConfig:
    # root-ca-cert-publisher (--root-ca-file: the file's PEM; empty: kubelab's placeholder)
    root_ca: str = ""
    # nodeipam (--allocate-node-cidrs, --cluster-cidr, --node-cidr-mask-size)
    allocate_node_cidrs: bool = False
    cluster_cidr: str = ""
    node_cidr_mask_size: int = 24
    # nodelifecycle (pkg/controller/nodelifecycle/config/v1alpha1/defaults.go)
    node_monitor_period: float = 5.0
    node_monitor_grace_period: float = 50.0     # 50 s since v1.32 (40 s before)
    node_startup_grace_period: float = 60.0
    node_eviction_rate: float = 0.1             # nodes per second per healthy zone
    secondary_node_eviction_rate: float = 0.01  # per zone in partial disruption (large zones only)
    large_cluster_size_threshold: int = 50
    unhealthy_zone_threshold: float = 0.55
    # podgc (pkg/controller/podgc/config/v1alpha1/defaults.go)
    terminated_pod_gc_threshold: int = 12500
