"""Defaulting moved into each kind's strategy (registry/<kind>.py: `default(obj)`); a pod's,
which every pod template shares, is registry/pod/defaults.py.

`pod_spec` stays importable from here for kind files written before the move (issue 7).
"""
from __future__ import annotations


def pod_spec(spec: dict) -> None:
    """SetDefaults_PodSpec (registry/pod/defaults.py)."""
    from .registry.pod.defaults import pod_spec as default_pod_spec
    default_pod_spec(spec)
