"""What a new cluster has before anyone asks: kube-apiserver's post-start hooks, in kubelab's size.

Upstream's API server creates the four system namespaces (the "bootstrap controller"), the
`kubernetes` Service in `default` with its Endpoints pointing at itself (the "master endpoint
reconciler"), and the two system PriorityClasses (the scheduling post-start hook). Each object
is created through the ordinary request path as the API server's own user, unless it is
already stored — a restarted API server finds them there.
"""
from __future__ import annotations

from ..api.errors import ApiError
from ..api.request import Request
from ..api.resources import RESOURCES
from ..objects import meta
from .authentication.user import APISERVER_USER
from .registry.priorityclass import SYSTEM_CLASSES, system_class

NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


def bootstrap(apiserver) -> None:
    """Create the system namespaces, the kubernetes Service and Endpoints, the system PriorityClasses."""
    for name in NAMESPACES:
        ensure(apiserver, "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    ensure(apiserver, "services", {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"clusterIP": str(apiserver.ips.network.network_address + 1),
                 "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": apiserver.secure_port}]}})
    # kubelab's control plane answers at advertise_address:secure_port (10.0.0.10:6443 in process;
    # under `kubelab up`, the HTTPS front every instance sits behind).
    subsets = [{"addresses": [{"ip": apiserver.advertise_address}],
                "ports": [{"name": "https", "port": apiserver.secure_port, "protocol": "TCP"}]}]
    ensure(apiserver, "endpoints", {
        "apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
        "subsets": subsets})
    reconcile_endpoints(apiserver, subsets)
    for name, value in SYSTEM_CLASSES.items():
        ensure(apiserver, "priorityclasses", system_class(name, value))


def ensure(apiserver, resource: str, obj: dict) -> None:
    """Create `obj` unless it is already stored."""
    info = RESOURCES[resource]
    if apiserver.store.get(info.key(meta.namespace(obj), meta.name(obj))) is not None:
        return
    try:
        apiserver.handle(Request("create", resource, meta.namespace(obj), body=obj, user=APISERVER_USER.name,
                                 user_info=APISERVER_USER))
    except ApiError as error:
        if error.reason != "AlreadyExists":
            raise


def reconcile_endpoints(apiserver, subsets: list[dict]) -> None:
    """The master endpoint reconciler, once at start: a server restarted at another address (a
    `kubelab up` on the same data dir, another port) corrects the stored kubernetes Endpoints."""
    resource = RESOURCES["endpoints"]
    _, stored = apiserver.read(resource, "default", "kubernetes")
    if stored.get("subsets") == subsets:
        return
    apiserver.handle(Request("update", "endpoints", "default", name="kubernetes", body={**stored, "subsets": subsets},
                             user=APISERVER_USER.name, user_info=APISERVER_USER))
