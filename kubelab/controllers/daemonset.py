"""The DaemonSet controller: one pod on every eligible node, no more, no fewer.

    daemonsets, pods, nodes ──informers──▶ enqueue the DaemonSet's key ──▶ sync(key):
        the revision of today's template (history.py: a ControllerRevision per template)
        claim pods; group them by the node each is for (daemon_pods.target_node)
        if expectations are satisfied:
            manage: a pod where one should run and none does; none where none should;
                    failed pods deleted (with backoff); extra pods on a node deleted
            else, if nothing was done: a rolling update step (maxUnavailable / maxSurge)
        prune old revisions; write status

Invariant: at most one non-terminating pod per node carries the DaemonSet's controller
reference, except during a maxSurge update, when a node briefly holds an old and a new one.
A new node is an informer event like any other: every DaemonSet is looked at again, so a
joining node gets its pods and a tainted or relabelled one loses them. Daemon pods are placed
by the default scheduler (their node affinity names one node); pods for a node that no longer
exists are deleted here if unscheduled and by the pod GC if bound.

The rolling update is upstream's (pkg/controller/daemon/update.go, v1.32): with maxSurge 0,
old pods are deleted while fewer than maxUnavailable nodes lack an available pod (an old pod
that is not available may always go); with maxSurge > 0, a new pod is started beside the old
one on up to maxSurge nodes and the old one deleted once the new one is available. OnDelete
replaces a pod only when someone deletes it. Events use upstream's words ("Created pod: X",
"Deleted pod: X", "Found failed daemon pod ns/x on node n, will try to kill it").
"""
from __future__ import annotations

import math

from ..client import NORMAL, WARNING, ApiError, Controller, EventRecorder
from ..objects import meta, selector
from . import daemon_pods, history
from .active_pods import is_available, is_ready
from .controller_ref_manager import ControllerRefManager, resolve_controller_ref
from .expectations import ControllerExpectations
from .slow_start import slow_start_batch
from .replicaset import CONTROLLER_UID_INDEX, controller_uid_index

FAILED_POD_BACKOFF, MAX_FAILED_POD_BACKOFF = 1.0, 900.0   # upstream's failedPodsBackoff


def scaled_value(value, total: int) -> int:
    """An int-or-percent against `total`, rounding up (GetScaledValueFromIntOrPercent)."""
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(int(value[:-1]) * total / 100)
    return int(value or 0)


