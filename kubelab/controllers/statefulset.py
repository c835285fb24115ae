"""The StatefulSet controller: pods with a name, an order and a disk of their own.

    statefulsets, pods ──informers──▶ enqueue the set's key ──▶ sync(key):
        revisions: the update revision (today's template) and the current one (status)
        claim pods; split them into replicas (ordinals in range) and condemned (the rest)
        1. each replica, lowest ordinal first: create it if missing (its claims first),
           replace it if it failed; OrderedReady waits here until it is Running and Ready
        2. each condemned pod, highest ordinal first: delete it (OrderedReady: one at a time,
           only when every pod before it is healthy)
        3. RollingUpdate: delete the highest-ordinal pod at or above the partition that is not
           at the update revision (one at a time, once all are healthy); its replacement is
           made from the update revision by step 1. OnDelete: nothing (you delete them)
        write status: replicas, readyReplicas, currentReplicas, updatedReplicas,
                      availableReplicas, currentRevision, updateRevision, collisionCount

Invariant: at most one pod per ordinal exists, under its fixed name, so a replacement is the
same identity (hostname, DNS name through the headless Service, claims) on a new pod; with
OrderedReady, pod N is created only when 0..N-1 are Running and Ready, and deleted only when
0..N-1 are. Pods are created one at a time in ordinal order (upstream creates a Parallel set's
pods concurrently; the order it ends in is the same). Events use upstream's words: "create Pod
web-0 in StatefulSet web successful", "delete Pod web-1 in StatefulSet web successful",
"create Claim www-web-0 Pod web-0 in StatefulSet web success".

Claims are read and created straight through the API (no claim informer, so a cluster without
the PersistentVolumeClaim kind still runs every other set). persistentVolumeClaimRetentionPolicy:
whenDeleted Delete makes the set an owner of each claim, whenScaled Delete makes a condemned pod
the owner of its claims just before it is deleted; the garbage collector does the rest.
Left out: maxUnavailable for rolling updates (alpha upstream); a retention policy changed after
the claims were made is not applied to them.
"""
from __future__ import annotations

from ..client import NORMAL, WARNING, ApiError, Controller
from ..objects import meta, selector
from . import history, stateful_pods
from .active_pods import is_available, is_ready
from .controller_ref_manager import ControllerRefManager, resolve_controller_ref
from .replicaset import CONTROLLER_UID_INDEX, controller_uid_index


