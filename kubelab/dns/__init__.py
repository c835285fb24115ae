"""Cluster DNS: a CoreDNS-like server that answers for Services and Pods (coredns.py)."""
from .coredns import ClusterDNS, records

__all__ = ["ClusterDNS", "records"]
