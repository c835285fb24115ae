"""The controllers kube-controller-manager runs, each listed once, by its --controllers name.

Upstream registers every controller in one table (NewControllerDescriptors in
cmd/kube-controller-manager/app/controllermanager.go); a controller that is not in the table
does not exist, and `--controllers` picks from it. kubelab's table holds the controllers
written so far; a new one is one file and one line here.
"""
from __future__ import annotations

from .daemonset import DaemonSetsController
from .deployment import DeploymentController
from .disruption import DisruptionController
from .endpoints import EndpointsController
from .endpointslice import EndpointSliceController
from .garbage_collector import GarbageCollector
from .clusterrole_aggregation import ClusterRoleAggregationController
from .cronjob import CronJobController
from .job import JobController
from .ttl_after_finished import TTLAfterFinishedController
from .hostpath_provisioner import HostPathProvisioner
from .namespace import NamespaceController
from .node_ipam import NodeIpamController
from .node_lifecycle import NodeLifecycleController
from .persistentvolume_binder import PersistentVolumeController
from .pod_gc import PodGCController
from .taint_eviction import TaintEvictionController
from .replicaset import ReplicaSetController
from .replicationcontroller import ReplicationManager
from .statefulset import StatefulSetController
from .root_ca_publisher import RootCACertPublisher
from .serviceaccount import ServiceAccountsController
from .tokens import TokensController
from .volume_protection import PVCProtectionController, PVProtectionController

CONTROLLERS = {
    "deployment": DeploymentController,    # Deployments -> ReplicaSets
    "replicaset": ReplicaSetController,    # ReplicaSets -> Pods
    "endpoints": EndpointsController,      # Services + Pods -> Endpoints
    "serviceaccount": ServiceAccountsController,   # Namespaces -> their "default" ServiceAccount
    "serviceaccount-token": TokensController,      # token Secrets -> filled with a token
    "root-ca-cert-publisher": RootCACertPublisher,  # Namespaces -> their kube-root-ca.crt ConfigMap
    "namespace": NamespaceController,              # a deleted Namespace -> emptied, finalized
    "garbagecollector": GarbageCollector,          # ownerReferences -> dependents follow owners
    "nodeipam": NodeIpamController,                # Nodes -> a podCIDR each (with --allocate-node-cidrs)
    "nodelifecycle": NodeLifecycleController,      # silent Nodes -> Ready Unknown, pods NotReady, taints
    "taint-eviction-controller": TaintEvictionController,  # NoExecute taints -> pods evicted when tolerations end
    "podgc": PodGCController,                      # pods on deleted Nodes -> force-deleted
    "persistentvolume-binder": PersistentVolumeController,  # PVCs <-> PVs, reclaim when a claim goes
    "hostpath-provisioner": HostPathProvisioner,   # kubelab.io/hostpath claims -> new PVs; the "standard" class
    "pvc-protection": PVCProtectionController,     # a deleted PVC -> gone once no pod uses it
    "pv-protection": PVProtectionController,       # a deleted PV -> gone once no longer Bound
    "endpointslice": EndpointSliceController,      # Services + Pods -> EndpointSlices of at most 100
    "disruption": DisruptionController,            # PodDisruptionBudgets -> how many pods may go now
    "replicationcontroller": ReplicationManager,   # ReplicationControllers -> Pods (the ReplicaSet code)
    "daemonset": DaemonSetsController,             # DaemonSets + Nodes -> a pod per eligible node
    "statefulset": StatefulSetController,          # StatefulSets -> ordered pods web-0, web-1, ... (+ claims)
    "job": JobController,                          # Jobs -> Pods run to completion
    "cronjob": CronJobController,                  # CronJobs -> a Job per scheduled time
    "ttl-after-finished": TTLAfterFinishedController,   # finished Jobs with a TTL -> deleted when it runs out
    "clusterrole-aggregation": ClusterRoleAggregationController,   # aggregationRule -> the selected roles' rules
}

# Off unless named (upstream: bootstrapsigner, tokencleaner; nodeipam runs only with
# --allocate-node-cidrs, which kubeadm sets when given a pod network CIDR).
DISABLED_BY_DEFAULT = {"nodeipam"}