class StatefulSetController(Controller):
    name = "statefulset-controller"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.statefulsets = factory.informer("statefulsets")
        self.pods = factory.informer("pods")
        self.revisions = factory.informer(history.RESOURCE)
        self.pods.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
        self.statefulsets.add_handlers(self.enqueue, lambda old, new: self.enqueue(new), self.enqueue)
        self.pods.add_handlers(self.on_pod_change, self.on_pod_update, self.on_pod_change)

    def owner_of(self, pod: dict) -> dict | None:
        reference = meta.controller_of(pod)
        return None if reference is None else \
            resolve_controller_ref(self.statefulsets, "StatefulSet", meta.namespace(pod), reference)

    def on_pod_change(self, pod: dict) -> None:
        owner = self.owner_of(pod)
        if owner is not None:
            self.enqueue(owner)
        elif meta.controller_of(pod) is None:
            for statefulset in self.statefulsets.list(meta.namespace(pod)):
                if selector.label_selector_matches(statefulset["spec"].get("selector"), meta.labels(pod)):
                    self.enqueue(statefulset)   # an orphan it may adopt

    def on_pod_update(self, old: dict, new: dict) -> None:
        self.on_pod_change(new)
        owner = self.owner_of(new)
        min_ready_seconds = owner["spec"].get("minReadySeconds", 0) if owner else 0
        if min_ready_seconds and not is_ready(old) and is_ready(new):
            self.queue.add_after(meta.key(owner), min_ready_seconds + 1)   # to count it available

    # -- reconcile --------------------------------------------------------------------
    def sync(self, key: str) -> None:
        statefulset = self.statefulsets.get(key)
        if statefulset is None or meta.is_being_deleted(statefulset):
            return
        try:
            update, revisions = history.sync_revision(self.client, self.revisions, statefulset)
        except history.Collision:
            fresh = self.client.get("statefulsets", meta.name(statefulset), meta.namespace(statefulset))
            fresh.setdefault("status", {})["collisionCount"] = fresh["status"].get("collisionCount", 0) + 1
            self.client.update_status("statefulsets", fresh)
            raise ApiError(409, "Conflict", f"hash collision for stateful set {meta.name(statefulset)}") from None
        current_name = (statefulset.get("status") or {}).get("currentRevision")
        current = next((r for r in revisions if meta.name(r) == current_name), update)
        pods = self.claimed_pods(statefulset)
        self.update_pods(statefulset, pods, current, update)
        live = {stateful_pods.revision_of(pod) for pod in pods} | {meta.name(current), meta.name(update)}
        history.truncate(self.client, revisions, live, statefulset["spec"].get("revisionHistoryLimit", 10))
        self.update_status(statefulset, pods, current, update)

    def claimed_pods(self, statefulset: dict) -> list[dict]:
        """The set's own pods (after adoption and release) whose names are its ordinals."""
        candidates = [pod for pod in self.pods.by_index(CONTROLLER_UID_INDEX, meta.uid(statefulset),
                                                        f"orphan/{meta.namespace(statefulset)}")
                      if meta.namespace(pod) == meta.namespace(statefulset)
                      and stateful_pods.ordinal_of(statefulset, pod) is not None]
        manager = ControllerRefManager(
            self.client, statefulset, "pods", selector.from_label_selector(statefulset["spec"].get("selector")),
            lambda: self.client.get("statefulsets", meta.name(statefulset), meta.namespace(statefulset)))
        return manager.claim(candidates)

    def update_pods(self, statefulset: dict, pods: list[dict], current: dict, update: dict) -> None:
        """Steps 1-3 of the design note; returns as soon as OrderedReady must wait."""
        spec = statefulset["spec"]
        start = (spec.get("ordinals") or {}).get("start", 0)
        wanted = range(start, start + spec.get("replicas", 1))
        by_ordinal = {stateful_pods.ordinal_of(statefulset, pod): pod for pod in pods}
        condemned = sorted((o for o in by_ordinal if o not in wanted), reverse=True)
        monotonic = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
        min_ready, now = spec.get("minReadySeconds", 0), self.clock.now()
        for ordinal in wanted:                                                   # 1
            pod = by_ordinal.get(ordinal)
            if pod is None:
                self.create_pod(statefulset, ordinal, self.revision_for(statefulset, ordinal, current, update))
                if monotonic:
                    return
                continue
            if stateful_pods.is_finished(pod) and not meta.is_being_deleted(pod):
                self.delete_pod(statefulset, pod)
                if monotonic:
                    return
                continue
            if monotonic and not stateful_pods.is_healthy(pod):
                return                                   # wait for it to be Running and Ready
            if monotonic and not is_available(pod, min_ready, now):
                self.queue.add_after(meta.key(statefulset), min_ready)
                return
        unhealthy = [by_ordinal[o] for o in sorted(by_ordinal) if not stateful_pods.is_healthy(by_ordinal[o])]
        for ordinal in condemned:                                                # 2
            pod = by_ordinal[ordinal]
            if meta.is_being_deleted(pod):
                if monotonic:
                    return
                continue
            if monotonic and unhealthy and unhealthy[0] is not pod:
                return                                   # a pod before it is not healthy yet
            self.claims_follow_pod(statefulset, pod, ordinal)
            self.delete_pod(statefulset, pod)
            if monotonic:
                return
        strategy = spec.get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return                                                               # OnDelete
        partition = (strategy.get("rollingUpdate") or {}).get("partition", 0)   # 3
        for ordinal in reversed(wanted):
            pod = by_ordinal.get(ordinal)
            if ordinal < start + partition or pod is None:
                break
            if stateful_pods.revision_of(pod) != meta.name(update) and not meta.is_being_deleted(pod):
                self.delete_pod(statefulset, pod)
                return
            if not stateful_pods.is_healthy(pod):
                return                                   # wait for the last replacement

    @staticmethod
    def revision_for(statefulset: dict, ordinal: int, current: dict, update: dict) -> dict:
        """Below the partition a pod is (re)made at the current revision, else at the update one."""
        strategy = statefulset["spec"].get("updateStrategy") or {}
        start = (statefulset["spec"].get("ordinals") or {}).get("start", 0)
        partition = (strategy.get("rollingUpdate") or {}).get("partition", 0)
        if strategy.get("type", "RollingUpdate") == "RollingUpdate" and ordinal < start + partition:
            return current
        return update

    def create_pod(self, statefulset: dict, ordinal: int, revision: dict) -> None:
        """Its claims (those missing), then the pod, each with its event."""
        set_name, namespace = meta.name(statefulset), meta.namespace(statefulset)
        pod_name = f"{set_name}-{ordinal}"
        for claim in stateful_pods.new_claims(statefulset, ordinal):
            try:
                self.client.get("persistentvolumeclaims", meta.name(claim), namespace)
                continue
            except ApiError as error:
                if error.code != 404:
                    raise
            try:
                self.client.create("persistentvolumeclaims", claim, namespace)
            except ApiError as error:
                self.recorder.event(statefulset, WARNING, "FailedCreate",
                                    f"create Claim {meta.name(claim)} for Pod {pod_name} in StatefulSet "
                                    f"{set_name} failed error: {error.message}")
                raise
            self.recorder.event(statefulset, NORMAL, "SuccessfulCreate",
                                f"create Claim {meta.name(claim)} Pod {pod_name} in StatefulSet {set_name} success")
        template = dict((revision.get("data") or {}).get("spec", {}).get("template") or {})
        template.pop("$patch", None)
        pod = stateful_pods.new_pod(statefulset, template, ordinal, meta.name(revision))
        try:
            self.client.create("pods", pod, namespace)
        except ApiError as error:
            self.recorder.event(statefulset, WARNING, "FailedCreate",
                                f"create Pod {pod_name} in StatefulSet {set_name} failed error: {error.message}")
            raise
        self.recorder.event(statefulset, NORMAL, "SuccessfulCreate",
                            f"create Pod {pod_name} in StatefulSet {set_name} successful")

    def claims_follow_pod(self, statefulset: dict, pod: dict, ordinal: int) -> None:
        """whenScaled: Delete — a condemned pod becomes its claims' owner, so the garbage
        collector deletes them after it (upstream's updateClaimOwnerRefForSetAndPod)."""
        policy = statefulset["spec"].get("persistentVolumeClaimRetentionPolicy") or {}
        if policy.get("whenScaled") != "Delete":
            return
        for claim in stateful_pods.new_claims(statefulset, ordinal):
            try:
                current = self.client.get("persistentvolumeclaims", meta.name(claim), meta.namespace(pod))
            except ApiError as error:
                if error.code == 404:
                    continue
                raise
            references = meta.owner_references(current)
            if any(ref.get("uid") == meta.uid(pod) for ref in references):
                continue
            self.client.patch("persistentvolumeclaims", meta.name(current), {"metadata": {
                "ownerReferences": references + [meta.owner_reference(pod, controller=False)],
                "resourceVersion": meta.resource_version(current)}}, meta.namespace(pod))

    def delete_pod(self, statefulset: dict, pod: dict) -> None:
        set_name = meta.name(statefulset)
        try:
            self.client.delete("pods", meta.name(pod), meta.namespace(pod))
        except ApiError as error:
            if error.code == 404:
                return
            self.recorder.event(statefulset, WARNING, "FailedDelete",
                                f"delete Pod {meta.name(pod)} in StatefulSet {set_name} failed error: {error.message}")
            raise
        self.recorder.event(statefulset, NORMAL, "SuccessfulDelete",
                            f"delete Pod {meta.name(pod)} in StatefulSet {set_name} successful")

    def update_status(self, statefulset: dict, pods: list[dict], current: dict, update: dict) -> None:
        status = calculate_status(statefulset, pods, meta.name(current), meta.name(update), self.clock.now())
        if status == statefulset.get("status", {}):
            return
        fresh = self.client.get("statefulsets", meta.name(statefulset), meta.namespace(statefulset))
        fresh["status"] = status
        self.client.update_status("statefulsets", fresh)


