"""The kubelet and the simulated container runtime it drives on each node."""
from .kubelet import Kubelet
from .runtime import ContainerRuntime, SimulatedRuntime

__all__ = ["ContainerRuntime", "Kubelet", "SimulatedRuntime"]
