"""From a chosen node to a bound pod: assume, Reserve, Permit, then the binding cycle.

    scheduling cycle (this callback)            binding cycle (a later callback)
    assume in cache ─▶ Reserve ─▶ Permit ──────▶ [wait for Permit] ─▶ PreBind ─▶ Bind ─▶ PostBind
         ▲                │          │                                 │         │
         └── forget ◀── Unreserve ◀──┴──── any failure ◀───────────────┴─────────┘

Assume and Reserve happen *before* the next pod's cycle, so it already counts this pod on its
node. Permit may approve, reject, or make the pod Wait (a gang of pods that must start
together, a quota): a waiting pod sits in `waiting_pods` until a plugin calls
`allow(pod_key, plugin)`, someone rejects it, or its timeout runs out ("rejected due to timeout
after waiting 10s at plugin Coscheduling"). The binding writes nothing until then.

Any failure undoes everything: Unreserve in reverse order, forget the assumption (the room is
free again, so pods waiting for room are retried), and retry the pod after its backoff.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import framework as fw


@dataclass
class WaitingPod:
    """A pod held at Permit: which plugins still have to allow it."""
    info: object
    node_name: str
    state: dict
    profile: object
    pending_plugins: set[str] = field(default_factory=set)
    timer: object = None


class BindingCycle:
    """The second half of the scheduler (mixed into Scheduler)."""

    def __init__(self):
        self.waiting_pods: dict[str, WaitingPod] = {}

    def assume_and_reserve(self, profile, info, node_name: str, state: dict | None = None) -> None:
        state = state if state is not None else {}
        self.cache.assume_pod(info.pod, node_name)
        status = profile.run_reserve_plugins_reserve(state, info.pod, node_name)
        if not status.is_success():
            self._undo(profile, state, info, node_name, status)
            return
        status, timeout = profile.run_permit_plugins(state, info.pod, node_name)
        if status.code == fw.WAIT:
            waiting = WaitingPod(info, node_name, state, profile,
                                 {p.name for p in profile.permit_plugins})
            waiting.timer = self.clock.call_later(timeout, self._permit_timeout, info.key, timeout)
            self.waiting_pods[info.key] = waiting
            return
        if not status.is_success():
            self._undo(profile, state, info, node_name, status)
            return
        self.clock.call_soon(self.binding_cycle, profile, state, info, node_name)

    # -- Permit's waiting room (upstream's framework.WaitingPod) --------------------------------
    def allow(self, pod_key: str, plugin: str) -> None:
        """A Permit plugin lets the waiting pod go (it binds once every waiting plugin has)."""
        waiting = self.waiting_pods.get(pod_key)
        if waiting is None:
            return
        waiting.pending_plugins.discard(plugin)
        if not waiting.pending_plugins:
            del self.waiting_pods[pod_key]
            if waiting.timer is not None:
                waiting.timer.cancel()
            self.clock.call_soon(self.binding_cycle, waiting.profile, waiting.state, waiting.info, waiting.node_name)

    def reject_waiting_pod(self, pod_key: str, message: str = "removed") -> None:
        waiting = self.waiting_pods.pop(pod_key, None)
        if waiting is not None:
            if waiting.timer is not None:
                waiting.timer.cancel()
            self._undo(waiting.profile, waiting.state, waiting.info, waiting.node_name,
                       fw.Status(fw.UNSCHEDULABLE, (message,)))

    def _permit_timeout(self, pod_key: str, timeout: float) -> None:
        waiting = self.waiting_pods.get(pod_key)
        if waiting is not None:
            plugin = sorted(waiting.pending_plugins)[0] if waiting.pending_plugins else ""
            self.reject_waiting_pod(pod_key, f"rejected due to timeout after waiting {timeout:g}s at plugin {plugin}")

    # -- the binding cycle ----------------------------------------------------------------------
    def binding_cycle(self, profile, state: dict, info, node_name: str) -> None:
        """PreBind, Bind, PostBind; on failure undo and retry later."""
        pod, key = info.pod, info.key
        if not self.cache.is_assumed(key):
            return  # deleted, or bound elsewhere, while waiting
        status = profile.run_pre_bind_plugins(state, pod, node_name)
        if status.code == fw.WAIT:   # VolumeBinding waits for its claims to bind: ask again in a second
            self.clock.call_later(1.0, self.binding_cycle, profile, state, info, node_name)
            return
        if status.is_success():
            status = profile.run_bind_plugins(state, pod, node_name)
        if not status.is_success():
            self._undo(profile, state, info, node_name, status)
            return
        self.record_scheduled(pod, node_name)
        profile.run_post_bind_plugins(state, pod, node_name)

    def _undo(self, profile, state: dict, info, node_name: str, status: fw.Status) -> None:
        profile.run_reserve_plugins_unreserve(state, info.pod, node_name)
        self.cache.forget_pod(info.key)
        self.queue.move_all_to_active_or_backoff_queue(fw.ASSIGNED_POD_DELETE, info.pod, None)  # its room is free
        reason = "SchedulerError" if status.code == fw.ERROR else "Unschedulable"
        if reason == "Unschedulable":
            self.handle_scheduling_failure(info, status.message, reason, {status.plugin} if status.plugin else set())
        else:
            self.handle_scheduling_failure(info, status.message, reason)
