"""The controllers kube-controller-manager runs, each listed once, by its --controllers name.

Upstream registers every controller in one table (NewControllerDescriptors in
cmd/kube-controller-manager/app/controllermanager.go); a controller that is not in the table
does not exist, and `--controllers` picks from it. kubelab's table holds the controllers
written so far; a new one is one file and one line here.
"""
from __future__ import annotations

from .deployment import DeploymentController
from .endpoints import EndpointsController
from .replicaset import ReplicaSetController

CONTROLLERS = {
    "deployment": DeploymentController,    # Deployments -> ReplicaSets
    "replicaset": ReplicaSetController,    # ReplicaSets -> Pods
    "endpoints": EndpointsController,      # Services + Pods -> Endpoints
}
