"""The ReplicaSet controller: keep `spec.replicas` pods running, no more, no fewer.

    replicasets, pods ──informers──▶ enqueue the ReplicaSet's key ──▶ sync(key):
        claim pods (adopt orphans that match, release ours that no longer match)
        if expectations are satisfied: create or delete pods to reach spec.replicas
        write status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas

Invariant: the controller counts only *active* pods (not terminating, not finished) that
match `spec.selector` and carry its controller ownerReference, and it never acts for a
ReplicaSet while earlier creates or deletes are still unseen by its informer
(see expectations.py): watch events arrive after the writes that caused them.

Pods come from `spec.template` with generateName "<replicaset>-", the template's labels,
annotations and finalizers, and an ownerReference (controller, blockOwnerDeletion). Scaling
down deletes the least valuable pods first (active_pods.py). Events use upstream's words:
"SuccessfulCreate"/"Created pod: NAME", "SuccessfulDelete"/"Deleted pod: NAME".

Pods are created in doubling "slow start" batches (1, 2, 4, … up to BurstReplicas per sync),
stopping after a batch in which a create failed (slow_start.py); upstream runs a batch in
parallel goroutines, kubelab one create after another in the same order. A sync reads only the pods it could claim: an index of the pod informer by controlling
owner's UID (orphans under "orphan/<namespace>") gives the ReplicaSet's own pods and the
namespace's orphans — the pods owned by other controllers, which claiming skips anyway, are
never looked at (upstream indexes pods by controller UID the same way), so a sync costs its
own pods, not the namespace's.

ReplicationControllers are served by this same code, as upstream's replication manager wraps
the ReplicaSet controller: a subclass names its resource and kind and says how to read its
selector (replicationcontroller.py); everything else is shared.
"""
from __future__ import annotations

import copy

from ..client import NORMAL, WARNING, ApiError, Controller
from ..objects import meta, selector
from ..objects.timefmt import rfc3339
from .active_pods import is_active, is_available, is_ready, pods_to_delete
from .controller_ref_manager import ControllerRefManager, resolve_controller_ref
from .expectations import ControllerExpectations
from .pod_facts import PodFacts, PodFactsCache, read_facts
from .slow_start import slow_start_batch

BURST_REPLICAS = 500  # most pods created or deleted in one sync (upstream's BurstReplicas)
CONTROLLER_UID_INDEX = "controller-uid"   # pods by their controller's UID, orphans by namespace


def controller_uid_index(pod: dict) -> list[str]:
    """Index values of a pod: its controller's UID, or "orphan/<namespace>" if it has none."""
    reference = meta.controller_of(pod)
    return [reference.get("uid", "")] if reference is not None else [f"orphan/{meta.namespace(pod)}"]


