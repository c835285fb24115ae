"""kubelab's kubectl: the command line of Kubernetes, as a function that returns its output.

    from kubelab.kubectl import run
    print(run(client, "get pods -o wide", now=clock.now()))

It prints what the real kubectl v1.32 prints — the same columns and spacing, the same
describe layout, the same error lines — so a lesson's output reads like a terminal. Like the
real one it is only a client of the API server: each command is a few requests through
`client` and some formatting. Files: main.py (dispatch), get.py / table.py / printers.py
(tables), output.py (yaml, json, name), describe*.py, apply.py / merge.py / manifests.py,
delete.py, scale.py, and the plumbing (flags.py, resources.py, targets.py, tabwriter.py).

Commands: get, describe, apply -f, create -f, delete, scale. Resources: pods, deployments,
replicasets, services, endpoints, nodes, namespaces, events, and `all`.
"""
from .errors import KubectlError
from .main import run

__all__ = ["KubectlError", "run"]
