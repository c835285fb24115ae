"""The service controller: a `type: LoadBalancer` Service gets a load balancer from the cloud.

Upstream's service controller (k8s.io/cloud-provider/controllers/service/controller.go):

    Service wants a load balancer  -> finalizer service.kubernetes.io/load-balancer-cleanup
                                      (so a delete waits for the cleanup), Event
                                      EnsuringLoadBalancer, cloud.ensure_load_balancer(...)
        still provisioning         -> ask again shortly (the fake cloud takes 20 s)
        the cloud refused          -> Warning SyncLoadBalancerFailed "Error syncing load
                                      balancer: failed to ensure load balancer: <cloud's words>",
                                      retried with backoff
        ready                      -> status.loadBalancer.ingress = its IP (kubectl get svc shows
                                      it under EXTERNAL-IP), Event EnsuredLoadBalancer
    Service deleted, or no longer  -> Event DeletingLoadBalancer, cloud.ensure_load_balancer_deleted,
      of type LoadBalancer            Event DeletedLoadBalancer, status cleared, finalizer removed

The balancer forwards to the Service's nodePorts on the nodes; the traffic itself is
kube-proxy's business (it reads the same Service and its status).
"""
from __future__ import annotations

import copy

from ..client import ApiError, Controller
from ..client.events import NORMAL, WARNING
from ..objects import meta
from .provider import CloudError

FINALIZER = "service.kubernetes.io/load-balancer-cleanup"
CLUSTER_NAME = "kubernetes"   # --cluster-name's default
POLL_SECONDS = 5.0


def wants_load_balancer(service: dict) -> bool:
    return service["spec"].get("type") == "LoadBalancer" and not meta.is_being_deleted(service)


class ServiceController(Controller):
    name = "service-controller"

    def __init__(self, client, clock, factory, cloud):
        super().__init__(client, clock, factory)
        self.cloud = cloud
        self.services = factory.informer("services")
        self.nodes = factory.informer("nodes")
        self.services.add_handlers(on_add=self.enqueue, on_update=lambda old, new: self.enqueue(new),
                                   on_delete=self.enqueue)

    def sync(self, key: str) -> None:
        service = self.services.get(key)
        if service is None:
            return
        has_finalizer = FINALIZER in (service["metadata"].get("finalizers") or [])
        if wants_load_balancer(service):
            self._ensure(key, service, has_finalizer)
        elif has_finalizer:
            self._delete(service)

    def _ensure(self, key: str, service: dict, has_finalizer: bool) -> None:
        if not has_finalizer:
            updated = copy.deepcopy(service)
            updated["metadata"].setdefault("finalizers", []).append(FINALIZER)
            service = self.client.update("services", updated)
            self.recorder.event(service, NORMAL, "EnsuringLoadBalancer", "Ensuring load balancer")
        nodes = [n for n in self.nodes.list() if not n["spec"].get("unschedulable")]
        try:
            status = self.cloud.ensure_load_balancer(CLUSTER_NAME, service, nodes)
        except CloudError as error:
            self.recorder.event(service, WARNING, "SyncLoadBalancerFailed",
                                f"Error syncing load balancer: failed to ensure load balancer: {error}")
            raise ApiError({"code": 500, "reason": "InternalError", "message": str(error)}) from None
        if status is None:
            self.queue.add_after(key, POLL_SECONDS)   # provisioning
            return
        if (service.get("status") or {}).get("loadBalancer") != status:
            updated = copy.deepcopy(service)
            updated.setdefault("status", {})["loadBalancer"] = status
            self.client.update_status("services", updated)
            self.recorder.event(service, NORMAL, "EnsuredLoadBalancer", "Ensured load balancer")

    def _delete(self, service: dict) -> None:
        self.recorder.event(service, NORMAL, "DeletingLoadBalancer", "Deleting load balancer")
        try:
            self.cloud.ensure_load_balancer_deleted(CLUSTER_NAME, service)
        except CloudError as error:
            self.recorder.event(service, WARNING, "SyncLoadBalancerFailed",
                                f"Error syncing load balancer: failed to delete load balancer: {error}")
            raise ApiError({"code": 500, "reason": "InternalError", "message": str(error)}) from None
        self.recorder.event(service, NORMAL, "DeletedLoadBalancer", "Deleted load balancer")
        updated = copy.deepcopy(service)
        updated.setdefault("status", {})["loadBalancer"] = {}
        if not meta.is_being_deleted(service):
            updated = self.client.update_status("services", updated)
        updated["metadata"]["finalizers"] = [f for f in updated["metadata"].get("finalizers") or [] if f != FINALIZER]
        try:
            self.client.update("services", updated)
        except ApiError as error:
            if error.code != 404:
                raise
