"""kube-controller-manager's controllers: Deployment, ReplicaSet, Endpoints, and the manager."""
from .manager import ControllerManager
from .registry import CONTROLLERS

__all__ = ["CONTROLLERS", "ControllerManager"]
