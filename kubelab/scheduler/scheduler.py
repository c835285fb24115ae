"""kube-scheduler: watches for pods without a node, picks one for each, and binds it.

    informers (pods, nodes, ...) ──▶ cache (NodeInfo per node)   ◀── assume ──┐
            │                                                                │
            └─ pending pods ─▶ scheduling queue ─▶ scheduling cycle ─────────┤
                  ▲                                filter / score / pick     │
                  └── cluster events (queueing hints)   reserve / permit     ▼
                                                    binding cycle: prebind, bind (POST pods/<name>/binding)

The scheduler never starts a container and never talks to a kubelet. Its whole output is one
write per pod: a Binding, which the API server turns into spec.nodeName. The kubelet on that
node sees the pod through its own watch and takes it from there.

A pod is the scheduler's when spec.nodeName is empty, spec.schedulerName names one of its
*profiles* ("default-scheduler" unless a KubeSchedulerConfiguration says more, profile.py) and it
is not being deleted. Each scheduling cycle takes one pod, in its own clock callback, so other
components run between two pods. The binding cycle runs in a later callback, as upstream's runs
in a goroutine; in between, the pod is *assumed* in the cache so the next cycle already counts
it. Outcomes are told as upstream tells them: an Event "Scheduled" ("Successfully assigned
default/nginx-xxx to node-2") or "FailedScheduling" with the reasons, and when no node fits, the
pod's condition PodScheduled=False, reason Unschedulable (SchedulerError when a plugin failed:
the pod backs off and is retried; the scheduler goes on with the next pod).

Real Kubernetes also runs leader election (one active scheduler among replicas), serves
metrics and calls extenders (webhooks); kubelab runs a single scheduler without them.
"""
from __future__ import annotations

import random
from collections import deque

from ..client import NORMAL, WARNING, ApiError, Client, EventRecorder, SharedInformerFactory
from ..objects import conditions, meta
from . import framework as fw
from .binding import BindingCycle
from .cache import Cache
from .runtime import Framework, Handle
from .schedule_one import Decision, schedule_pod
from .scheduling_queue import QueuedPodInfo, SchedulingQueue

SCHEDULER_NAME = "default-scheduler"
REASON_UNSCHEDULABLE = "Unschedulable"     # v1.PodReasonUnschedulable
REASON_SCHEDULER_ERROR = "SchedulerError"  # v1.PodReasonSchedulerError
# what else the plugins read (namespaceSelector, default spreading); listed when kubelab serves them
EXTRA_INFORMERS = ("namespaces", "services", "replicasets", "poddisruptionbudgets", "persistentvolumeclaims",
                   "persistentvolumes", "storageclasses")
# the storage events that may make a pod fit (VolumeBinding, VolumeZone): resource -> ClusterEvent kind
STORAGE_EVENTS = {"persistentvolumeclaims": ("PersistentVolumeClaim", "Pvc"),
                  "persistentvolumes": ("PersistentVolume", "Pv"), "storageclasses": ("StorageClass", "StorageClass")}


def assigned(pod: dict) -> bool:
    return bool(pod["spec"].get("nodeName"))


def terminated(pod: dict) -> bool:
    """Succeeded and Failed pods hold no resources (upstream's informer filters them out)."""
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


