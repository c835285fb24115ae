"""Cluster DNS: a CoreDNS-like server that answers for Services and Pods.

coredns.py (the answers, from informers), wire.py (DNS messages), server.py (UDP and TCP :53),
corefile.py + pod.py (the CoreDNS container of `kubelab up --runtime process`), resolver.py and
tools.py (a pod's libc, nslookup, dig, wget)."""
from .coredns import ClusterDNS, records

__all__ = ["ClusterDNS", "records"]
