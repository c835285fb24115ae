"""The Deployment controller: versions of a pod template, each in its own ReplicaSet.

    deployments, replicasets, pods ──informers──▶ enqueue the Deployment's key ──▶ sync(key):
        claim ReplicaSets (adopt the ones the selector matches, release the rest)
        find the *new* ReplicaSet: the one whose template is the Deployment's (ignoring the
            pod-template-hash label); create "<deployment>-<hash>" if there is none
        if only spec.replicas changed (or paused): scale, proportionally during a rollout
        else roll out: RollingUpdate (rolling.py) or Recreate (all old pods gone, then new)
        write status and the Available/Progressing conditions (progress.py)

Invariant: the controller never touches pods. It only sets spec.replicas on ReplicaSets it
controls; the ReplicaSet controller turns that into pods. Every step is recomputed from the
cache, so a sync can run any number of times.

Events use upstream's words: "ScalingReplicaSet" "Scaled up replica set NAME from A to B".
The ReplicaSet's name, labels, selector and annotations (revision, desired-replicas,
max-replicas) are upstream's (k8s.io/kubernetes/pkg/controller/deployment, v1.32).

Real Kubernetes also rolls back through spec.rollbackTo (extensions/v1beta1 only, gone from
apps/v1), and warns about a Deployment whose selector is empty; kubelab's API server
refuses such a selector, so neither is modelled. Upstream writes the revision annotation
through the status subresource; kubelab's status write only takes status, so the controller
updates the annotation on its own.
"""
from __future__ import annotations

import copy

from ..client import NORMAL, WARNING, ApiError, Controller
from ..objects import meta, selector
from . import deployment_util as util
from . import progress, rolling
from .controller_ref_manager import ControllerRefManager, resolve_controller_ref
from .pod_template_hash import LABEL as POD_TEMPLATE_HASH, compute_hash


