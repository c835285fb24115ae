"""The node lifecycle controller: notices when a node stops answering, and says so.

A kubelet proves it is alive twice over: it renews its Lease in kube-node-lease every 10 s
and rewrites its Node's conditions (lastHeartbeatTime moves). Upstream's controller
(pkg/controller/nodelifecycle/node_lifecycle_controller.go) looks at both every
--node-monitor-period (5 s):

    a heartbeat or a renewal we had not seen        -> probe time = now
    now > probe time + node-monitor-grace-period    -> Ready, MemoryPressure, DiskPressure,
      (50 s since v1.32; 40 s before;                  PIDPressure := Unknown, "NodeStatusUnknown",
       60 s for a node that never reported Ready)     "Kubelet stopped posting node status."
    Ready just left True                            -> Event NodeNotReady on the Node; every pod
                                                       on it Ready=False (Event NodeNotReady), so
                                                       the endpoints controller drops them
    Ready Unknown / False (seen on the next pass)   -> taint node.kubernetes.io/unreachable /
                                                       not-ready:NoExecute, at a rate per zone
    Ready True again                                -> those taints come off

Node changes also set the NoSchedule taints the scheduler respects (upstream's
doNoScheduleTaintingPass): Ready False/Unknown -> not-ready/unreachable, pressure conditions,
spec.unschedulable -> node.kubernetes.io/unschedulable. Acting on the NoExecute taints —
evicting pods once their tolerations run out — is the taint eviction controller's job
(taint_eviction.py); removing pods whose Node is gone is the pod GC's (pod_gc.py).

Rate limiting (zone.py): a dead zone should not make the whole cluster reschedule at once.
Each zone taints at most --node-eviction-rate nodes a second (0.1); when more than 55% of a
zone is down it slows to --secondary-node-eviction-rate (0.01), or stops if the zone has no
more than 50 nodes; when every zone is fully down the controller assumes the fault is its
own (the control plane's network) and taints nothing ("master disruption mode").

Left out: the NodeStatusUpdateFrequency-based startup fast path, and the legacy (pre-taint)
eviction path, which v1.32 no longer has.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from ..client import ApiError, Controller
from ..client.events import NORMAL, WARNING
from ..objects import conditions, meta
from ..objects.timefmt import parse, rfc3339
from .config import ControllerManagerConfig
from .zone import FULL_DISRUPTION, NORMAL_ZONE, ZoneTainter, compute_zone_state, zone_key

UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
LEASE_NAMESPACE = "kube-node-lease"
# condition type -> {status: taint key} (upstream's nodeConditionToTaintKeyStatusMap)
NO_SCHEDULE_TAINTS = {
    "Ready": {"False": NOT_READY, "Unknown": UNREACHABLE},
    "MemoryPressure": {"True": "node.kubernetes.io/memory-pressure"},
    "DiskPressure": {"True": "node.kubernetes.io/disk-pressure"},
    "NetworkUnavailable": {"True": "node.kubernetes.io/network-unavailable"},
    "PIDPressure": {"True": "node.kubernetes.io/pid-pressure"},
}
CONTROLLER_TAINT_KEYS = {key for by_status in NO_SCHEDULE_TAINTS.values() for key in by_status.values()} \
    | {UNSCHEDULABLE}
STATUS_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")


@dataclass
class NodeHealth:
    """What the controller last saw of a node (upstream's nodeHealthData)."""
    probe_timestamp: float             # when we last saw a sign of life
    ready_transition_timestamp: float
    heartbeat: str = ""                # the Ready condition's lastHeartbeatTime we last saw
    lease_renew_time: str = ""         # the Lease's renewTime we last saw


class NodeLifecycleController(Controller):
    name = "node-controller"

    def __init__(self, client, clock, factory, config: ControllerManagerConfig | None = None):
        super().__init__(client, clock, factory)
        self.config = config or ControllerManagerConfig()
        self.nodes = factory.informer("nodes")
        self.pods = factory.informer("pods")
        self.leases = factory.informer("leases")
        self.nodes.add_handlers(on_add=self.enqueue, on_update=lambda old, new: self.enqueue(new),
                                on_delete=self.on_node_deleted)
        self.health: dict[str, NodeHealth] = {}
        self.written: dict[str, dict] = {}   # the Nodes we wrote last (our cache may not have them yet)
        self.zone_states: dict[str, str] = {}
        self.tainters: dict[str, ZoneTainter] = {}
        self.disruption_mode = False       # every zone fully down: taint nothing
        self._monitor = self.clock.call_later(self.config.node_monitor_period, self._monitor_tick, daemon=True)
        self._pass_timer = None

    def on_node_deleted(self, node: dict) -> None:
        name = meta.name(node)
        self.health.pop(name, None)
        self.written.pop(name, None)
        for tainter in self.tainters.values():
            tainter.remove(name)

    # -- NoSchedule taints follow the conditions (on every Node change) -----------------------
    def sync(self, key: str) -> None:
        node = self._newest(key)
        if node is None:
            return
        wanted = []
        for condition in (node.get("status") or {}).get("conditions") or []:
            taint_key = NO_SCHEDULE_TAINTS.get(condition.get("type"), {}).get(condition.get("status"))
            if taint_key:
                wanted.append(taint_key)
        if (node.get("spec") or {}).get("unschedulable"):
            wanted.append(UNSCHEDULABLE)
        taints = (node.get("spec") or {}).get("taints") or []
        ours = [t for t in taints if t.get("effect") == "NoSchedule" and t.get("key") in CONTROLLER_TAINT_KEYS]
        if sorted(t["key"] for t in ours) == sorted(wanted):
            return
        kept = [t for t in taints if t not in ours]
        kept += [{"key": taint_key, "effect": "NoSchedule"} for taint_key in sorted(wanted)
                 if not any(t["key"] == taint_key for t in ours)] + [t for t in ours if t["key"] in wanted]
        self._write_taints(node, kept)

    # -- the monitor pass (every node-monitor-period) ---------------------------------------
    def _monitor_tick(self) -> None:
        try:
            self.monitor_node_health()
        finally:
            self._monitor = self.clock.call_later(self.config.node_monitor_period, self._monitor_tick,
                                                  daemon=True)

    def monitor_node_health(self) -> None:
        """One pass over every node: health, NotReady reactions, zone states, then tainting."""
        zone_conditions: dict[str, list[str]] = {}
        for cached in self.nodes.list():
            node = self._newest(meta.name(cached))
            zone = zone_key(node)
            if zone not in self.tainters:
                self.tainters[zone] = ZoneTainter(self.config.node_eviction_rate, self.clock.now())
                self.zone_states.setdefault(zone, NORMAL_ZONE)
            try:
                grace, observed, current = self.try_update_node_health(node)
            except ApiError as error:
                self.errors.append((meta.name(node), f"{error.code} {error.reason}: {error.message}"))
                continue
            zone_conditions.setdefault(zone, []).append(current["status"])
            self.process_taint_based_eviction(node, zone, observed)
            if current["status"] != "True" and observed["status"] == "True":
                self.recorder.event(node_reference(node), NORMAL, "NodeNotReady",
                                    f"Node {meta.name(node)} status is now: NodeNotReady")
                self.mark_pods_not_ready(meta.name(node))
        self.handle_disruption(zone_conditions)
        self.no_execute_tainting_pass()

    def try_update_node_health(self, node: dict) -> tuple[float, dict, dict]:
        """(grace period, Ready as the node says, Ready as it is now): Unknown if silent too long."""
        name, now = meta.name(node), self.clock.now()
        ready = conditions.get(node, "Ready")
        if ready is None:   # never reported: judged on the startup grace period, from its creation
            grace = self.config.node_startup_grace_period
            created = node["metadata"].get("creationTimestamp") or rfc3339(now)
            observed = {"type": "Ready", "status": "Unknown", "lastHeartbeatTime": created,
                        "lastTransitionTime": created}
        else:
            grace = self.config.node_monitor_grace_period
            observed = dict(ready)   # a condition is flat: a copy of its fields is a deep one
        health = self.health.get(name)
        heartbeat = observed.get("lastHeartbeatTime") or ""
        if health is None:
            health = self.health[name] = NodeHealth(now, now, heartbeat)
        elif heartbeat != health.heartbeat:
            health.probe_timestamp, health.heartbeat = now, heartbeat
        lease = self.leases.get(f"{LEASE_NAMESPACE}/{name}")
        renew = ((lease or {}).get("spec") or {}).get("renewTime") or ""
        if renew and renew != health.lease_renew_time:
            health.probe_timestamp, health.lease_renew_time = now, renew
        if now <= health.probe_timestamp + grace:
            return grace, observed, observed
        # Silent for longer than the grace period: every condition the kubelet owns is Unknown.
        updated = copy.deepcopy(node)
        current = updated.setdefault("status", {}).setdefault("conditions", [])
        stamp = rfc3339(now)
        for type_ in STATUS_CONDITIONS:
            condition = next((c for c in current if c.get("type") == type_), None)
            if condition is None:
                current.append({"type": type_, "status": "Unknown", "reason": "NodeStatusNeverUpdated",
                                "message": "Kubelet never posted node status.",
                                "lastHeartbeatTime": observed.get("lastHeartbeatTime"),
                                "lastTransitionTime": stamp})
            elif condition.get("status") != "Unknown":
                condition.update({"status": "Unknown", "reason": "NodeStatusUnknown",
                                  "message": "Kubelet stopped posting node status.", "lastTransitionTime": stamp})
        now_ready = next(c for c in current if c["type"] == "Ready")
        if now_ready != ready:
            self._remember(self.client.update_status("nodes", updated))
            health.ready_transition_timestamp = now
        return grace, observed, now_ready

    def mark_pods_not_ready(self, node_name: str) -> None:
        """Every pod on the node: Ready=False (upstream's MarkPodsNotReady)."""
        for pod in self.pods.list():
            if pod["spec"].get("nodeName") != node_name or \
                    (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            ready = conditions.get(pod, "Ready")
            if ready is None or ready.get("status") == "False":
                continue
            updated = copy.deepcopy(pod)
            updated["status"]["conditions"] = conditions.set_condition(
                updated["status"]["conditions"], {"type": "Ready", "status": "False"}, self.clock.now())
            try:
                self.client.update_status("pods", updated)
            except ApiError as error:
                if error.code != 404:
                    self.errors.append((meta.key(pod), f"{error.code} {error.reason}: {error.message}"))
                continue
            self.recorder.event(pod, WARNING, "NodeNotReady", "Node is not ready")

    # -- NoExecute taints, at each zone's rate ------------------------------------------------
    def process_taint_based_eviction(self, node: dict, zone: str, observed: dict) -> None:
        name, status = meta.name(node), observed["status"]
        if status == "True":
            self.tainters[zone].remove(name)
            self.mark_node_as_reachable(node)
            return
        wanted = NOT_READY if status == "False" else UNREACHABLE
        other = UNREACHABLE if wanted == NOT_READY else NOT_READY
        keys = {t.get("key") for t in taints_with_effect(node, "NoExecute")}
        if other in keys:   # the kind of failure changed: swap the taint at once (no rate limit)
            self.swap_taints(node, add=wanted, remove=other)
        elif wanted not in keys:
            self.tainters[zone].add(name)

    def no_execute_tainting_pass(self) -> None:
        """Taint the queued nodes, as fast as each zone's rate allows (upstream: every 100 ms)."""
        now, next_due = self.clock.now(), None
        for zone in sorted(self.tainters):
            tainter = self.tainters[zone]
            while tainter.queue and tainter.try_accept(now):
                name = tainter.queue.pop(0)
                node = self._newest(name)
                ready = conditions.get(node, "Ready") if node else None
                if ready is None or ready.get("status") == "True":
                    continue
                wanted = NOT_READY if ready["status"] == "False" else UNREACHABLE
                try:
                    self.swap_taints(node, add=wanted, remove=UNREACHABLE if wanted == NOT_READY else NOT_READY)
                except ApiError:
                    tainter.queue.insert(0, name)
                    break
            due = tainter.next_accept_in(now)
            if tainter.queue and due is not None:
                next_due = due if next_due is None else min(next_due, due)
        if self._pass_timer is not None:
            self._pass_timer.cancel()
            self._pass_timer = None
        if next_due is not None:
            self._pass_timer = self.clock.call_later(next_due, self.no_execute_tainting_pass)

    def swap_taints(self, node: dict, add: str, remove: str) -> None:
        taints = [t for t in (node.get("spec") or {}).get("taints") or []
                  if not (t.get("effect") == "NoExecute" and t.get("key") in (add, remove))]
        taints.append({"key": add, "effect": "NoExecute", "timeAdded": rfc3339(self.clock.now())})
        self._write_taints(node, taints)

    def mark_node_as_reachable(self, node: dict) -> None:
        taints = (node.get("spec") or {}).get("taints") or []
        kept = [t for t in taints if not (t.get("effect") == "NoExecute" and t.get("key") in (NOT_READY, UNREACHABLE))]
        if len(kept) != len(taints):
            self._write_taints(node, kept)

    def _remember(self, written: dict) -> None:
        self.written[meta.name(written)] = written

    def _newest(self, name: str) -> dict | None:
        """The cached Node, or the one we wrote if the cache has not heard of it yet."""
        cached, ours = self.nodes.get(name), self.written.get(name)
        if ours is None or cached is None:
            return cached
        return ours if int(meta.resource_version(ours)) > int(meta.resource_version(cached)) else cached

    def _write_taints(self, node: dict, taints: list[dict]) -> None:
        """PUT the Node with these taints (409 if someone wrote it meanwhile: the next pass retries)."""
        updated = copy.deepcopy(self._newest(meta.name(node)) or node)
        updated.setdefault("spec", {})["taints"] = taints
        if not taints:
            del updated["spec"]["taints"]
        self._remember(self.client.update("nodes", updated))

    # -- zones ------------------------------------------------------------------------------
    def handle_disruption(self, zone_conditions: dict[str, list[str]]) -> None:
        """Zone states from this pass; each zone's tainting rate follows its state."""
        new_states = {zone: compute_zone_state(statuses, self.config.unhealthy_zone_threshold)
                      for zone, statuses in zone_conditions.items()}
        all_down = bool(new_states) and all(state == FULL_DISRUPTION for state in new_states.values())
        if all_down and not self.disruption_mode:
            # "Controller detected that all Nodes are not-Ready. Entering master disruption mode."
            self.disruption_mode = True
            for node in self.nodes.list():
                self.mark_node_as_reachable(node)
            for tainter in self.tainters.values():
                tainter.set_rate(0, self.clock.now())
                tainter.queue.clear()
            self.zone_states.update(new_states)
            return
        if not all_down and self.disruption_mode:
            # "Controller detected that some Nodes are Ready. Exiting master disruption mode."
            self.disruption_mode = False
            now = self.clock.now()
            for health in self.health.values():   # the silence was ours: count from now
                health.probe_timestamp = health.ready_transition_timestamp = now
            self.zone_states.clear()
        for zone, state in new_states.items():
            if self.disruption_mode:
                break
            if self.zone_states.get(zone) != state or zone not in self.zone_states:
                self.tainters[zone].set_rate(self.zone_rate(state, len(zone_conditions[zone])), self.clock.now())
            self.zone_states[zone] = state

    def zone_rate(self, state: str, zone_size: int) -> float:
        """Nodes per second this zone may taint (upstream's setLimiterInZone)."""
        if state == NORMAL_ZONE or state == FULL_DISRUPTION:
            return self.config.node_eviction_rate
        if zone_size > self.config.large_cluster_size_threshold:
            return self.config.secondary_node_eviction_rate
        return 0.0

    def stop(self) -> None:
        for timer in (self._monitor, self._pass_timer):
            if timer is not None:
                timer.cancel()


def taints_with_effect(node: dict | None, effect: str) -> list[dict]:
    return [t for t in ((node or {}).get("spec") or {}).get("taints") or [] if t.get("effect") == effect]


def node_reference(node: dict) -> dict:
    """Events about a Node name it as their uid, as upstream's nodeutil.RecordNodeStatusChange."""
    return {"kind": "Node", "metadata": {"name": meta.name(node), "uid": meta.name(node)}}


def taint_age(taint: dict, now: float) -> float:
    added = taint.get("timeAdded")
    return now - parse(added) if added else 0.0
