"""The Job controller: run pods until `completions` of them succeed, or give up.

    jobs, pods ──informers──▶ enqueue the Job's key ──▶ sync(key):
        count:   finished pods still carrying the job-tracking finalizer are recorded in
                 status.uncountedTerminatedPods, their finalizer removed, then moved to
                 status.succeeded / status.failed (three steps, each written before the next)
        decide:  podFailurePolicy FailJob, backoffLimit, activeDeadlineSeconds -> FailureTarget;
                 enough successes -> SuccessCriteriaMet; spec.suspend -> Suspended
        act:     a terminal target deletes the active pods, and once none is left running the
                 Job gets Failed or Complete; otherwise create or delete pods towards
                 min(parallelism, completions - succeeded), waiting out the failure backoff
        status:  active, ready, terminating, succeeded, failed, startTime, completionTime,
                 completedIndexes (Indexed), conditions

Invariant: a pod is counted exactly once. Every pod is created with the finalizer
`batch.kubernetes.io/job-tracking`, so it cannot vanish before it is counted; its uid is
written into uncountedTerminatedPods *before* the finalizer goes, and moves to the counters
only after; a status write carries the resourceVersion it was computed from, so a controller
working from a stale Job gets 409 Conflict instead of counting twice. Creates wait for their
pods to be seen (expectations.py), and a sync reads its own last status write when the Job
informer is behind it (kubelab's stand-in for upstream's finalizer expectations and 1 s sync
batching) — so no Job creates more pods than it still needs, and none over-completes, even
when the controller manager is killed between two steps.

As upstream v1.32 (pkg/controller/job/job_controller.go): terminating pods are replaced
(podReplacementPolicy TerminatingOrFailed) unless a podFailurePolicy is set; the Failed and
Complete conditions wait for the last pod to terminate; a new pod after failures waits 10 s,
doubling, at most 6 min; Indexed pods get the completion index annotation and label,
JOB_COMPLETION_INDEX and hostname `<job>-<index>`. Events: SuccessfulCreate, SuccessfulDelete,
Completed, Suspended, Resumed, and a Warning named after a failure's reason
(BackoffLimitExceeded, DeadlineExceeded, PodFailurePolicy). The backoff record lives in memory
and starts again at zero in a new controller manager. Left out: backoffLimitPerIndex,
successPolicy, managedBy (refused by the API server).
"""
from __future__ import annotations

import copy

from ..client import NORMAL, WARNING, ApiError, Controller
from ..objects import meta, selector
from ..objects.timefmt import parse, rfc3339
from .active_pods import pods_to_delete
from .controller_ref_manager import ControllerRefManager, resolve_controller_ref
from .expectations import ControllerExpectations
from .slow_start import slow_start_batch
from .job_pods import pod_from_template
from .job_util import (BACKOFF_LIMIT_EXCEEDED, COMPLETIONS_REACHED, DEADLINE_EXCEEDED, POD_FAILURE_POLICY,
                       TRACKING_FINALIZER, backoff_delay, finished_by_policy, format_indexes,
                       has_condition, has_tracking_finalizer, is_active, is_finished, is_pod_failed, is_ready,
                       is_terminating, job_condition, missing_indexes, only_replace_failed_pods,
                       parse_indexes, past_backoff_limit_on_failure, phase, pod_index)
from .replicaset import CONTROLLER_UID_INDEX, controller_uid_index

BURST = 500
ORPHAN = "orphan-pod:"   # queue keys for pods whose Job is gone: only their finalizer is removed


