"""The taint eviction controller: pods leave a node whose NoExecute taints they stop tolerating.

A NoExecute taint says "nothing should run here". Upstream's controller
(pkg/controller/tainteviction/taint_eviction.go, its own controller since v1.29) looks at
every pod on a node with NoExecute taints:

    a taint no toleration matches         -> delete the pod now
    all tolerated, some for N seconds     -> delete it N s after the taint was seen (the
                                             smallest N wins); DefaultTolerationSeconds gives
                                             every pod 300 s for not-ready and unreachable
    all tolerated forever                 -> leave it
    the taint goes before the time is up  -> cancel ("Cancelling deletion of Pod ns/name")

Deleting: an Event TaintManagerEviction "Marking for deletion Pod ns/name", a DisruptionTarget
condition (DeletionByTaintManager) on the pod, then DELETE. On an unreachable node the pod
then stays Terminating — its kubelet cannot confirm — while its ReplicaSet already counts it
gone and makes a replacement elsewhere, as in a real cluster.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from ..client import ApiError, Controller
from ..client.events import NORMAL
from ..objects import conditions, meta
from ..objects.taints import NO_EXECUTE, tolerates


@dataclass
class ScheduledEviction:
    uid: str
    created_at: float
    fire_at: float
    timer: object


def min_toleration_seconds(tolerations: list[dict]) -> float | None:
    """The soonest any of these tolerations runs out; None if they all last forever."""
    soonest = None
    for toleration in tolerations:
        seconds = toleration.get("tolerationSeconds")
        if seconds is None:
            continue
        if seconds <= 0:
            return 0.0
        soonest = seconds if soonest is None else min(soonest, seconds)
    return soonest


class TaintEvictionController(Controller):
    name = "taint-eviction-controller"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.pods = factory.informer("pods")
        self.nodes = factory.informer("nodes")
        self.pods_on_node: dict[str, set[str]] = {}   # node name -> pod keys (an index, kept by the handlers)
        self.scheduled: dict[str, ScheduledEviction] = {}   # pod key -> its pending deletion
        self.pods.add_handlers(on_add=self.on_pod, on_update=lambda old, new: self.on_pod(new, old),
                               on_delete=self.on_pod_deleted)
        self.nodes.add_handlers(on_add=self.on_node, on_update=lambda old, new: self.on_node(new),
                                on_delete=self.on_node)

    def on_pod(self, pod: dict, old: dict | None = None) -> None:
        if old is not None and old["spec"].get("nodeName") != pod["spec"].get("nodeName"):
            self.pods_on_node.get(old["spec"].get("nodeName"), set()).discard(meta.key(pod))
        if pod["spec"].get("nodeName"):
            self.pods_on_node.setdefault(pod["spec"]["nodeName"], set()).add(meta.key(pod))
            self.enqueue(pod)

    def on_pod_deleted(self, pod: dict) -> None:
        self.pods_on_node.get(pod["spec"].get("nodeName"), set()).discard(meta.key(pod))
        self.cancel(meta.key(pod), event=False)

    def on_node(self, node: dict) -> None:
        for key in sorted(self.pods_on_node.get(meta.name(node), ())):
            self.enqueue(key)

    def sync(self, key: str) -> None:
        pod = self.pods.get(key)
        if pod is None or meta.is_being_deleted(pod) or not pod["spec"].get("nodeName"):
            self.cancel(key, event=False)
            return
        node = self.nodes.get(pod["spec"]["nodeName"])
        taints = [t for t in ((node or {}).get("spec") or {}).get("taints") or [] if t.get("effect") == NO_EXECUTE]
        if not taints:
            self.cancel(key)
            return
        tolerations = pod["spec"].get("tolerations") or []
        used = []
        for taint in taints:
            matching = [t for t in tolerations if tolerates(t, taint)]
            if not matching:   # not tolerated at all: out at once
                self.cancel(key, event=False)
                self.evict(key, meta.uid(pod))
                return
            used += matching
        seconds = min_toleration_seconds(used)
        if seconds is None:
            self.cancel(key)   # tolerated forever
            return
        now = self.clock.now()
        existing = self.scheduled.get(key)
        created_at = existing.created_at if existing and existing.uid == meta.uid(pod) else now
        fire_at = created_at + seconds
        if existing is not None and existing.uid == meta.uid(pod) and existing.fire_at <= fire_at:
            return   # already due no later than that
        self.cancel(key, event=False)
        timer = self.clock.call_later(max(0.0, fire_at - now), self.evict, key, meta.uid(pod))
        self.scheduled[key] = ScheduledEviction(meta.uid(pod), created_at, fire_at, timer)

    def cancel(self, key: str, event: bool = True) -> None:
        scheduled = self.scheduled.pop(key, None)
        if scheduled is None:
            return
        scheduled.timer.cancel()
        pod = self.pods.get(key)
        if event and pod is not None:
            self.recorder.event(pod, NORMAL, "TaintManagerEviction", f"Cancelling deletion of Pod {key}")

    def evict(self, key: str, uid: str) -> None:
        """Mark the pod DisruptionTarget and delete it (upstream's addConditionAndDeletePod)."""
        self.scheduled.pop(key, None)
        pod = self.pods.get(key)
        if pod is None or meta.uid(pod) != uid or meta.is_being_deleted(pod):
            return
        namespace, name = meta.split_key(key)
        self.recorder.event(pod, NORMAL, "TaintManagerEviction", f"Marking for deletion Pod {key}")
        try:
            marked = copy.deepcopy(pod)
            marked.setdefault("status", {})["conditions"] = conditions.set_condition(
                marked["status"].get("conditions") or [],
                {"type": "DisruptionTarget", "status": "True", "reason": "DeletionByTaintManager",
                 "message": "Taint manager: deleting due to NoExecute taint"}, self.clock.now())
            self.client.update_status("pods", marked)
            self.client.delete("pods", name, namespace, preconditions={"uid": uid})
        except ApiError as error:
            if error.code not in (404, 409):
                self.errors.append((key, f"{error.code} {error.reason}: {error.message}"))
                self.enqueue(key)   # look again: it will be due at once
