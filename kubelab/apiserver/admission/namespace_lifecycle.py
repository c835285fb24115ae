"""NamespaceLifecycle: nothing new in a namespace that is missing or being deleted.

Invariant: once a namespace is Terminating, its contents only shrink, so the namespace
controller can empty it and finish. It also keeps the three system namespaces (default,
kube-system, kube-public) from being deleted at all.

Real Kubernetes also rejects any request into a missing namespace for a short while after
the namespace vanished (a cache of recent deletions); kubelab reads the store directly, so it
needs none.
"""
from __future__ import annotations

from ...api import errors
from .attributes import Attributes
from .chain import AdmissionPlugin

IMMORTAL = ("default", "kube-system", "kube-public")


class NamespaceLifecycle(AdmissionPlugin):
    name = "NamespaceLifecycle"
    operations = ("CREATE", "DELETE")

    def admit(self, attributes: Attributes) -> None:
        if attributes.operation == "DELETE":
            if attributes.resource == "namespaces" and attributes.name in IMMORTAL:
                attributes.forbid("this namespace may not be deleted")
            return
        if not attributes.namespace or attributes.resource == "namespaces":
            return  # cluster-scoped
        if attributes.subresource and attributes.resource == "pods":
            return  # bindings and evictions act on an existing pod
        namespace = attributes.lookup("namespaces", "", attributes.namespace)
        if namespace is None:
            raise errors.not_found("namespaces", "", attributes.namespace)
        if (namespace.get("status") or {}).get("phase") == "Terminating":
            attributes.forbid(f"unable to create new content in namespace {attributes.namespace} "
                              f"because it is being terminated")
