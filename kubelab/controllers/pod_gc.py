"""The pod garbage collector: pods that can never finish are removed.

Upstream's PodGCController (pkg/controller/podgc/gc_controller.go) runs every 20 s
(gcCheckPeriod) and force-deletes (grace period 0, since no kubelet will ever confirm):

    orphaned pods   bound to a Node that no longer exists, once the Node has been missing
                    for the 40 s quarantine (it might be re-registering); they get a
                    DisruptionTarget condition (DeletionByPodGC, "PodGC: node no longer
                    exists") and phase Failed first
    terminating, never scheduled   deleted pods with no node: nobody else would finish them
    terminated      Succeeded/Failed pods beyond --terminated-pod-gc-threshold (12,500),
                    oldest first

Left out: the out-of-service taint path (terminating pods on a node an operator has declared
shut down), which needs the NodeOutOfServiceVolumeDetach story.
"""
from __future__ import annotations

import copy

from ..client import ApiError, Controller
from ..objects import conditions, meta


GC_CHECK_PERIOD = 20.0
QUARANTINE_TIME = 40.0


class PodGCController(Controller):
    name = "pod-garbage-collector"

    def __init__(self, client, clock, factory, config=None):
        super().__init__(client, clock, factory)
        self.threshold = getattr(config, "terminated_pod_gc_threshold", 12500)
        self.pods = factory.informer("pods")
        self.nodes = factory.informer("nodes")
        self.missing_since: dict[str, float] = {}   # node name -> when we first saw pods on it but no Node
        self._timer = self.clock.call_later(GC_CHECK_PERIOD, self._tick, daemon=True)

    def _tick(self) -> None:
        try:
            self.gc()
        finally:
            self._timer = self.clock.call_later(GC_CHECK_PERIOD, self._tick, daemon=True)

    def gc(self) -> None:
        pods = self.pods.list()
        self.gc_terminated(pods)
        self.gc_orphaned(pods)
        self.gc_unscheduled_terminating(pods)

    def gc_terminated(self, pods: list[dict]) -> None:
        done = [pod for pod in pods if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")]
        excess = len(done) - self.threshold
        if excess <= 0:
            return
        done.sort(key=lambda pod: pod["metadata"].get("creationTimestamp") or "")
        for pod in done[:excess]:
            self.force_delete(pod)

    def gc_orphaned(self, pods: list[dict]) -> None:
        now = self.clock.now()
        missing = {pod["spec"]["nodeName"] for pod in pods
                   if pod["spec"].get("nodeName") and self.nodes.get(pod["spec"]["nodeName"]) is None}
        for name in list(self.missing_since):
            if name not in missing:
                del self.missing_since[name]
        for name in sorted(missing):
            first_seen = self.missing_since.setdefault(name, now)
            if now - first_seen < QUARANTINE_TIME or self._node_exists(name):
                continue
            for pod in pods:
                if pod["spec"].get("nodeName") == name:
                    self.mark_failed_and_delete(pod, "DeletionByPodGC", "PodGC: node no longer exists")

    def gc_unscheduled_terminating(self, pods: list[dict]) -> None:
        for pod in pods:
            if meta.is_being_deleted(pod) and not pod["spec"].get("nodeName"):
                self.force_delete(pod)

    def _node_exists(self, name: str) -> bool:
        """Ask the API server itself before deleting: our cache may be behind."""
        try:
            self.client.get("nodes", name)
            return True
        except ApiError as error:
            if error.code == 404:
                return False
            raise

    def mark_failed_and_delete(self, pod: dict, reason: str, message: str) -> None:
        if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
            marked = copy.deepcopy(pod)
            status = marked.setdefault("status", {})
            status["conditions"] = conditions.set_condition(
                status.get("conditions") or [],
                {"type": "DisruptionTarget", "status": "True", "reason": reason, "message": message},
                self.clock.now())
            status["phase"] = "Failed"
            try:
                self.client.update_status("pods", marked)
            except ApiError as error:
                if error.code != 404:
                    self.errors.append((meta.key(pod), f"{error.code} {error.reason}: {error.message}"))
        self.force_delete(pod)

    def force_delete(self, pod: dict) -> None:
        try:
            self.client.delete("pods", meta.name(pod), meta.namespace(pod), grace_period_seconds=0,
                               preconditions={"uid": meta.uid(pod)})
        except ApiError as error:
            if error.code not in (404, 409):
                self.errors.append((meta.key(pod), f"{error.code} {error.reason}: {error.message}"))

    def stop(self) -> None:
        self._timer.cancel()