class Scheduler(BindingCycle):
    """kube-scheduler: `Scheduler(client, clock, rng).start()`; `config=` a KubeSchedulerConfiguration."""

    name = SCHEDULER_NAME

    def __init__(self, client: Client, clock, rng: random.Random, framework: Framework | None = None,
                 config: dict | str | None = None):
        from .profile import load_profiles  # (profile.py builds frameworks from the registry)
        self.client, self.clock, self.rng = client, clock, rng
        self.factory = SharedInformerFactory(client, clock)
        self.pods = self.factory.informer("pods")
        self.nodes = self.factory.informer("nodes")
        self.cache = Cache()
        self.handle = Handle(client=client, clock=clock, snapshot=self.cache.snapshot,
                             listers={resource: self.factory.informer(resource) for resource in EXTRA_INFORMERS})
        if framework is not None:
            framework.handle.__dict__.update({k: v for k, v in self.handle.__dict__.items() if k != "framework"})
            self.profiles = {framework.profile_name: framework}
        else:
            self.profiles = load_profiles(config, self.handle)
        first = next(iter(self.profiles.values()))
        sort = first.queue_sort_plugins[0].sort_key if first.queue_sort_plugins else None
        hints = {plugin.name: plugin.events_to_register()
                 for profile in self.profiles.values() for plugin in profile.plugins}
        self.queue = SchedulingQueue(clock, **({"sort_key": sort} if sort else {}), pre_enqueue=self._pre_enqueue,
                                     hints=hints)
        self.queue.on_ready = self._wake
        self.recorders = {name: EventRecorder(client, clock, name) for name in self.profiles}
        self.handle.recorder = next(iter(self.recorders.values()))
        for profile in self.profiles.values():
            profile.handle.recorder = self.handle.recorder
        self.decisions: deque[Decision] = deque(maxlen=100)  # newest last: what lessons draw
        self.next_start_node_index = 0
        self.errors: deque[tuple[float, str, str]] = deque(maxlen=100)  # (time, pod, message): plugins that failed
        self._scheduled = False
        BindingCycle.__init__(self)

    @property
    def framework(self) -> Framework:
        """The default profile (the first)."""
        return next(iter(self.profiles.values()))

    @property
    def last_decision(self) -> Decision | None:
        """The latest scheduling cycle's per-node verdicts and scores (print it for a table)."""
        return self.decisions[-1] if self.decisions else None

    def start(self) -> None:
        self.pods.add_handlers(self.on_pod_add, self.on_pod_update, self.on_pod_delete)
        self.nodes.add_handlers(self.on_node_add, self.on_node_update, self.on_node_delete)
        self.handle.listers["namespaces"].add_handlers(
            lambda ns: None, lambda old, new: self.queue.move_all_to_active_or_backoff_queue(
                fw.NAMESPACE_CHANGE, old, new) if meta.labels(old) != meta.labels(new) else None)
        for resource, (kind, label) in STORAGE_EVENTS.items():
            self.handle.listers[resource].add_handlers(
                lambda obj, kind=kind, label=label: self.queue.move_all_to_active_or_backoff_queue(
                    fw.ClusterEvent(kind, "Add", label + "Add"), None, obj),
                lambda old, new, kind=kind, label=label: self.queue.move_all_to_active_or_backoff_queue(
                    fw.ClusterEvent(kind, "Update", label + "Update"), old, new))
        self.factory.start()
        self.queue.run()

    def profile_of(self, pod: dict) -> Framework | None:
        return self.profiles.get(pod["spec"].get("schedulerName") or SCHEDULER_NAME)

    def _pre_enqueue(self, pod: dict) -> fw.Status:
        profile = self.profile_of(pod)
        return profile.run_pre_enqueue_plugins(pod) if profile else fw.OK

    # -- event handlers: keep the cache and the queue current (upstream's eventhandlers.go) --------
    def responsible_for(self, pod: dict) -> bool:
        return self.profile_of(pod) is not None and not meta.is_being_deleted(pod)

    def on_pod_add(self, pod: dict) -> None:
        if assigned(pod):
            if not terminated(pod):
                self.cache.add_pod(pod)
                self.queue.move_all_to_active_or_backoff_queue(fw.ASSIGNED_POD_ADD, None, pod)
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
                self.queue.move_all_to_active_or_backoff_queue(
                    fw.ASSIGNED_POD_ADD if not assigned(old) else fw.ASSIGNED_POD_UPDATE, old, new)
        elif self.cache.is_assumed(key):
            return  # its binding is on the way; the informer just hasn't heard yet
        elif self.responsible_for(new):
            self.queue.update(old, new)
        else:
            self.queue.delete(new)

    def on_pod_delete(self, pod: dict) -> None:
        key = meta.key(pod)
        self.queue.delete(pod)
        self.reject_waiting_pod(key)
        if key in self.cache.pod_nodes:
            self.cache.remove_pod(key)
            self.queue.move_all_to_active_or_backoff_queue(fw.ASSIGNED_POD_DELETE, pod, None)  # room was freed

    def on_node_add(self, node: dict) -> None:
        self.cache.add_node(node)
        self.queue.move_all_to_active_or_backoff_queue(fw.NODE_ADD, None, node)

    def on_node_update(self, old: dict, new: dict) -> None:
        self.cache.update_node(new)
        for event in node_scheduling_properties_change(old, new):
            self.queue.move_all_to_active_or_backoff_queue(event, old, new)

    def on_node_delete(self, node: dict) -> None:
        self.cache.remove_node(node)

    # -- the scheduling cycle -----------------------------------------------------------------
    def _wake(self) -> None:
        if not self._scheduled and self.queue.active:
            self._scheduled = True
            self.clock.call_soon(self.schedule_one)

    def schedule_one(self) -> None:
        """One pod's scheduling cycle: decide, assume, reserve, permit; the binding follows later."""
        self._scheduled = False
        info = self.queue.pop()
        if info is not None:
            try:
                self.scheduling_cycle(info)
            except Exception as error:  # noqa: BLE001  (a bug must not stop the scheduler: retry the pod)
                self.cache.forget_pod(info.key)
                self.handle_scheduling_failure(info, f"{type(error).__name__}: {error}", REASON_SCHEDULER_ERROR)
        self._wake()

    def scheduling_cycle(self, info: QueuedPodInfo) -> None:
        profile = self.profile_of(info.pod)
        if profile is None:
            return
        snapshot = self.cache.snapshot()
        decision = schedule_pod(profile, info.pod, snapshot.node_info_list, self.rng, self.clock.now(),
                                self.next_start_node_index, self.queue.nominated_pods(), snapshot.table)
        if snapshot.node_info_list:
            processed = decision.processed
            self.next_start_node_index = (self.next_start_node_index + processed) % len(snapshot.node_info_list)
        state, decision.state = decision.state, None   # kept decisions don't hold on to a cycle's state
        self.decisions.append(decision)
        if decision.error:
            self.handle_scheduling_failure(info, decision.error, REASON_SCHEDULER_ERROR)
        elif decision.node_name is None:
            self.handle_scheduling_failure(info, decision.message, REASON_UNSCHEDULABLE,
                                           decision.unschedulable_plugins, decision.nominated_node_name)
        else:
            self.assume_and_reserve(profile, info, decision.node_name, state)

    def handle_scheduling_failure(self, info: QueuedPodInfo, message: str, reason: str,
                                  unschedulable_plugins: set[str] | None = None, nominated_node: str = "") -> None:
        """Requeue the pod, tell the user (Event) and say so in the pod's PodScheduled condition.

        As upstream, the pod is requeued only if the informer still shows it pending, but the
        event and the condition are written regardless.
        """
        pod = self.pods.get(info.key)
        if reason == REASON_SCHEDULER_ERROR:
            self.errors.append((self.clock.now(), info.key, message))
        if pod is not None and not assigned(pod) and self.responsible_for(pod):
            info.pod = pod
            if reason == REASON_UNSCHEDULABLE:
                self.queue.add_unschedulable(info, unschedulable_plugins or set())
            else:
                self.queue.add_backoff(info)
        pod = pod or info.pod
        recorder = self.recorders.get(pod["spec"].get("schedulerName") or SCHEDULER_NAME) or \
            next(iter(self.recorders.values()))
        recorder.event(pod, WARNING, "FailedScheduling", message)
        self._set_pod_scheduled_false(pod, reason, message, nominated_node)

    def record_scheduled(self, pod: dict, node_name: str) -> None:
        recorder = self.recorders.get(pod["spec"].get("schedulerName") or SCHEDULER_NAME)
        (recorder or next(iter(self.recorders.values()))).event(
            pod, NORMAL, "Scheduled", f"Successfully assigned {meta.namespace(pod)}/{meta.name(pod)} to {node_name}")

    def _set_pod_scheduled_false(self, pod: dict, reason: str, message: str, nominated_node: str = "") -> None:
        condition = {"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                     "reason": reason, "message": message}
        current = conditions.get(pod, "PodScheduled") or {}
        same = all(current.get(field) == condition[field] for field in ("status", "reason", "message"))
        if same and (pod.get("status") or {}).get("nominatedNodeName", "") == nominated_node:
            return  # nothing new to say: upstream skips the write too
        status = {"conditions": conditions.set_condition(pod["status"].get("conditions") or [], condition,
                                                         self.clock.now())}
        if nominated_node:
            status["nominatedNodeName"] = nominated_node
        try:
            self.client.patch("pods", meta.name(pod), {"status": status}, meta.namespace(pod), subresource="status")
        except ApiError:
            pass  # the pod went away; the event already told the story


def node_scheduling_properties_change(old: dict, new: dict) -> list[fw.ClusterEvent]:
    """Which scheduling-relevant parts of a node changed (heartbeats alone change none)."""
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    old_status, new_status = old.get("status") or {}, new.get("status") or {}
    events = []
    if bool(old_spec.get("unschedulable")) != bool(new_spec.get("unschedulable")):
        events.append(fw.NODE_SPEC_UNSCHEDULABLE_CHANGE)
    if (old_status.get("allocatable") or old_status.get("capacity")) != \
            (new_status.get("allocatable") or new_status.get("capacity")):
        events.append(fw.NODE_ALLOCATABLE_CHANGE)
    if meta.labels(old) != meta.labels(new):
        events.append(fw.NODE_LABEL_CHANGE)
    if (old_spec.get("taints") or []) != (new_spec.get("taints") or []):
        events.append(fw.NODE_TAINT_CHANGE)
    def condition_statuses(status):
        return sorted((c.get("type"), c.get("status")) for c in status.get("conditions") or [])
    if condition_statuses(old_status) != condition_statuses(new_status):
        events.append(fw.NODE_CONDITION_CHANGE)
    return events
