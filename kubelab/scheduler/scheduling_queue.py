"""The scheduling queue: which pod to schedule next, and where pods wait when none fits.

Every pending pod is in exactly one of three places (upstream's PriorityQueue):

  activeQ            ready to be tried. A heap: the highest spec.priority first, then the
                     pod that has waited longest (PrioritySort, the default QueueSort plugin).
  backoffQ           tried and failed recently; waits out its backoff — 1 s after the first
                     attempt, doubling per attempt up to 10 s (podInitialBackoffSeconds,
                     podMaxBackoffSeconds) — then moves to activeQ.
  unschedulablePods  no node fitted. Trying again now would fail the same way, so the pod
                     waits for a cluster event that might change the answer. Which events?
                     Those the plugins that rejected it registered (NodeResourcesFit: an
                     assigned pod deleted, a node added or its allocatable changed;
                     TaintToleration: a node added or its taints changed; ...), and only if
                     the plugin's *queueing hint* says this very event could help ("the taint
                     removed is one the pod didn't tolerate"). Then it moves to backoffQ (if
                     still backing off) or activeQ. A pod that has waited more than 5 minutes
                     moves anyway; that check runs every 30 s (podMaxInUnschedulablePodsDuration).
                     A pod that PreEnqueue refused (scheduling gates) waits here too, until
                     an update of the pod itself lets it pass.

Invariant: a pod key is in at most one of the three, and not at all while a cycle holds it.

The 30 s flush is a daemon timer (background work: `settle` may stop with pods parked in
unschedulablePods, which is what "Pending" means). A backoff is pending work, so each backed-off
pod gets an ordinary timer at its expiry — where upstream polls backoffQ every second.

Real Kubernetes also remembers the cluster events that arrive *while* a pod is being
scheduled, and requeues it at once if one could have helped; kubelab's cycle runs inside one
clock callback, so no event can arrive during it.
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

from ..objects import meta
from .framework import UNSCHEDULABLE_TIMEOUT, ClusterEvent

POD_INITIAL_BACKOFF_SECONDS = 1.0
POD_MAX_BACKOFF_SECONDS = 10.0
POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION = 300.0
UNSCHEDULABLE_PODS_FLUSH_INTERVAL = 30.0



@dataclass
class QueuedPodInfo:
    """A pending pod and its history in the queue."""
    pod: dict
    timestamp: float                 # when it last entered the queue; ties in activeQ go to the oldest
    initial_attempt_timestamp: float | None = None
    attempts: int = 0                # scheduling cycles it has been through
    unschedulable_plugins: set[str] = field(default_factory=set)
    gated: bool = False              # PreEnqueue refused it: it waits for an update of itself

    @property
    def key(self) -> str:
        return meta.key(self.pod)

    @property
    def priority(self) -> int:
        return self.pod["spec"].get("priority") or 0


def backoff_duration(attempts: int) -> float:
    """1 s after the first attempt, doubling with each further one, at most 10 s."""
    duration = POD_INITIAL_BACKOFF_SECONDS
    for _ in range(1, attempts):
        duration *= 2
        if duration >= POD_MAX_BACKOFF_SECONDS:
            return POD_MAX_BACKOFF_SECONDS
    return duration


def _default_sort_key(info: QueuedPodInfo) -> tuple:
    return (-info.priority, info.timestamp)


class SchedulingQueue:
    def __init__(self, clock, sort_key=_default_sort_key, pre_enqueue=None, hints=None):
        self.clock = clock
        self.sort_key = sort_key          # the QueueSort plugin's order (PrioritySort)
        self.pre_enqueue = pre_enqueue    # pod -> Status: the PreEnqueue plugins of the pod's profile
        self.hints = hints or {}          # plugin name -> [(ClusterEvent, hint or None)]
        self.active: dict[str, QueuedPodInfo] = {}       # activeQ members by key ...
        self._heap: list[tuple[tuple, int, str]] = []  # ... ordered: (sort key, seq, key)
        self._sequence = itertools.count()
        self.backoff: dict[str, QueuedPodInfo] = {}       # backoffQ
        self.unschedulable: dict[str, QueuedPodInfo] = {}  # unschedulablePods
        self.on_ready = None  # set by the scheduler: called when activeQ gains a pod
        self.moves: list[tuple[float, str, int]] = []     # (time, event label, pods moved), for lessons
        self._maybe_nominated = False  # a queued pod may carry status.nominatedNodeName (else: skip the scan)

    def run(self) -> None:
        """Start the periodic flush of pods left too long in unschedulablePods."""
        self.clock.call_later(UNSCHEDULABLE_PODS_FLUSH_INTERVAL, self._flush_unschedulable_pods_leftover,
                              daemon=True)

    # -- a pod arrives, changes, leaves ---------------------------------------------------------
    def add(self, pod: dict) -> None:
        """A new pending pod goes to activeQ — unless PreEnqueue refuses it (then it waits, gated)."""
        self._remove(meta.key(pod))
        self._note(pod)
        self._to_active_or_gated(QueuedPodInfo(pod, self.clock.now()))

    def _to_active_or_gated(self, info: QueuedPodInfo) -> None:
        status = self.pre_enqueue(info.pod) if self.pre_enqueue else None
        if status is not None and not status.is_success():
            info.gated = True
            info.unschedulable_plugins = {status.plugin}
            self.unschedulable[info.key] = info
            return
        info.gated = False
        self._to_active(info)

    def update(self, old: dict, new: dict) -> None:
        """Keep the newest copy; a real change (not just status) to an unschedulable pod retries it."""
        key = meta.key(new)
        self._note(new)
        for queue in (self.active, self.backoff):
            if key in queue:
                queue[key].pod = new
                return
        info = self.unschedulable.get(key)
        if info is None:
            self.add(new)  # not queued and not being scheduled: treat as new, as upstream
            return
        info.pod = new
        if info.gated:
            del self.unschedulable[key]
            self._to_active_or_gated(info)  # a gate removed? PreEnqueue decides again
        elif _strip(old) != _strip(new):
            del self.unschedulable[key]
            self._requeue(info)

    def delete(self, pod: dict) -> None:
        self._remove(meta.key(pod))

    def _remove(self, key: str) -> None:
        self.active.pop(key, None)  # its heap entry goes stale and is skipped by pop()
        self.backoff.pop(key, None)
        self.unschedulable.pop(key, None)

    def __contains__(self, key: str) -> bool:
        return key in self.active or key in self.backoff or key in self.unschedulable

    # -- the scheduler takes a pod, and gives back the ones that failed ---------------------------
    def pop(self) -> QueuedPodInfo | None:
        """The next pod to schedule (highest priority, then longest waiting), or None."""
        while self._heap:
            _, _, key = heapq.heappop(self._heap)
            info = self.active.pop(key, None)
            if info is not None:
                info.attempts += 1
                if info.initial_attempt_timestamp is None:
                    info.initial_attempt_timestamp = self.clock.now()
                return info
        return None

    def add_unschedulable(self, info: QueuedPodInfo, plugins: set[str]) -> None:
        """No node fitted: park the pod until a cluster event might help."""
        info.timestamp = self.clock.now()
        info.unschedulable_plugins = plugins
        self._note(info.pod)
        self.unschedulable[info.key] = info

    def add_backoff(self, info: QueuedPodInfo) -> None:
        """The attempt failed for another reason (an API error): retry after the backoff."""
        info.timestamp = self.clock.now()
        self._note(info.pod)
        self._to_backoff(info)

    # -- moving between the queues ---------------------------------------------------------------
    def move_all_to_active_or_backoff_queue(self, event: ClusterEvent, old: dict | None = None,
                                            new: dict | None = None) -> None:
        """A cluster event happened: retry the unschedulable pods it might help."""
        moved = [key for key in sorted(self.unschedulable) if self.is_pod_worth_requeuing(
            self.unschedulable[key], event, old, new)]
        for key in moved:
            self._requeue(self.unschedulable.pop(key))
        if moved:
            self.moves.append((self.clock.now(), event.label, len(moved)))

    def is_pod_worth_requeuing(self, info: QueuedPodInfo, event: ClusterEvent, old: dict | None,
                               new: dict | None) -> bool:
        """Did a plugin that rejected this pod register this event, and does its hint say "Queue"?"""
        if info.gated:
            return False  # only an update of the pod itself can remove a gate
        if not info.unschedulable_plugins:
            return True   # rejected for no plugin's reason (an error): any event may help
        for plugin in info.unschedulable_plugins:
            for registered, hint in self.hints.get(plugin, [(None, None)]):
                if registered is not None and not event.matches(registered):
                    continue
                if hint is None:
                    return True
                try:
                    if hint(info.pod, old, new):
                        return True
                except Exception:  # noqa: BLE001  (a failing hint means "Queue", as upstream)
                    return True
        return False

    def _requeue(self, info: QueuedPodInfo) -> None:
        if self._backoff_expiry(info) > self.clock.now():
            self._to_backoff(info)
        else:
            self._to_active(info)

    def _backoff_expiry(self, info: QueuedPodInfo) -> float:
        return info.timestamp + backoff_duration(info.attempts)

    def _to_active(self, info: QueuedPodInfo) -> None:
        self.active[info.key] = info
        heapq.heappush(self._heap, (self.sort_key(info), next(self._sequence), info.key))
        if self.on_ready:
            self.on_ready()

    def _to_backoff(self, info: QueuedPodInfo) -> None:
        self.backoff[info.key] = info
        expiry = self._backoff_expiry(info)
        self.clock.call_later(expiry - self.clock.now(), self._flush_backoff_completed)

    def _flush_backoff_completed(self) -> None:
        """Pods whose backoff has run out go to activeQ."""
        now = self.clock.now()
        for key in sorted(self.backoff):
            if self._backoff_expiry(self.backoff[key]) <= now:
                self._to_active(self.backoff.pop(key))

    def _flush_unschedulable_pods_leftover(self) -> None:
        """Every 30 s: pods unschedulable for more than 5 minutes get another try anyway."""
        now = self.clock.now()
        stale = sorted(key for key, info in self.unschedulable.items()
                       if not info.gated and now - info.timestamp > POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION)
        for key in stale:
            self._requeue(self.unschedulable.pop(key))
        if stale:
            self.moves.append((now, UNSCHEDULABLE_TIMEOUT.label, len(stale)))
        self.run()

    def _note(self, pod: dict) -> None:
        if (pod.get("status") or {}).get("nominatedNodeName"):
            self._maybe_nominated = True

    def nominated_pods(self) -> dict[str, list[dict]]:
        """node -> the waiting pods preemption nominated for it (status.nominatedNodeName)."""
        nominated: dict[str, list[dict]] = {}
        if not self._maybe_nominated:  # (no pod that entered the queues since the last empty scan was)
            return nominated
        for queue in (self.active, self.backoff, self.unschedulable):
            for info in queue.values():
                node_name = (info.pod.get("status") or {}).get("nominatedNodeName")
                if node_name:
                    nominated.setdefault(node_name, []).append(info.pod)
        self._maybe_nominated = bool(nominated)
        return nominated

    def pending(self) -> dict[str, list[str]]:
        """Pod keys in each queue, by upstream's names (what `kubectl` can't show you)."""
        return {"activeQ": sorted(self.active), "backoffQ": sorted(self.backoff),
                "unschedulablePods": sorted(self.unschedulable)}


def _strip(pod: dict) -> dict:
    """A pod without what changes on its own (status, resourceVersion): upstream's isPodUpdated."""
    metadata = {k: v for k, v in pod.get("metadata", {}).items()
                if k not in ("resourceVersion", "generation", "managedFields")}
    return {**{k: v for k, v in pod.items() if k != "status"}, "metadata": metadata}
