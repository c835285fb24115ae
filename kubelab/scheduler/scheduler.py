"""kube-scheduler: watches for pods without a node, picks one for each, and binds it.

    informers (pods, nodes) ──▶ cache (NodeInfo per node)     ◀── assume ──┐
            │                                                             │
            └─ pending pods ─▶ scheduling queue ─▶ scheduling cycle ──────┤
                                                   filter / score / pick  │
                                                                          ▼
                                                    binding cycle: POST pods/<name>/binding

The scheduler never starts a container and never talks to a kubelet. Its whole output is one
write per pod: a Binding, which the API server turns into spec.nodeName. The kubelet on that
node sees the pod through its own watch and takes it from there.

A pod is the scheduler's when spec.nodeName is empty, spec.schedulerName is
"default-scheduler" and it is not being deleted. Each scheduling cycle takes one pod, in its
own clock callback, so other components run between two pods. The binding runs in a later
callback, as upstream's runs in a goroutine; in between, the pod is *assumed* in the cache so
the next cycle already counts it. Outcomes are told as upstream tells them: an Event
"Scheduled" ("Successfully assigned default/nginx-xxx to node-2") or "FailedScheduling" with
the reasons, and when no node fits, the pod's condition PodScheduled=False, reason
Unschedulable.

Real Kubernetes also runs leader election (one active scheduler among replicas), serves
metrics, supports several profiles and extenders, and nominates nodes for preemption;
kubelab runs a single scheduler with the default profile.
"""
from __future__ import annotations

import random
from collections import deque

from ..client import NORMAL, WARNING, ApiError, Client, EventRecorder, SharedInformerFactory
from ..objects import conditions, meta
from .cache import Cache
from .framework import Framework
from .plugins.registry import new_framework
from .schedule_one import Decision, schedule_pod
from .scheduling_queue import (ASSIGNED_POD_DELETE, NODE_ADD, NODE_UPDATE, QueuedPodInfo,
                               SchedulingQueue)

SCHEDULER_NAME = "default-scheduler"
REASON_UNSCHEDULABLE = "Unschedulable"     # v1.PodReasonUnschedulable
REASON_SCHEDULER_ERROR = "SchedulerError"  # v1.PodReasonSchedulerError


def assigned(pod: dict) -> bool:
    return bool(pod["spec"].get("nodeName"))


def terminated(pod: dict) -> bool:
    """Succeeded and Failed pods hold no resources (upstream's informer filters them out)."""
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


