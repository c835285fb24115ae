"""kube-proxy: turns Services and Endpoints into iptables rules, and routes traffic through them.

    iptables.py   netfilter's tables as data, and iptables_save to print them
    rules.py      what kube-proxy writes: KUBE-SERVICES → KUBE-SVC-… → KUBE-SEP-… (pure)
    traffic.py    one connection walked through the tables, as the kernel would (pure, seeded)
    proxier.py    KubeProxy: informers → syncProxyRules → the node's tables
"""
from .proxier import KubeProxy
from .traffic import DROPPED, NO_ROUTE, REJECTED, ROUTED, Route

__all__ = ["DROPPED", "KubeProxy", "NO_ROUTE", "REJECTED", "ROUTED", "Route"]