def calculate_status(statefulset: dict, pods: list[dict], current: str, update: str, now: float) -> dict:
    """Upstream's counts over the set's pods; the update becomes current when every pod has it."""
    min_ready = statefulset["spec"].get("minReadySeconds", 0)
    created = [pod for pod in pods if (pod.get("status") or {}).get("phase")]
    counted = [pod for pod in created if not meta.is_being_deleted(pod)]
    ready = sum(1 for pod in counted if stateful_pods.is_running_and_ready(pod))
    available = sum(1 for pod in counted if stateful_pods.is_running_and_ready(pod)
                    and is_available(pod, min_ready, now))
    current_count = sum(1 for pod in counted if stateful_pods.revision_of(pod) == current)
    updated = sum(1 for pod in counted if stateful_pods.revision_of(pod) == update)
    strategy = (statefulset["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
    if strategy == "RollingUpdate" and updated == len(created) == ready:
        current, current_count = update, updated
    status = {"observedGeneration": statefulset["metadata"].get("generation", 0), "replicas": len(created)}
    for field, value in (("readyReplicas", ready), ("currentReplicas", current_count),
                         ("updatedReplicas", updated)):
        if value:
            status[field] = value   # omitempty in the Go type
    status.update({"currentRevision": current, "updateRevision": update,
                   "collisionCount": (statefulset.get("status") or {}).get("collisionCount", 0),
                   "availableReplicas": available})
    return status