class JobController(Controller):
    name = "job-controller"
    primary = "jobs"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.expectations = ControllerExpectations(clock)
        self.jobs = factory.informer("jobs")
        self.pods = factory.informer("pods")
        self.pods.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
        self.jobs.add_handlers(self.enqueue, lambda old, new: self.enqueue(new), self.on_job_delete)
        self.pods.add_handlers(self.on_pod_add, self.on_pod_update, self.on_pod_delete)
        self.written: dict[str, dict] = {}                    # key -> the Job as our last status write left it
        self.backoff: dict[str, tuple[int, float]] = {}        # key -> (failures since a success, last failure)

    # -- event handlers ----------------------------------------------------------------
    def on_job_delete(self, job: dict) -> None:
        self.expectations.delete(meta.key(job))
        self.written.pop(meta.key(job), None)
        for pod in self.pods.by_index(CONTROLLER_UID_INDEX, meta.uid(job)):
            if has_tracking_finalizer(pod):
                self.queue.add(ORPHAN + meta.key(pod))

    def owner(self, pod: dict) -> dict | None:
        reference = meta.controller_of(pod)
        if reference is None:
            return None
        return resolve_controller_ref(self.jobs, "Job", meta.namespace(pod), reference)

    def on_pod_add(self, pod: dict) -> None:
        job = self.owner(pod)
        if job is not None:
            self.expectations.creation_observed(meta.key(job))
            self.enqueue(job)
        elif has_tracking_finalizer(pod) and meta.controller_of(pod) is not None:
            self.queue.add(ORPHAN + meta.key(pod))

    def on_pod_update(self, old: dict, new: dict) -> None:
        if meta.resource_version(old) == meta.resource_version(new):
            return
        job = self.owner(new)
        if job is not None:
            if meta.is_being_deleted(new) and not meta.is_being_deleted(old):
                self.expectations.deletion_observed(meta.key(job), meta.key(new))
            self.enqueue(job)
        elif has_tracking_finalizer(new) and meta.controller_of(new) is not None:
            self.queue.add(ORPHAN + meta.key(new))

    def on_pod_delete(self, pod: dict) -> None:
        job = self.owner(pod)
        if job is not None:
            self.expectations.deletion_observed(meta.key(job), meta.key(pod))
            self.enqueue(job)

    # -- reconcile --------------------------------------------------------------------
    def sync(self, key: str) -> None:
        """count finished pods → decide → act → write status. A malformed Job gets an event, not a crash."""
        if key.startswith(ORPHAN):
            return self.release_orphan(key[len(ORPHAN):])
        job = self.freshest(key)
        if job is None:
            self.expectations.delete(key)
            self.backoff.pop(key, None)
            return
        try:
            spec = job["spec"]
            requirements = selector.from_label_selector(spec["selector"])
            int(spec.get("parallelism", 1)), spec["template"]["spec"]["containers"][0]
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
            self.recorder.event(job, WARNING, "FailedSync", f"Error syncing Job: malformed object: {error!r}")
            return   # nothing to do until the object changes (the API server would not store it)
        pods = self.claim(job, requirements)
        if is_finished(job):
            self.remove_finalizers(job, [pod for pod in pods if has_tracking_finalizer(pod)])
            return
        job = self.track_finished_pods(job, pods)
        pods = [pod for pod in self.claim(job, requirements)]
        self.decide_and_act(job, pods)

    def freshest(self, key: str) -> dict | None:
        """The cached Job, or our own last status write when the cache has not caught up with it."""
        cached, mine = self.jobs.get(key), self.written.get(key)
        if cached is None:
            return None
        if mine is not None and meta.uid(mine) == meta.uid(cached) and \
                int(meta.resource_version(mine) or 0) > int(meta.resource_version(cached) or 0):
            return mine
        return cached

    def claim(self, job: dict, requirements) -> list[dict]:
        """Every pod of this Job, in any phase (finished ones are still to be counted)."""
        candidates = self.pods.by_index(CONTROLLER_UID_INDEX, meta.uid(job), f"orphan/{meta.namespace(job)}")
        manager = ControllerRefManager(self.client, job, "pods", requirements,
                                       lambda: self.client.get("jobs", meta.name(job), meta.namespace(job)))
        return manager.claim([pod for pod in candidates if meta.namespace(pod) == meta.namespace(job)])

    def track_finished_pods(self, job: dict, pods: list[dict]) -> dict:
        """Record newly finished pods in uncountedTerminatedPods, remove their finalizer, count them."""
        status = copy.deepcopy(job.get("status") or {})
        uncounted = status.setdefault("uncountedTerminatedPods", {})
        recorded = set(uncounted.get("succeeded") or []) | set(uncounted.get("failed") or [])
        indexed = job["spec"].get("completionMode") == "Indexed"
        done = parse_indexes(status.get("completedIndexes"))
        ignored, changed = [], False
        for pod in pods:
            if not has_tracking_finalizer(pod) or meta.uid(pod) in recorded:
                continue
            if phase(pod) == "Succeeded":
                index = pod_index(pod)
                if indexed and (index is None or index in done or index >= job["spec"]["completions"]):
                    ignored.append(pod)     # a second success for one index counts once
                    continue
                uncounted.setdefault("succeeded", []).append(meta.uid(pod))
                done |= {index} if indexed else set()
                self.backoff[meta.key(job)] = (0, self.clock.now())
            elif is_pod_failed(job, pod):
                if phase(pod) != "Failed" and (job["spec"].get("suspend") or has_condition(job, "SuccessCriteriaMet")):
                    ignored.append(pod)     # deleted by us on purpose, not a failure
                    continue
                action, message = finished_by_policy(job, pod)
                if action == "Ignore":
                    ignored.append(pod)     # not counted against backoffLimit
                    continue
                uncounted.setdefault("failed", []).append(meta.uid(pod))
                failures, _ = self.backoff.get(meta.key(job), (0, 0.0))
                self.backoff[meta.key(job)] = (failures + 1, self.clock.now())
                if action == "FailJob" and not has_condition(job, "FailureTarget"):
                    status["conditions"] = list(status.get("conditions") or []) + [
                        job_condition("FailureTarget", "True", POD_FAILURE_POLICY, message, self.clock.now())]
            else:
                continue
            changed = True
        if indexed:
            status["completedIndexes"] = format_indexes(done)
        if changed:
            job = self.write_status(job, status)           # 1: the uids are safe in the Job
        by_uid = {meta.uid(pod): pod for pod in pods}
        pending = set(uncounted.get("succeeded") or []) | set(uncounted.get("failed") or [])
        self.remove_finalizers(job, [by_uid[uid] for uid in pending if uid in by_uid] + ignored)   # 2
        status = copy.deepcopy(job.get("status") or {})
        uncounted = status.setdefault("uncountedTerminatedPods", {})
        for outcome in ("succeeded", "failed"):
            uids = uncounted.pop(outcome, None) or []
            if uids:
                status[outcome] = status.get(outcome, 0) + len(uids)
        if status != job.get("status"):
            job = self.write_status(job, status)           # 3: counted
        return job

    def decide_and_act(self, job: dict, pods: list[dict]) -> None:
        key, spec, now = meta.key(job), job["spec"], self.clock.now()
        status = copy.deepcopy(job.get("status") or {})
        status.setdefault("uncountedTerminatedPods", {})
        active = [pod for pod in pods if is_active(pod)]
        terminating = [pod for pod in pods if is_terminating(pod)]
        succeeded, failed = status.get("succeeded", 0), status.get("failed", 0)
        completions, indexed = spec.get("completions"), spec.get("completionMode") == "Indexed"
        done = parse_indexes(status.get("completedIndexes")) if indexed else set()
        conditions = list(status.get("conditions") or [])
        types = {c["type"] for c in conditions if c.get("status") == "True"}
        if not spec.get("suspend") and not status.get("startTime"):
            status["startTime"] = rfc3339(now)
        target = next((c for c in conditions if c["type"] in ("FailureTarget", "SuccessCriteriaMet")
                       and c.get("status") == "True"), None)
        if target is None:
            reason = None
            if failed > spec.get("backoffLimit", 6) or past_backoff_limit_on_failure(job, pods):
                reason = BACKOFF_LIMIT_EXCEEDED
            elif self.past_active_deadline(job, status, now):
                reason = DEADLINE_EXCEEDED
            elif (len(done) == completions) if indexed else \
                    (succeeded >= completions if completions is not None else succeeded > 0 and not active):
                target = job_condition("SuccessCriteriaMet", "True", *COMPLETIONS_REACHED, now)
            if reason is not None:
                target = job_condition("FailureTarget", "True", *reason, now)
            if target is not None:
                conditions.append(target)
        if target is not None:
            self.delete_pods(job, active)                   # a decided Job keeps no pod running
            terminating += active
            active = []
            if not terminating:
                final = "Complete" if target["type"] == "SuccessCriteriaMet" else "Failed"
                conditions.append(job_condition(final, "True", target["reason"], target["message"], now))
                if final == "Complete":
                    status["completionTime"] = rfc3339(now)
                    self.recorder.event(job, NORMAL, "Completed", "Job completed")
                else:
                    self.recorder.event(job, WARNING, target["reason"], target["message"])
        elif spec.get("suspend"):
            self.delete_pods(job, active)
            terminating, active = terminating + active, []
            if "Suspended" not in types:
                conditions = [c for c in conditions if c["type"] != "Suspended"] + [
                    job_condition("Suspended", "True", "JobSuspended", "Job suspended", now)]
                self.recorder.event(job, NORMAL, "Suspended", "Job suspended")
        else:
            if "Suspended" in types:
                conditions = [c for c in conditions if c["type"] != "Suspended"] + [
                    job_condition("Suspended", "False", "JobResumed", "Job resumed", now)]
                status["startTime"] = rfc3339(now)          # the deadline counts from the resume
                self.recorder.event(job, NORMAL, "Resumed", "Job resumed")
            if self.expectations.satisfied(key):
                active = self.manage_pods(job, active, terminating, succeeded, done)
            if spec.get("activeDeadlineSeconds") is not None:
                left = parse(status["startTime"]) + spec["activeDeadlineSeconds"] - now
                self.queue.add_after(key, max(left, 0) + 0.001)
        status.update({"active": len(active), "ready": sum(1 for pod in active if is_ready(pod)),
                       "terminating": len(terminating), "conditions": conditions})
        for field in ("active", "conditions"):
            if not status[field]:
                del status[field]                           # omitempty (ready and terminating are pointers)
        if status != job.get("status"):
            self.write_status(job, status)

    def past_active_deadline(self, job: dict, status: dict, now: float) -> bool:
        deadline = job["spec"].get("activeDeadlineSeconds")
        return deadline is not None and bool(status.get("startTime")) and \
            now - parse(status["startTime"]) >= deadline

    def manage_pods(self, job: dict, active: list[dict], terminating: list[dict], succeeded: int,
                    done: set[int]) -> list[dict]:
        """Create or delete pods towards the number still wanted; returns the pods left active."""
        key, spec = meta.key(job), job["spec"]
        parallelism, completions = spec.get("parallelism", 1), spec.get("completions")
        indexed = spec.get("completionMode") == "Indexed"
        if completions is None:
            want = len(active) if succeeded > 0 else parallelism
        else:
            want = max(0, min(parallelism, completions - (len(done) if indexed else succeeded)))
        counted = active + (terminating if only_replace_failed_pods(job) else [])
        extra = self.surplus(job, active, want, done) if indexed else \
            pods_to_delete(active, active, max(0, len(counted) - want), self.clock.now()) \
            if len(counted) > want else []
        if extra:
            self.delete_pods(job, extra)
            return [pod for pod in active if pod not in extra]
        missing = min(want - len(counted), BURST)
        if missing <= 0:
            return active
        failures, last_failure = self.backoff.get(key, (0, 0.0))
        wait = last_failure + backoff_delay(failures) - self.clock.now()
        if wait > 0:
            self.queue.add_after(key, wait)
            return active
        indexes = missing_indexes(completions, done, {pod_index(pod) for pod in counted}, missing) \
            if indexed else [None] * missing
        self.expectations.expect_creations(key, len(indexes))
        self.clock.call_later(self.expectations.wake_after_expiry(), self.enqueue, key, daemon=True)
        created: list[dict] = []
        try:   # in slow-start batches of 1, 2, 4, … (slow_start.py)
            _, error = slow_start_batch(len(indexes), lambda i: created.append(self.create_pod(job, indexes[i])))
        finally:
            for _ in range(len(indexes) - len(created)):
                self.expectations.creation_observed(key)   # failed or never made: never seen
        if error is not None:
            raise error
        return active + created

    def surplus(self, job: dict, active: list[dict], want: int, done: set[int]) -> list[dict]:
        """Indexed: pods of a finished, out-of-range or duplicated index, then the highest indexes."""
        seen, extra, keep = set(), [], []
        for pod in sorted(active, key=lambda pod: (pod_index(pod) is None, pod_index(pod) or 0, meta.name(pod))):
            index = pod_index(pod)
            if index is None or index in done or index >= job["spec"]["completions"] or index in seen:
                extra.append(pod)
            else:
                seen.add(index)
                keep.append(pod)
        return extra + keep[want:]

    # -- writes -----------------------------------------------------------------------
    def create_pod(self, job: dict, index: int | None) -> dict:
        try:
            created = self.client.create("pods", pod_from_template(job, index), meta.namespace(job))
        except ApiError as error:
            self.recorder.event(job, WARNING, "FailedCreate", f"Error creating: {error.message}")
            raise
        self.recorder.event(job, NORMAL, "SuccessfulCreate", f"Created pod: {meta.name(created)}")
        return created

    def delete_pods(self, job: dict, pods: list[dict]) -> None:
        if not pods:
            return
        self.expectations.expect_deletions(meta.key(job), [meta.key(pod) for pod in pods])
        for pod in pods:
            try:
                self.client.delete("pods", meta.name(pod), meta.namespace(pod))
            except ApiError as error:
                self.expectations.deletion_observed(meta.key(job), meta.key(pod))
                if error.code != 404:
                    self.recorder.event(job, WARNING, "FailedDelete", f"Error deleting: {error.message}")
                    raise
                continue
            self.recorder.event(job, NORMAL, "SuccessfulDelete", f"Deleted pod: {meta.name(pod)}")

    def remove_finalizers(self, job: dict | None, pods: list[dict]) -> None:
        for pod in pods:
            if not has_tracking_finalizer(pod):
                continue
            rest = [f for f in pod["metadata"].get("finalizers") or [] if f != TRACKING_FINALIZER]
            try:
                self.client.patch("pods", meta.name(pod), {"metadata": {"finalizers": rest or None}},
                                  meta.namespace(pod))
            except ApiError as error:
                if error.code != 404:
                    raise

    def write_status(self, job: dict, status: dict) -> dict:
        """PUT jobs/status with the resourceVersion the status was computed from (409 if stale)."""
        updated = copy.deepcopy(job)
        updated["status"] = status
        written = self.client.update_status("jobs", updated)
        self.written[meta.key(job)] = written
        return written

    def release_orphan(self, pod_key: str) -> None:
        """A pod whose Job is gone (or finished) keeps no finalizer: it has been counted or never will."""
        namespace, _ = meta.split_key(pod_key)
        pod = self.pods.get(pod_key)   # the cache: the job-controller role may list and watch pods, not get them
        if pod is None or not has_tracking_finalizer(pod):
            return
        reference = meta.controller_of(pod) or {}
        try:
            job = self.client.get("jobs", reference.get("name", ""), namespace)
            if meta.uid(job) == reference.get("uid") and not is_finished(job):
                return self.enqueue(job)
        except ApiError as error:
            if error.code != 404:
                raise
        self.remove_finalizers(None, [pod])