class DaemonSetsController(Controller):
    name = "daemon-set-controller"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        # its service account is daemon-set-controller; its events say daemonset-controller (as upstream's)
        self.recorder = EventRecorder(client, clock, "daemonset-controller")
        self.expectations = ControllerExpectations(clock)
        self.failed_backoff: dict[str, tuple[float, float]] = {}   # "ds-key/node" -> (delay, not before)
        self.daemonsets = factory.informer("daemonsets")
        self.pods = factory.informer("pods")
        self.nodes = factory.informer("nodes")
        self.revisions = factory.informer(history.RESOURCE)
        self.pods.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
        self.daemonsets.add_handlers(self.enqueue, lambda old, new: self.enqueue(new), self.on_daemonset_delete)
        self.pods.add_handlers(self.on_pod_add, self.on_pod_update, self.on_pod_delete)
        self.nodes.add_handlers(self.on_node_change, self.on_node_update, self.on_node_change)

    # -- event handlers ---------------------------------------------------------------
    def on_daemonset_delete(self, daemonset: dict) -> None:
        self.expectations.delete(meta.key(daemonset))
        self.enqueue(daemonset)

    def owner_of(self, pod: dict) -> dict | None:
        reference = meta.controller_of(pod)
        return None if reference is None else \
            resolve_controller_ref(self.daemonsets, "DaemonSet", meta.namespace(pod), reference)

    def on_pod_add(self, pod: dict) -> None:
        owner = self.owner_of(pod)
        if owner is not None:
            self.expectations.creation_observed(meta.key(owner))
            self.enqueue(owner)
        elif meta.controller_of(pod) is None:
            for daemonset in self.daemonsets.list(meta.namespace(pod)):
                if selector.label_selector_matches(daemonset["spec"].get("selector"), meta.labels(pod)):
                    self.enqueue(daemonset)   # an orphan it may adopt

    def on_pod_update(self, old: dict, new: dict) -> None:
        owner = self.owner_of(new) or self.owner_of(old)
        if owner is None:
            return
        self.enqueue(owner)
        min_ready_seconds = owner["spec"].get("minReadySeconds", 0)
        if min_ready_seconds and not is_ready(old) and is_ready(new):
            self.queue.add_after(meta.key(owner), min_ready_seconds + 1)   # to count it available

    def on_pod_delete(self, pod: dict) -> None:
        owner = self.owner_of(pod)
        if owner is not None:
            self.expectations.deletion_observed(meta.key(owner), meta.key(pod))
            self.enqueue(owner)

    def on_node_change(self, node: dict) -> None:
        for daemonset in self.daemonsets.list():
            self.enqueue(daemonset)

    def on_node_update(self, old: dict, new: dict) -> None:
        if meta.labels(old) != meta.labels(new) or \
                (old.get("spec") or {}).get("taints") != (new.get("spec") or {}).get("taints"):
            self.on_node_change(new)

    # -- reconcile --------------------------------------------------------------------
    def sync(self, key: str) -> None:
        """get → revision → claim → manage or roll → prune history → status."""
        daemonset = self.daemonsets.get(key)
        if daemonset is None:
            self.expectations.delete(key)
            return
        if meta.is_being_deleted(daemonset):
            return   # the garbage collector removes its pods
        try:
            revision, revisions = history.sync_revision(self.client, self.revisions, daemonset)
        except history.Collision:
            self.bump_collision_count(daemonset)
            raise ApiError(409, "Conflict", f"hash collision for daemon set {meta.name(daemonset)}") from None
        revision_hash = meta.labels(revision)[history.HASH_LABEL]
        nodes = self.nodes.list()
        by_node = self.claimed_pods_by_node(daemonset)
        if self.expectations.satisfied(key):
            acted = self.manage(daemonset, nodes, by_node, revision_hash)
            update = daemonset["spec"].get("updateStrategy") or {}
            if not acted and update.get("type", "RollingUpdate") == "RollingUpdate":
                self.rolling_update(daemonset, nodes, by_node, revision_hash)
        live = {f"{meta.name(daemonset)}-{meta.labels(pod).get(history.HASH_LABEL)}"
                for pods in by_node.values() for pod in pods}
        history.truncate(self.client, revisions, live | {meta.name(revision)},
                         daemonset["spec"].get("revisionHistoryLimit", 10))
        self.update_status(daemonset, nodes, by_node, revision_hash)

    def claimed_pods_by_node(self, daemonset: dict) -> dict[str, list[dict]]:
        """The DaemonSet's pods (after adoption and release), by the node each is for."""
        candidates = [pod for pod in self.pods.by_index(CONTROLLER_UID_INDEX, meta.uid(daemonset),
                                                        f"orphan/{meta.namespace(daemonset)}")
                      if meta.namespace(pod) == meta.namespace(daemonset)]
        manager = ControllerRefManager(
            self.client, daemonset, "pods", selector.from_label_selector(daemonset["spec"].get("selector")),
            lambda: self.client.get("daemonsets", meta.name(daemonset), meta.namespace(daemonset)))
        by_node: dict[str, list[dict]] = {}
        for pod in manager.claim(candidates):
            by_node.setdefault(daemon_pods.target_node(pod) or "", []).append(pod)
        return by_node

    def manage(self, daemonset: dict, nodes: list[dict], by_node: dict[str, list[dict]],
               revision_hash: str) -> bool:
        """Create and delete pods so each node has the pod it should; True if anything was done."""
        needing, doomed = [], []
        for node in nodes:
            should_run, may_continue = daemon_pods.should_run(daemonset, node)
            pods = [pod for pod in by_node.get(meta.name(node), []) if not meta.is_being_deleted(pod)]
            if not may_continue:
                doomed += pods
                continue
            running = []
            for pod in pods:
                if (pod.get("status") or {}).get("phase") == "Failed":
                    if self.failed_pod_may_go(daemonset, pod, meta.name(node)):
                        doomed.append(pod)
                else:
                    running.append(pod)
            if not running and should_run:
                needing.append(meta.name(node))
            surge = scaled_value(((daemonset["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {})
                                 .get("maxSurge", 0), 1)
            if len(running) > 1 and not surge:   # keep the oldest
                doomed += sorted(running, key=lambda pod: pod["metadata"].get("creationTimestamp", ""))[1:]
        names = {meta.name(node) for node in nodes}
        doomed += [pod for target, pods in by_node.items() if target not in names for pod in pods
                   if not meta.is_being_deleted(pod) and not (pod.get("spec") or {}).get("nodeName")]
        self.sync_nodes(daemonset, doomed, needing, revision_hash)
        return bool(needing or doomed)

    def failed_pod_may_go(self, daemonset: dict, pod: dict, node_name: str) -> bool:
        """Delete a failed pod now, or (backing off, 1 s doubling to 15 min) look again later."""
        backoff_key, now = f"{meta.key(daemonset)}/{node_name}", self.clock.now()
        delay, not_before = self.failed_backoff.get(backoff_key, (0.0, 0.0))
        if now < not_before:
            self.queue.add_after(meta.key(daemonset), not_before - now)
            return False
        delay = min(MAX_FAILED_POD_BACKOFF, delay * 2 if delay else FAILED_POD_BACKOFF)
        self.failed_backoff[backoff_key] = (delay, now + delay)
        self.recorder.event(daemonset, WARNING, "FailedDaemonPod",
                            f"Found failed daemon pod {meta.key(pod)} on node {node_name}, will try to kill it")
        return True

    def rolling_update(self, daemonset: dict, nodes: list[dict], by_node: dict[str, list[dict]],
                       revision_hash: str) -> None:
        """One step of a rolling update within maxUnavailable and maxSurge."""
        desired = sum(1 for node in nodes if daemon_pods.should_run(daemonset, node)[0])
        rolling = (daemonset["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {}
        max_surge = scaled_value(rolling.get("maxSurge", 0), desired)
        max_unavailable = scaled_value(rolling.get("maxUnavailable", 1), desired)
        if max_surge == 0 and max_unavailable == 0:
            max_unavailable = 1
        min_ready, now = daemonset["spec"].get("minReadySeconds", 0), self.clock.now()
        unavailable = surging = 0
        replaceable, candidates, new_nodes, candidate_nodes, doomed = [], [], [], [], []
        for node_name in sorted(by_node):
            pods = [pod for pod in by_node[node_name] if not meta.is_being_deleted(pod)]
            new = [pod for pod in pods if meta.labels(pod).get(daemon_pods.HASH_LABEL) == revision_hash]
            old = [pod for pod in pods if pod not in new]
            if len(new) > 1 or len(old) > 1 or not old:
                if new and not old and not is_available(new[0], min_ready, now):
                    unavailable += 1
                continue
            old_pod, old_available = old[0], is_available(old[0], min_ready, now)
            if max_surge == 0:
                if new:
                    continue
                if not old_available:
                    replaceable.append(old_pod)
                    unavailable += 1
                elif unavailable < max_unavailable:
                    candidates.append(old_pod)
            elif not new:
                if not old_available:
                    new_nodes.append(node_name)
                elif surging < max_surge:
                    candidate_nodes.append(node_name)
            elif not is_available(new[0], min_ready, now):
                surging += 1
            else:
                doomed.append(old_pod)
        if max_surge == 0:
            doomed = replaceable + candidates[:max(0, max_unavailable - unavailable)]
        else:
            new_nodes += candidate_nodes[:max(0, max_surge - surging)]
        self.sync_nodes(daemonset, doomed, new_nodes, revision_hash)

    def create_pod(self, daemonset: dict, node_name: str, revision_hash: str) -> dict:
        """The daemon pod for one node, with its event (FailedCreate when refused)."""
        try:
            created = self.client.create("pods", daemon_pods.new_pod(daemonset, node_name, revision_hash),
                                         meta.namespace(daemonset))
        except ApiError as error:
            self.recorder.event(daemonset, WARNING, "FailedCreate", f"Error creating: {error.message}")
            raise
        self.recorder.event(daemonset, NORMAL, "SuccessfulCreate", f"Created pod: {meta.name(created)}")
        return created

    def sync_nodes(self, daemonset: dict, doomed: list[dict], node_names: list[str], revision_hash: str) -> None:
        """Delete `doomed` and create a pod for each node in `node_names`, telling the expectations."""
        key = meta.key(daemonset)
        if not doomed and not node_names:
            return
        self.expectations.expect_creations(key, len(node_names))
        self.expectations.expect_deletions(key, [meta.key(pod) for pod in doomed])
        self.clock.call_later(self.expectations.wake_after_expiry(), self.enqueue, key, daemon=True)
        created: list[dict] = []
        try:   # in slow-start batches of 1, 2, 4, … (slow_start.py)
            _, first_error = slow_start_batch(len(node_names), lambda index: created.append(
                self.create_pod(daemonset, node_names[index], revision_hash)))
        finally:
            for _ in range(len(node_names) - len(created)):
                self.expectations.creation_observed(key)   # failed or never made: never seen
        for pod in doomed:
            try:
                self.client.delete("pods", meta.name(pod), meta.namespace(pod))
                self.recorder.event(daemonset, NORMAL, "SuccessfulDelete", f"Deleted pod: {meta.name(pod)}")
            except ApiError as error:
                self.expectations.deletion_observed(key, meta.key(pod))
                if error.code != 404:
                    self.recorder.event(daemonset, WARNING, "FailedDelete", f"Error deleting: {error.message}")
                    first_error = first_error or error
        if first_error is not None:
            raise first_error

    def bump_collision_count(self, daemonset: dict) -> None:
        fresh = self.client.get("daemonsets", meta.name(daemonset), meta.namespace(daemonset))
        fresh.setdefault("status", {})["collisionCount"] = fresh["status"].get("collisionCount", 0) + 1
        self.client.update_status("daemonsets", fresh)

    def update_status(self, daemonset: dict, nodes: list[dict], by_node: dict[str, list[dict]],
                      revision_hash: str) -> None:
        """Upstream's counts; written only when they changed."""
        status = calculate_status(daemonset, nodes, by_node, revision_hash, self.clock.now())
        if status == daemonset.get("status", {}):
            return
        fresh = self.client.get("daemonsets", meta.name(daemonset), meta.namespace(daemonset))
        fresh["status"] = status
        self.client.update_status("daemonsets", fresh)


def calculate_status(daemonset: dict, nodes: list[dict], by_node: dict[str, list[dict]],
                     revision_hash: str, now: float) -> dict:
    """desired/current/ready/available/updated/misscheduled, as upstream's updateDaemonSetStatus."""
    desired = current = ready = available = updated = misscheduled = 0
    min_ready = daemonset["spec"].get("minReadySeconds", 0)
    for node in nodes:
        should_run, _ = daemon_pods.should_run(daemonset, node)
        pods = [pod for pod in by_node.get(meta.name(node), []) if not meta.is_being_deleted(pod)]
        if should_run:
            desired += 1
            if pods:
                current += 1
                pod = sorted(pods, key=lambda p: p["metadata"].get("creationTimestamp", ""))[0]
                ready += is_ready(pod)
                available += is_available(pod, min_ready, now)
                updated += meta.labels(pod).get(daemon_pods.HASH_LABEL) == revision_hash
        elif pods:
            misscheduled += 1
    status = {"currentNumberScheduled": current, "numberMisscheduled": misscheduled,
              "desiredNumberScheduled": desired, "numberReady": ready}
    for field, value in (("observedGeneration", daemonset["metadata"].get("generation", 0)),
                         ("updatedNumberScheduled", updated), ("numberAvailable", available),
                         ("numberUnavailable", desired - available),
                         ("collisionCount", (daemonset.get("status") or {}).get("collisionCount", 0))):
        if value:
            status[field] = value   # omitempty in the Go type
    return status
