"""The API's shared vocabulary: what the API server and its clients both speak.

Upstream splits the same way: the API types and machinery (k8s.io/api, k8s.io/apimachinery —
errors, Status, GroupVersionKind, meta.k8s.io Table) sit below both kube-apiserver and
client-go, so a controller never links the server. Here:

- errors.py     `ApiError` and the `Status` shapes (NotFound, Conflict, Invalid with causes, …)
- request.py    `Request` (one API call, from HTTP or in-process) and `TraceEntry` (one accepted write)
- resources.py  the resource table: plural ↔ kind ↔ group/version, store prefixes, subresources,
                field selectors — the group/version/kind mapping discovery serves
- printers/     how an object prints as a `kubectl get` row (the meta.k8s.io/v1 Table cells)

Layer order (tests/test_layers.py enforces it): objects, clock → store → api → apiserver →
client → components → kubectl → cluster | processes → viz → cli. Components (controllers,
scheduler, kubelet, proxy, kubectl) import `kubelab.client` and `kubelab.api`, never
`kubelab.apiserver`.
"""
from .errors import ApiError
from .request import Request, TraceEntry
from .resources import BY_KIND, RESOURCES, Resource, lookup

__all__ = ["ApiError", "BY_KIND", "RESOURCES", "Request", "Resource", "TraceEntry", "lookup"]
