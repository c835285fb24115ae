"""`kubectl top`: kubelab runs no metrics server, so this answers as kubectl does without one.

    kubectl top pods   -> error: Metrics API not available

Real kubectl asks discovery for the `metrics.k8s.io` group; no kubelab server serves it
(simplification: there is no metrics-server, so no CPU/memory usage to show), and
kubectl's answer is this one line, for `top pods` and `top nodes` alike.
"""
from __future__ import annotations

from .errors import KubectlError


def top(client, argv: list[str], now: float, namespace: str) -> str:
    """Run `kubectl top` with `argv` (everything after "top")."""
    raise KubectlError("error: Metrics API not available")