class DeploymentController(Controller):
    name = "deployment-controller"
    primary = "deployments"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.deployments = factory.informer("deployments")
        self.replicasets = factory.informer("replicasets")
        self.pods = factory.informer("pods")
        self.deployments.add_handlers(self.enqueue, lambda old, new: self.enqueue(new), self.enqueue)
        self.replicasets.add_handlers(self.on_replicaset_add, self.on_replicaset_update,
                                      self.on_replicaset_delete)
        self.pods.add_handlers(on_delete=self.on_pod_delete)

    # -- event handlers -----------------------------------------------------------------
    def on_replicaset_add(self, replicaset: dict) -> None:
        reference = meta.controller_of(replicaset)
        if reference is not None:
            owner = self.resolve_controller_ref(meta.namespace(replicaset), reference)
            if owner is not None:
                self.enqueue(owner)
            return
        for owner in self.deployments_selecting(replicaset):  # an orphan: who adopts it?
            self.enqueue(owner)

    def on_replicaset_update(self, old: dict, new: dict) -> None:
        if meta.resource_version(old) == meta.resource_version(new):
            return
        old_reference, new_reference = meta.controller_of(old), meta.controller_of(new)
        if old_reference and old_reference != new_reference:
            owner = self.resolve_controller_ref(meta.namespace(old), old_reference)
            if owner is not None:
                self.enqueue(owner)
        if new_reference or meta.labels(old) != meta.labels(new) or old_reference != new_reference:
            self.on_replicaset_add(new)

    def on_replicaset_delete(self, replicaset: dict) -> None:
        reference = meta.controller_of(replicaset)
        owner = reference and self.resolve_controller_ref(meta.namespace(replicaset), reference)
        if owner:
            self.enqueue(owner)

    def on_pod_delete(self, pod: dict) -> None:
        """Recreate waits for the last old pod to go: its deletion is worth a look."""
        reference = meta.controller_of(pod)
        if reference is None or reference.get("kind") != "ReplicaSet":
            return
        replicaset = self.replicasets.get(f"{meta.namespace(pod)}/{reference['name']}")
        reference = replicaset and meta.controller_of(replicaset)
        owner = reference and self.resolve_controller_ref(meta.namespace(pod), reference)
        if owner and not util.is_rolling_update(owner):
            self.enqueue(owner)

    def resolve_controller_ref(self, namespace: str, reference: dict) -> dict | None:
        return resolve_controller_ref(self.deployments, "Deployment", namespace, reference)

    def deployments_selecting(self, replicaset: dict) -> list[dict]:
        return [d for d in self.deployments.list(meta.namespace(replicaset))
                if selector.label_selector_matches(d["spec"].get("selector"), meta.labels(replicaset))]

    # -- reconcile --------------------------------------------------------------------
    def sync(self, key: str) -> None:
        """get → claim ReplicaSets → scale or roll out → write status."""
        cached = self.deployments.get(key)
        if cached is None:
            return  # deleted: the garbage collector removes its ReplicaSets
        # Never modify the cache's copy: this sync only ever *replaces* its own top-level
        # metadata and status with what it wrote, so a shallow copy is enough (its nested
        # parts stay the cache's, read-only; a deep copy per sync was most of this controller).
        deployment = dict(cached)
        replicasets = self.claim_replicasets(deployment)
        if meta.is_being_deleted(deployment):
            new, old = self.get_all_replicasets_and_sync_revision(deployment, replicasets, create=False)
            self.sync_deployment_status(old + [new], new, deployment)
            return
        self.check_paused_conditions(deployment)
        if deployment["spec"].get("paused") or self.is_scaling_event(deployment, replicasets):
            self.sync_scaling(deployment, replicasets)
        elif util.is_rolling_update(deployment):
            self.rollout_rolling(deployment, replicasets)
        else:
            self.rollout_recreate(deployment, replicasets)

    def claim_replicasets(self, deployment: dict) -> list[dict]:
        requirements = selector.from_label_selector(deployment["spec"].get("selector"))
        manager = ControllerRefManager(
            self.client, deployment, "replicasets", requirements,
            lambda: self.client.get("deployments", meta.name(deployment), meta.namespace(deployment)))
        return manager.claim(self.replicasets.list(meta.namespace(deployment)))

    def is_scaling_event(self, deployment: dict, replicasets: list[dict]) -> bool:
        """Did only spec.replicas change? (an active ReplicaSet remembers another desired size)"""
        new, old = self.get_all_replicasets_and_sync_revision(deployment, replicasets, create=False)
        for rs in util.active(old + [new]):
            desired = meta.annotations(rs).get(util.DESIRED_REPLICAS)
            if desired is not None and desired != str(util.replicas(deployment)):
                return True
        return False

    # -- strategies ---------------------------------------------------------------------
    def rollout_rolling(self, deployment: dict, replicasets: list[dict]) -> None:
        """One step of a RollingUpdate: grow the new ReplicaSet, else shrink old ones."""
        new, old = self.get_all_replicasets_and_sync_revision(deployment, replicasets, create=True)
        all_replicasets = old + [new]
        if self.reconcile_new_replicaset(all_replicasets, new, deployment) or \
                self.apply(rolling.old_replicasets_scale_down(deployment, all_replicasets,
                                                              util.active(old), new), deployment):
            self.sync_rollout_status(all_replicasets, new, deployment)
            return
        if progress.deployment_complete(deployment, deployment.get("status", {})):
            self.cleanup(old, deployment)
        self.sync_rollout_status(all_replicasets, new, deployment)

    def reconcile_new_replicaset(self, all_replicasets: list[dict], new: dict, deployment: dict) -> bool:
        wanted = util.replicas(deployment)
        if util.replicas(new) == wanted:
            return False
        if util.replicas(new) < wanted:
            wanted = rolling.new_replicaset_replicas(deployment, all_replicasets, new)
        return self.scale_and_record(new, wanted, deployment)[0]

    def rollout_recreate(self, deployment: dict, replicasets: list[dict]) -> None:
        """Recreate: scale every old ReplicaSet to 0, wait for its pods to go, then the new one."""
        new, old = self.get_all_replicasets_and_sync_revision(deployment, replicasets, create=False)
        scaled_down = self.apply([(rs, 0) for rs in util.active(old)], deployment)
        pods = self.pods.list(meta.namespace(deployment), deployment["spec"].get("selector"))
        if scaled_down or util.old_pods_running(old, pods):
            self.sync_rollout_status(old + [new], new, deployment)
            return
        if new is None:
            new, old = self.get_all_replicasets_and_sync_revision(deployment, replicasets, create=True)
        self.scale_and_record(new, util.replicas(deployment), deployment)
        if progress.deployment_complete(deployment, deployment.get("status", {})):
            self.cleanup(old, deployment)
        self.sync_rollout_status(old + [new], new, deployment)

    def sync_scaling(self, deployment: dict, replicasets: list[dict]) -> None:
        """spec.replicas changed (or the Deployment is paused): resize, no rollout step."""
        new, old = self.get_all_replicasets_and_sync_revision(deployment, replicasets, create=False)
        self.scale(deployment, new, old)
        if deployment["spec"].get("paused"):
            self.cleanup(old, deployment)
        self.sync_deployment_status(old + [new], new, deployment)

    def scale(self, deployment: dict, new: dict | None, old: list[dict]) -> None:
        latest = util.find_active_or_latest(new, old)
        if latest is not None:
            self.scale_and_record(latest, util.replicas(deployment), deployment)
        elif util.is_saturated(deployment, new):
            self.apply([(rs, 0) for rs in util.active(old)], deployment)
        elif util.is_rolling_update(deployment):
            for rs, size in rolling.proportional_scale(deployment, new, old):
                self.scale_replicaset(rs, size, deployment, "up" if size > util.replicas(rs) else "down")

    # -- the new ReplicaSet and its revision ---------------------------------------------
    def get_all_replicasets_and_sync_revision(self, deployment: dict, replicasets: list[dict],
                                              create: bool) -> tuple[dict | None, list[dict]]:
        """(new, old): the ReplicaSet of the current template (None if there is none and not
        `create`), and all the others. `replicasets` is kept current with what was written."""
        current = util.find_new_replicaset(deployment, replicasets)
        old = [rs for rs in replicasets if rs is not current]
        new = self.get_new_replicaset(deployment, current, old, create)
        if new is not None and new is not current:
            replicasets[:] = old + [new]  # so a second look in this sync sees what was written
        return new, old

    def get_new_replicaset(self, deployment: dict, existing: dict | None, old: list[dict],
                           create: bool) -> dict | None:
        revision = util.max_revision(old) + 1
        if existing is not None:
            return self.sync_existing_new_replicaset(deployment, existing, revision)
        if not create:
            return None
        new = build_new_replicaset(deployment, old, revision)
        created, already_existed = self.create_replicaset(deployment, new)
        if not already_existed and util.replicas(new) > 0:
            self.recorder.event(deployment, NORMAL, "ScalingReplicaSet",
                                f"Scaled up replica set {meta.name(created)} from 0 to {util.replicas(new)}")
        self.set_revision(deployment, revision)
        if not already_existed and deployment["spec"].get("progressDeadlineSeconds") is not None:
            self.set_progressing(deployment, "True", "NewReplicaSetCreated",
                                 f'Created new replica set "{meta.name(created)}"')
        return created

    def sync_existing_new_replicaset(self, deployment: dict, existing: dict, revision: int) -> dict:
        """Bring the new ReplicaSet's annotations and minReadySeconds up to date, and the
        Deployment's revision up to the new ReplicaSet's."""
        annotations = util.new_replicaset_annotations(deployment, existing, revision, exists=True)
        min_ready_seconds = deployment["spec"].get("minReadySeconds", 0)
        if annotations != meta.annotations(existing) or \
                existing["spec"].get("minReadySeconds", 0) != min_ready_seconds:
            updated = copy.deepcopy(existing)
            updated["metadata"]["annotations"] = annotations
            updated["spec"].pop("minReadySeconds", None)
            if min_ready_seconds:
                updated["spec"]["minReadySeconds"] = min_ready_seconds
            return self.client.update("replicasets", updated)
        self.set_revision(deployment, revision)
        if deployment["spec"].get("progressDeadlineSeconds") is not None and \
                util.get_condition(deployment.get("status", {}), "Progressing") is None:
            self.set_progressing(deployment, "True", "FoundNewReplicaSet",
                                 f'Found new replica set "{meta.name(existing)}"')
        return existing

    def create_replicaset(self, deployment: dict, new: dict) -> tuple[dict, bool]:
        """Create `new`; (the ReplicaSet, whether it already existed). A name taken by
        another template is a hash collision: bump status.collisionCount and try again later."""
        try:
            return self.client.create("replicasets", new), False
        except ApiError as error:
            if error.reason == "AlreadyExists":
                found = self.replicasets.get(meta.key(new))
                if found is None:   # ours, probably, and not in the cache yet (a relist): retry
                    raise           # later, as upstream's lister Get fails; no collision
                if found is not None and (meta.controller_of(found) or {}).get("uid") == meta.uid(deployment) \
                        and util.equal_ignore_hash(found["spec"]["template"], deployment["spec"]["template"]):
                    return found, True
                status = copy.deepcopy(deployment.get("status", {}))
                status["collisionCount"] = status.get("collisionCount", 0) + 1
                self.write_status(deployment, status)
                raise
            message = f'Failed to create new replica set "{meta.name(new)}": {error.message}'
            if deployment["spec"].get("progressDeadlineSeconds") is not None:
                self.set_progressing(deployment, "False", "ReplicaSetCreateError", message)
            self.recorder.event(deployment, WARNING, "ReplicaSetCreateError", message)
            raise

    # -- writing: ReplicaSets' sizes, the Deployment's revision and status ---------------
    def scale_and_record(self, replicaset: dict, size: int, deployment: dict) -> tuple[bool, dict]:
        if util.replicas(replicaset) == size:
            return False, replicaset
        operation = "up" if util.replicas(replicaset) < size else "down"
        return self.scale_replicaset(replicaset, size, deployment, operation)

    def scale_replicaset(self, replicaset: dict, size: int, deployment: dict,
                         operation: str) -> tuple[bool, dict]:
        """Set spec.replicas (and the replicas annotations); the event only if the size moved."""
        wanted = util.replicas_annotations(deployment)
        resize = util.replicas(replicaset) != size
        if not resize and all(meta.annotations(replicaset).get(k) == v for k, v in wanted.items()):
            return False, replicaset
        updated = {**replicaset, "spec": {**replicaset["spec"], "replicas": size},   # the cache's is never changed
                   "metadata": {**replicaset["metadata"], "annotations": {**meta.annotations(replicaset), **wanted}}}
        result = self.client.update("replicasets", updated)
        if resize:
            self.recorder.event(deployment, NORMAL, "ScalingReplicaSet",
                                f"Scaled {operation} replica set {meta.name(replicaset)} "
                                f"from {util.replicas(replicaset)} to {size}")
        return resize, result

    def apply(self, steps: list[rolling.Step], deployment: dict) -> bool:
        """Scale each (replicaset, size) in order; a ReplicaSet named twice is scaled twice."""
        latest: dict[str, dict] = {}
        scaled = False
        for replicaset, size in steps:
            current = latest.get(meta.uid(replicaset), replicaset)
            moved, latest[meta.uid(replicaset)] = self.scale_and_record(current, size, deployment)
            scaled = scaled or moved
        return scaled

    def cleanup(self, old: list[dict], deployment: dict) -> None:
        """Delete the oldest empty ReplicaSets beyond spec.revisionHistoryLimit."""
        for rs in util.history_to_clean_up(old, deployment):
            try:
                self.client.delete("replicasets", meta.name(rs), meta.namespace(rs))
            except ApiError as error:
                if error.code != 404:
                    raise

    def set_revision(self, deployment: dict, revision: int) -> None:
        """The Deployment's revision annotation follows its new ReplicaSet's."""
        if meta.annotations(deployment).get(util.REVISION) == str(revision):
            return
        # An update, not a patch: upstream's system:controller:deployment-controller role may
        # update Deployments but not patch them, and RBAC holds kubelab to the same rules.
        annotated = {**deployment, "metadata": {**deployment["metadata"], "annotations": {
            **meta.annotations(deployment), util.REVISION: str(revision)}}}
        written = self.client.update("deployments", annotated, meta.namespace(deployment))
        deployment["metadata"] = written["metadata"]

    def set_progressing(self, deployment: dict, status: str, reason: str, message: str) -> None:
        updated = copy.deepcopy(deployment.get("status", {}))
        util.set_condition(updated, util.new_condition("Progressing", status, reason, message, self.clock.now()))
        self.write_status(deployment, updated)

    def check_paused_conditions(self, deployment: dict) -> None:
        """Progressing Unknown "DeploymentPaused"/"DeploymentResumed" as spec.paused flips."""
        change = progress.paused_condition(deployment)
        if change is not None:
            self.set_progressing(deployment, "Unknown", *change)

    def sync_deployment_status(self, all_replicasets: list, new: dict | None, deployment: dict) -> None:
        status = progress.calculate_status(all_replicasets, new, deployment, self.clock.now())
        if status != deployment.get("status", {}):
            self.write_status(deployment, status)

    def sync_rollout_status(self, all_replicasets: list, new: dict | None, deployment: dict) -> None:
        """Write status with the Progressing condition; if nothing moved, check the deadline later."""
        now = self.clock.now()
        status = progress.rollout_status(all_replicasets, new, deployment, now)
        if status != deployment.get("status", {}):
            self.write_status(deployment, status)
            return
        wait = progress.seconds_until_deadline(deployment, status, now)
        if wait is not None:  # a daemon timer: a deadline check is not work that keeps settle() going
            self.clock.call_later(max(wait, 1.0), self.enqueue, meta.key(deployment), daemon=True)

    def write_status(self, deployment: dict, status: dict) -> None:
        updated = {**deployment, "status": status}   # new top level: nothing shared is changed
        written = self.client.update_status("deployments", updated)
        deployment["metadata"], deployment["status"] = written["metadata"], written["status"]


