"""The assembled cluster: every component in one process on a virtual clock."""
from .cluster import Cluster
from .trace import Trace

__all__ = ["Cluster", "Trace"]