class Scheduler:
    """kube-scheduler with the default profile: `Scheduler(client, clock, rng).start()`."""

    name = SCHEDULER_NAME

    def __init__(self, client: Client, clock, rng: random.Random, framework: Framework | None = None):
        self.client, self.clock, self.rng = client, clock, rng
        self.framework = framework or new_framework()
        self.factory = SharedInformerFactory(client, clock)
        self.pods = self.factory.informer("pods")
        self.nodes = self.factory.informer("nodes")
        self.cache = Cache()
        self.queue = SchedulingQueue(clock)
        self.queue.on_ready = self._wake
        self.recorder = EventRecorder(client, clock, SCHEDULER_NAME)
        self.decisions: deque[Decision] = deque(maxlen=100)  # newest last: what lessons draw
        self._scheduled = False

    @property
    def last_decision(self) -> Decision | None:
        """The latest scheduling cycle's per-node verdicts and scores (print it for a table)."""
        return self.decisions[-1] if self.decisions else None

    def start(self) -> None:
        self.pods.add_handlers(self.on_pod_add, self.on_pod_update, self.on_pod_delete)
        self.nodes.add_handlers(self.on_node_add, self.on_node_update, self.on_node_delete)
        self.factory.start()
        self.queue.run()

    # -- event handlers: keep the cache and the queue current (upstream's eventhandlers.go) --------
    def responsible_for(self, pod: dict) -> bool:
        return pod["spec"].get("schedulerName", SCHEDULER_NAME) == SCHEDULER_NAME \
            and not meta.is_being_deleted(pod)

    def on_pod_add(self, pod: dict) -> None:
        if assigned(pod):
            if not terminated(pod):
                self.cache.add_pod(pod)
        elif self.responsible_for(pod):
            self.queue.add(pod)

    def on_pod_update(self, old: dict, new: dict) -> None:
        key = meta.key(new)
        if assigned(new):
            self.queue.delete(new)  # bound, by us or by someone else
            if terminated(new):
                self.on_pod_delete(new)
            else:
                self.cache.update_pod(new)
        elif self.cache.is_assumed(key):
            return  # its binding is on the way; the informer just hasn't heard yet
        elif self.responsible_for(new):
            self.queue.update(old, new)
        else:
            self.queue.delete(new)

    def on_pod_delete(self, pod: dict) -> None:
        key = meta.key(pod)
        self.queue.delete(pod)
        if key in self.cache.pod_nodes:
            self.cache.remove_pod(key)
            self.queue.move_all_to_active_or_backoff_queue(ASSIGNED_POD_DELETE)  # room was freed

    def on_node_add(self, node: dict) -> None:
        self.cache.add_node(node)
        self.queue.move_all_to_active_or_backoff_queue(NODE_ADD)

    def on_node_update(self, old: dict, new: dict) -> None:
        self.cache.update_node(new)
        if scheduling_properties_changed(old, new):
            self.queue.move_all_to_active_or_backoff_queue(NODE_UPDATE)

    def on_node_delete(self, node: dict) -> None:
        self.cache.remove_node(node)

    # -- the scheduling cycle -----------------------------------------------------------------
    def _wake(self) -> None:
        if not self._scheduled and self.queue.active:
            self._scheduled = True
            self.clock.call_soon(self.schedule_one)

    def schedule_one(self) -> None:
        """One pod's scheduling cycle: decide, assume, and leave the binding to the next callback."""
        self._scheduled = False
        info = self.queue.pop()
        if info is not None:
            decision = schedule_pod(self.framework, info.pod, self.cache.snapshot(), self.rng, self.clock.now())
            self.decisions.append(decision)
            if decision.node_name is None:
                self.handle_scheduling_failure(info, decision.message, REASON_UNSCHEDULABLE,
                                               decision.unschedulable_plugins)
            else:
                self.cache.assume_pod(info.pod, decision.node_name)
                self.clock.call_soon(self.binding_cycle, info, decision.node_name)
        self._wake()

    def binding_cycle(self, info: QueuedPodInfo, node_name: str) -> None:
        """Write the decision: POST the Binding; on failure forget the assumption and retry later."""
        pod, key = info.pod, info.key
        if not self.cache.is_assumed(key):
            return  # deleted, or bound elsewhere, while waiting
        try:
            self.client.bind(pod, node_name)
        except ApiError as error:
            self.cache.forget_pod(key)
            self.queue.move_all_to_active_or_backoff_queue(ASSIGNED_POD_DELETE)  # its room is free again
            self.handle_scheduling_failure(info, f'running Bind plugin "DefaultBinder": {error.message}',
                                           REASON_SCHEDULER_ERROR)
            return
        self.recorder.event(pod, NORMAL, "Scheduled",
                            f"Successfully assigned {meta.namespace(pod)}/{meta.name(pod)} to {node_name}")

    def handle_scheduling_failure(self, info: QueuedPodInfo, message: str, reason: str,
                                  unschedulable_plugins: set[str] | None = None) -> None:
        """Requeue the pod, tell the user (Event) and say so in the pod's PodScheduled condition.

        As upstream, the pod is requeued only if the informer still shows it pending, but the
        event and the condition are written regardless.
        """
        pod = self.pods.get(info.key)
        if pod is not None and not assigned(pod) and self.responsible_for(pod):
            info.pod = pod
            if reason == REASON_UNSCHEDULABLE:
                self.queue.add_unschedulable(info, unschedulable_plugins or set())
            else:
                self.queue.add_backoff(info)
        pod = pod or info.pod
        self.recorder.event(pod, WARNING, "FailedScheduling", message)
        self._set_pod_scheduled_false(pod, reason, message)

    def _set_pod_scheduled_false(self, pod: dict, reason: str, message: str) -> None:
        condition = {"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                     "reason": reason, "message": message}
        current = conditions.get(pod, "PodScheduled") or {}
        if all(current.get(field) == condition[field] for field in ("status", "reason", "message")):
            return  # nothing new to say: upstream skips the write too
        updated = conditions.set_condition(pod["status"].get("conditions") or [], condition, self.clock.now())
        try:
            self.client.patch("pods", meta.name(pod), {"status": {"conditions": updated}}, meta.namespace(pod),
                              subresource="status")
        except ApiError:
            pass  # the pod went away; the event already told the story


def scheduling_properties_changed(old: dict, new: dict) -> bool:
    """Did a node change in a way that could let a pod fit? (Heartbeats alone don't.)"""
    def properties(node: dict) -> tuple:
        spec, status = node.get("spec") or {}, node.get("status") or {}
        condition_statuses = sorted((c.get("type"), c.get("status")) for c in status.get("conditions") or [])
        return (bool(spec.get("unschedulable")), spec.get("taints") or [], meta.labels(node),
                status.get("allocatable") or status.get("capacity") or {}, condition_statuses)
    return properties(old) != properties(new)