class ReplicaSetController(Controller):
    name = "replicaset-controller"
    resource, kind = "replicasets", "ReplicaSet"   # what this controller keeps (a subclass: RCs)
    primary = property(lambda self: self.resource)   # a failed sync is reported on this kind

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.expectations = ControllerExpectations(clock)
        self.pod_facts = PodFactsCache()   # what each pod said last time it was read (pod_facts.py)
        self.replicasets = factory.informer(self.resource)
        self.pods = factory.informer("pods")
        self.pods.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
        self.replicasets.add_handlers(self.on_replicaset_add, self.on_replicaset_update,
                                      self.on_replicaset_delete)
        self.pods.add_handlers(self.on_pod_add, self.on_pod_update, self.on_pod_delete)

    # -- event handlers: only enqueue keys, and record what was observed ----------------
    def on_replicaset_add(self, replicaset: dict) -> None:
        self.enqueue(replicaset)

    def on_replicaset_update(self, old: dict, new: dict) -> None:
        if meta.uid(old) != meta.uid(new):
            self.on_replicaset_delete(old)  # deleted and re-created under the same name
        self.enqueue(new)

    def on_replicaset_delete(self, replicaset: dict) -> None:
        self.expectations.delete(meta.key(replicaset))
        self.pod_facts.forget(replicaset)
        self.enqueue(replicaset)

    def on_pod_add(self, pod: dict) -> None:
        if meta.is_being_deleted(pod):
            self.on_pod_delete(pod)  # seen for the first time already terminating
            return
        reference = meta.controller_of(pod)
        if reference is not None:
            owner = self.resolve_controller_ref(meta.namespace(pod), reference)
            if owner is not None:
                self.expectations.creation_observed(meta.key(owner))
                self.enqueue(owner)
            return
        for owner in self.replicasets_selecting(pod):  # an orphan: who wants to adopt it?
            self.enqueue(owner)

    def on_pod_update(self, old: dict, new: dict) -> None:
        if meta.resource_version(old) == meta.resource_version(new):
            return
        labels_changed = meta.labels(old) != meta.labels(new)
        if meta.is_being_deleted(new):
            self.on_pod_delete(new)  # terminating counts as deleted: replace it now
            if labels_changed:
                self.on_pod_delete(old)
            return
        old_reference, new_reference = meta.controller_of(old), meta.controller_of(new)
        if old_reference and old_reference != new_reference:
            owner = self.resolve_controller_ref(meta.namespace(old), old_reference)
            if owner is not None:
                self.enqueue(owner)
        if new_reference:
            owner = self.resolve_controller_ref(meta.namespace(new), new_reference)
            if owner is not None:
                self.enqueue(owner)
                min_ready_seconds = owner["spec"].get("minReadySeconds", 0)
                if min_ready_seconds and not is_ready(old) and is_ready(new):
                    self.queue.add_after(meta.key(owner), min_ready_seconds + 1)  # to count it available
            return
        if labels_changed or old_reference != new_reference:
            for owner in self.replicasets_selecting(new):
                self.enqueue(owner)

    def on_pod_delete(self, pod: dict) -> None:
        reference = meta.controller_of(pod)
        if reference is None:
            return  # nobody waits for an orphan
        owner = self.resolve_controller_ref(meta.namespace(pod), reference)
        if owner is not None:
            self.expectations.deletion_observed(meta.key(owner), meta.key(pod))
            self.pod_facts.forget_pod(owner, pod)
            self.enqueue(owner)

    def resolve_controller_ref(self, namespace: str, reference: dict) -> dict | None:
        return resolve_controller_ref(self.replicasets, self.kind, namespace, reference)

    def replicasets_selecting(self, pod: dict) -> list[dict]:
        """ReplicaSets in the pod's namespace whose selector matches its labels."""
        return [rs for rs in self.replicasets.list(meta.namespace(pod))
                if selector.label_selector_matches(self.selector_of(rs), meta.labels(pod))]

    @staticmethod
    def selector_of(replicaset: dict) -> dict | None:
        """The owner's selector as a LabelSelector (a ReplicationController's is a plain map)."""
        return replicaset["spec"].get("selector")

    # -- reconcile --------------------------------------------------------------------
    def sync(self, key: str) -> None:
        """get → claim pods → (if expectations allow) create/delete → write status."""
        replicaset = self.replicasets.get(key)
        if replicaset is None:
            self.expectations.delete(key)
            return
        needs_sync = self.expectations.satisfied(key)
        requirements = selector.from_label_selector(self.selector_of(replicaset))
        candidates = self.pods.by_index(CONTROLLER_UID_INDEX, meta.uid(replicaset),   # its pods and
                                        f"orphan/{meta.namespace(replicaset)}")        # the orphans
        facts = self.pod_facts.for_owner(replicaset, self.selector_of(replicaset))
        facts.refresh(candidates)   # each pod read once per version: a sync costs what changed (pod_facts.py)
        manager = ControllerRefManager(
            self.client, replicaset, "pods", requirements,
            lambda: self.client.get(self.resource, meta.name(replicaset), meta.namespace(replicaset)))
        adopted = manager.claim(facts.unclaimed())   # adopt orphans, release strays; ours stay ours
        pods = ClaimedPods(facts, adopted)
        error = None
        if needs_sync and not meta.is_being_deleted(replicaset):
            try:
                self.manage_replicas(pods, replicaset)
            except ApiError as failure:
                error = failure
        self.update_status(replicaset, status_from_counts(replicaset, pods, error, self.clock.now()))
        if error is not None:
            raise error  # back on the queue, with backoff

    def manage_replicas(self, pods, replicaset: dict) -> None:
        """Create or delete pods so that len(pods) becomes spec.replicas."""
        key = meta.key(replicaset)
        diff = len(pods) - replicaset["spec"].get("replicas", 1)
        if diff < 0:
            self.create_pods(replicaset, min(-diff, BURST_REPLICAS))
        elif diff > 0:
            victims = pods_to_delete(list(pods), self.related_pods(replicaset), min(diff, BURST_REPLICAS),
                                     self.clock.now())
            self.expectations.expect_deletions(key, [meta.key(pod) for pod in victims])
            self.wake_after_expiry(key)
            first_error = None
            for pod in victims:
                try:
                    self.delete_pod(replicaset, pod)
                except ApiError as error:
                    self.expectations.deletion_observed(key, meta.key(pod))  # no event will come
                    if error.code != 404 and first_error is None:
                        first_error = error
            if first_error is not None:
                raise first_error

    def create_pods(self, replicaset: dict, count: int) -> None:
        key = meta.key(replicaset)
        self.expectations.expect_creations(key, count)
        self.wake_after_expiry(key)
        created: list[dict] = []
        try:
            _, error = slow_start_batch(count, lambda _: created.append(self.create_pod(replicaset)))
        finally:
            for _ in range(count - len(created)):
                self.expectations.creation_observed(key)  # never attempted or failed: never seen
        if error is not None:
            raise error

    def create_pod(self, replicaset: dict) -> dict:
        """One pod from the template, owned by the ReplicaSet (upstream's GetPodFromTemplate)."""
        template = replicaset["spec"]["template"]
        template_metadata = template.get("metadata") or {}
        metadata = {"generateName": f"{meta.name(replicaset)}-", "namespace": meta.namespace(replicaset),
                    "labels": dict(template_metadata.get("labels") or {}),
                    "ownerReferences": [meta.owner_reference(replicaset)]}
        for field in ("annotations", "finalizers"):
            if template_metadata.get(field):
                metadata[field] = copy.deepcopy(template_metadata[field])
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
               "spec": copy.deepcopy(template.get("spec") or {})}
        try:
            created = self.client.create("pods", pod, meta.namespace(replicaset))
        except ApiError as error:
            self.recorder.event(replicaset, WARNING, "FailedCreate", f"Error creating: {error.message}")
            raise
        self.recorder.event(replicaset, NORMAL, "SuccessfulCreate", f"Created pod: {meta.name(created)}")
        return created

    def delete_pod(self, replicaset: dict, pod: dict) -> None:
        try:
            self.client.delete("pods", meta.name(pod), meta.namespace(pod))
        except ApiError as error:
            if error.code != 404:
                self.recorder.event(replicaset, WARNING, "FailedDelete", f"Error deleting: {error.message}")
            raise
        self.recorder.event(replicaset, NORMAL, "SuccessfulDelete", f"Deleted pod: {meta.name(pod)}")

    def related_pods(self, replicaset: dict) -> list[dict]:
        """Pods of every ReplicaSet with the same controller (a Deployment's siblings), for ranking."""
        owner = meta.controller_of(replicaset)
        family = [rs for rs in self.replicasets.list(meta.namespace(replicaset))
                  if owner is not None and (meta.controller_of(rs) or {}).get("uid") == owner.get("uid")]
        pods: dict[str, dict] = {}
        for rs in family or [replicaset]:
            for pod in self.pods.list(meta.namespace(rs), self.selector_of(rs)):
                pods.setdefault(meta.uid(pod), pod)
        return list(pods.values())

    def wake_after_expiry(self, key: str) -> None:
        """A daemon timer: look again once the expectations could have expired (see expectations.py)."""
        self.clock.call_later(self.expectations.wake_after_expiry(), self.enqueue, key, daemon=True)

    def update_status(self, replicaset: dict, status: dict) -> None:
        """Write status only when it changed (no write in the steady state). The cache may be
        behind a scale by the Deployment controller: on 409, read it fresh and try once more."""
        if status == replicaset.get("status", {}):
            return
        try:   # a new top-level dict: the cached ReplicaSet is never changed (the client sends a copy)
            self.client.update_status(self.resource, {**replicaset, "status": status})
        except ApiError as error:
            if error.code != 409:
                raise
            fresh = self.client.get(self.resource, meta.name(replicaset), meta.namespace(replicaset))
            fresh["status"] = status
            self.client.update_status(self.resource, fresh)


