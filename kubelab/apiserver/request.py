"""A request to the API server, the same whether it came over HTTP or from an in-process call.

The HTTP front turns `GET /api/v1/namespaces/default/pods?labelSelector=app%3Dweb` into
`Request("list", "pods", namespace="default", params={"labelSelector": "app=web"})`; kubelab's
in-process transport builds the same Request directly. Verbs are Kubernetes' authorization
verbs: get, list, watch, create, update, patch, delete.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Request:
    verb: str
    resource: str
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    body: dict | None = None
    params: dict = field(default_factory=dict)  # labelSelector, fieldSelector, resourceVersion, ...
    user: str = "system:admin"                  # who asks: the client's user agent / identity


@dataclass(frozen=True)
class TraceEntry:
    """One write the API server accepted: who did what to which object (like the audit log)."""
    time: float
    user: str
    verb: str
    resource: str
    namespace: str
    name: str
    subresource: str = ""
    summary: str = ""
    resource_version: str = ""

    @property
    def target(self) -> str:
        sub = f"/{self.subresource}" if self.subresource else ""
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.resource}{sub} {where}{self.name}"
