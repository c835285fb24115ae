"""Subresources: paths under one object that are not the object itself.

    pods/<name>/binding                 POST  the scheduler's decision (binding.py)
    pods/<name>/eviction                POST  a polite delete (eviction.py)
    pods/<name>/log                     GET   the container's output, from its kubelet (log.py)
    pods/<name>/exec                    GET, POST  a command in the container, through its kubelet (exec.py)
    pods/<name>/attach                  GET, POST  the running container's stdio, through its kubelet (exec.py)
    pods/<name>/portforward             GET, POST  TCP to the pod's ports, through its kubelet (exec.py)
    deployments|replicasets|statefulsets|replicationcontrollers/<name>/scale
                                        GET, PUT, PATCH  just the replica count (scale.py)
    serviceaccounts/<name>/token        POST  a fresh token for the account (token.py)

`status` (and a namespace's `finalize`) are handled by the update path in server.py: they
are the same object, with a different set of fields allowed to change.
"""
from __future__ import annotations

from . import binding, eviction, exec as exec_, log, scale, token

HANDLERS = {
    ("pods", "binding", "create"): binding.create,
    ("pods", "eviction", "create"): eviction.create,
    ("pods", "log", "get"): log.get,
    ("pods", "exec", "get"): exec_.connect,      # kubectl's WebSocket (GET)
    ("pods", "exec", "create"): exec_.connect,   # SPDY clients POST
    ("pods", "attach", "get"): exec_.connect,
    ("pods", "attach", "create"): exec_.connect,
    ("pods", "portforward", "get"): exec_.connect,
    ("pods", "portforward", "create"): exec_.connect,
    ("deployments", "scale", "get"): scale.get,
    ("deployments", "scale", "update"): scale.update,
    ("deployments", "scale", "patch"): scale.patch,
    ("replicasets", "scale", "get"): scale.get,
    ("replicasets", "scale", "update"): scale.update,
    ("replicasets", "scale", "patch"): scale.patch,
    ("serviceaccounts", "token", "create"): token.create,
    **{(plural, "scale", verb): getattr(scale, verb) for plural in ("replicationcontrollers", "statefulsets")
       for verb in ("get", "update", "patch")},
}


def handler(resource: str, subresource: str, verb: str):
    """The function serving `verb` on `resource/subresource`, or None."""
    return HANDLERS.get((resource, subresource, verb))