def calculate_status(replicaset: dict, pods: list[dict], error: ApiError | None, now: float) -> dict:
    """The status the ReplicaSet should have, given its claimed active pods (the readable
    reference; a sync counts the same from each pod's PodFacts, read once per pod version)."""
    template_labels = ((replicaset["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
    min_ready_seconds = replicaset["spec"].get("minReadySeconds", 0)
    fully_labeled = sum(1 for pod in pods
                        if all(meta.labels(pod).get(k) == v for k, v in template_labels.items()))
    ready = sum(1 for pod in pods if is_ready(pod))
    available = sum(1 for pod in pods if is_available(pod, min_ready_seconds, now))
    return status_of(replicaset, len(pods), fully_labeled, ready, available, error, now)


def status_from_facts(replicaset: dict, facts: list[PodFacts], error: ApiError | None, now: float) -> dict:
    """calculate_status, counted from the claimed pods' PodFacts."""
    min_ready_seconds = replicaset["spec"].get("minReadySeconds", 0)
    fully_labeled = ready = available = 0
    for fact in facts:
        fully_labeled += fact.fully_labeled
        ready += fact.ready
        available += fact.available(min_ready_seconds, now)
    return status_of(replicaset, len(facts), fully_labeled, ready, available, error, now)


def status_from_counts(replicaset: dict, pods: "ClaimedPods", error: ApiError | None, now: float) -> dict:
    """calculate_status from an owner's kept counts (pod_facts.OwnerPodFacts) and the pods a
    claim just adopted: no pod is looked at again."""
    facts, adopted = pods.facts, pods.adopted
    min_ready_seconds = replicaset["spec"].get("minReadySeconds", 0)
    fully_labeled, ready = facts.fully_labeled, facts.ready
    available = facts.available(min_ready_seconds, now)
    for pod in adopted:
        fact = read_facts(replicaset, facts.requirements, facts.template_labels, pod)
        fully_labeled += fact.fully_labeled
        ready += fact.ready
        available += fact.available(min_ready_seconds, now)
    return status_of(replicaset, len(pods), fully_labeled, ready, available, error, now)


class ClaimedPods:
    """A sync's claimed pods (ours and the just adopted): counted from the facts without being
    listed; listed (in key order, as claiming every candidate returns them) only when scaling
    down must rank them."""

    def __init__(self, facts, adopted: list[dict]):
        self.facts, self.adopted = facts, adopted

    def __len__(self) -> int:
        return len(self.facts.ours) + len(self.adopted)

    def __iter__(self):
        return iter(self.facts.claimed(self.adopted))


def status_of(replicaset: dict, replicas: int, fully_labeled: int, ready: int, available: int,
              error: ApiError | None, now: float) -> dict:
    """The status object from its counts, with upstream's omitempty and ReplicaFailure condition."""
    status = {"replicas": replicas}  # the one count upstream always prints, even when 0
    for field, value in (("fullyLabeledReplicas", fully_labeled), ("readyReplicas", ready),
                         ("availableReplicas", available),
                         ("observedGeneration", replicaset["metadata"].get("generation", 0))):
        if value:
            status[field] = value  # omitempty, as the Go types serialise
    conditions = replica_failure_conditions(replicaset, replicas, error, now)
    if conditions:
        status["conditions"] = conditions
    return status


def replica_failure_conditions(replicaset: dict, replicas: int, error: ApiError | None,
                               now: float) -> list[dict]:
    """ReplicaFailure is True while creates or deletes fail, and goes away when they work again."""
    existing = list(replicaset.get("status", {}).get("conditions") or [])
    failure = next((c for c in existing if c.get("type") == "ReplicaFailure"), None)
    if error is not None and failure is None:
        too_few = replicas < replicaset["spec"].get("replicas", 1)
        return existing + [{"type": "ReplicaFailure", "status": "True",
                            "lastTransitionTime": rfc3339(now),
                            "reason": "FailedCreate" if too_few else "FailedDelete",
                            "message": error.message}]
    if error is None and failure is not None:
        return [c for c in existing if c.get("type") != "ReplicaFailure"]
    return existing