def build_new_replicaset(deployment: dict, old: list[dict], revision: int) -> dict:
    """The ReplicaSet for the Deployment's current template, before it is created: named
    and labelled by the pod-template-hash, owned by the Deployment, sized for the strategy."""
    template = copy.deepcopy(deployment["spec"]["template"])
    template_hash = compute_hash(template, deployment.get("status", {}).get("collisionCount"))
    template.setdefault("metadata", {})["labels"] = {
        **(template["metadata"].get("labels") or {}), POD_TEMPLATE_HASH: template_hash}
    rs_selector = copy.deepcopy(deployment["spec"]["selector"])
    rs_selector.setdefault("matchLabels", {})[POD_TEMPLATE_HASH] = template_hash
    new = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
           "metadata": {"name": f"{meta.name(deployment)}-{template_hash}",
                        "namespace": meta.namespace(deployment),
                        "labels": dict(template["metadata"]["labels"]),
                        "ownerReferences": [meta.owner_reference(deployment)]},
           "spec": {"replicas": 0, "selector": rs_selector, "template": template}}
    if deployment["spec"].get("minReadySeconds"):
        new["spec"]["minReadySeconds"] = deployment["spec"]["minReadySeconds"]
    new["spec"]["replicas"] = rolling.new_replicaset_replicas(deployment, old + [new], new)
    new["metadata"]["annotations"] = util.new_replicaset_annotations(deployment, new, revision, exists=False)
    return new
