"""The CronJob controller: at each time the schedule names, make one Job from the template.

    cronjobs, jobs ──informers──▶ enqueue the CronJob's key ──▶ sync(key):
        reconcile status.active with the Jobs it owns (finished ones leave: SawCompletedJob,
            lastSuccessfulTime); suspended, or an unparseable schedule or time zone: stop here
        the most recent scheduled time not yet run (since lastScheduleTime, or creation,
            bounded by startingDeadlineSeconds): none → wake at the next one
        too late (after startingDeadlineSeconds)            → MissSchedule
        Forbid and a Job still active                       → JobAlreadyActive, skip
        Replace                                             → delete the active Jobs first
        create Job "<cronjob>-<scheduled time in minutes>"  → SuccessfulCreate, lastScheduleTime
        delete the oldest finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit

Invariant: one scheduled time makes at most one Job — its name is derived from the time, so
a controller that restarts (or a second one) asks the API server for the same name and gets
409 AlreadyExists instead of a duplicate.

As upstream's pkg/controller/cronjob/cronjob_controllerv2.go (v1.32), with its events and
words. Time is the cluster's clock, so in a notebook a `* * * * *` CronJob makes a Job every
virtual minute; the wake-up for the next schedule is a daemon timer (it is not "work still to
do", so `settle` does not wait for it). More than 100 missed times is reported
(TooManyMissedTimes) and the most recent is run, as upstream.
"""
from __future__ import annotations

import copy
import datetime as dt

from ..client import NORMAL, WARNING, ApiError, Controller
from ..objects import cron, meta
from ..objects.timefmt import parse, rfc3339
from .controller_ref_manager import resolve_controller_ref
from .job_util import is_finished
from .replicaset import CONTROLLER_UID_INDEX, controller_uid_index

SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
TOO_MANY_MISSED = 100


class CronJobController(Controller):
    name = "cronjob-controller"
    primary = "cronjobs"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.cronjobs = factory.informer("cronjobs")
        self.jobs = factory.informer("jobs")
        self.jobs.add_indexers({CONTROLLER_UID_INDEX: controller_uid_index})
        self.cronjobs.add_handlers(self.enqueue, lambda old, new: self.enqueue(new), self.enqueue)
        self.jobs.add_handlers(self.on_job, lambda old, new: self.on_job(new), self.on_job)
        self.wakeups: dict[str, float] = {}   # key -> the time a wake-up is already set for

    def on_job(self, job: dict) -> None:
        reference = meta.controller_of(job)
        if reference is not None:
            owner = resolve_controller_ref(self.cronjobs, "CronJob", meta.namespace(job), reference)
            if owner is not None:
                self.enqueue(owner)

    # -- reconcile --------------------------------------------------------------------
    def sync(self, key: str) -> None:
        cronjob = self.cronjobs.get(key)
        if cronjob is None:
            self.wakeups.pop(key, None)
            return
        try:
            spec = cronjob["spec"]
            schedule_text, template = spec["schedule"], spec["jobTemplate"]["spec"]["template"]
        except (KeyError, TypeError) as error:
            self.recorder.event(cronjob, WARNING, "FailedSync", f"Error syncing CronJob: malformed object: {error!r}")
            return
        jobs = [job for job in self.jobs.by_index(CONTROLLER_UID_INDEX, meta.uid(cronjob))
                if meta.namespace(job) == meta.namespace(cronjob)]
        status = copy.deepcopy(cronjob.get("status") or {})
        self.reconcile_active(cronjob, jobs, status)
        try:
            if not meta.is_being_deleted(cronjob) and not spec.get("suspend"):
                self.schedule(cronjob, schedule_text, jobs, status)
        finally:
            self.write_status(cronjob, status)
        self.clean_up_history(cronjob, jobs)

    def reconcile_active(self, cronjob: dict, jobs: list[dict], status: dict) -> None:
        """status.active lists exactly our unfinished Jobs; finished ones are noted once."""
        active = {ref.get("uid"): ref for ref in status.get("active") or []}
        by_uid = {meta.uid(job): job for job in jobs}
        for job in jobs:
            uid = meta.uid(job)
            if is_finished(job):
                if uid in active:
                    del active[uid]
                    condition = "Complete" if _true(job, "Complete") else "Failed"
                    self.recorder.event(cronjob, NORMAL, "SawCompletedJob",
                                        f"Saw completed job: {meta.name(job)}, condition: {condition}")
                completed = (job.get("status") or {}).get("completionTime")
                if completed and (not status.get("lastSuccessfulTime") or
                                  parse(completed) > parse(status["lastSuccessfulTime"])):
                    status["lastSuccessfulTime"] = completed
            elif uid not in active:
                active[uid] = job_reference(job)
        for uid in [uid for uid in active if uid not in by_uid]:
            try:
                self.client.get("jobs", active[uid].get("name", ""), meta.namespace(cronjob))
            except ApiError as error:
                if error.code != 404:
                    raise
                self.recorder.event(cronjob, WARNING, "MissingJob", f"Active job went missing: {active[uid].get('name')}")
                del active[uid]
        status["active"] = sorted(active.values(), key=lambda ref: ref.get("name", ""))
        if not status["active"]:
            del status["active"]

    def schedule(self, cronjob: dict, schedule_text: str, jobs: list[dict], status: dict) -> None:
        spec, now = cronjob["spec"], self.clock.now()
        try:
            tz = cron.zone(spec.get("timeZone"))
        except cron.CronError as error:
            self.recorder.event(cronjob, WARNING, "UnknownTimeZone", f"invalid timeZone: {spec.get('timeZone')!r}: {error}")
            return
        try:
            schedule = cron.parse(schedule_text)
        except cron.CronError as error:
            self.recorder.event(cronjob, WARNING, "UnparseableSchedule", f"unparseable schedule: {schedule_text!r} : {error}")
            return
        scheduled = self.most_recent_schedule_time(cronjob, schedule, tz, status, now)
        self.wake_at(meta.key(cronjob), cron.next_time(schedule, now, tz))
        if scheduled is None:
            return
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None and scheduled + deadline < now:
            moment = dt.datetime.fromtimestamp(scheduled, dt.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
            self.recorder.event(cronjob, WARNING, "MissSchedule", f"Missed scheduled time to start a job: {moment}")
            return
        name = f"{meta.name(cronjob)}-{int(scheduled // 60)}"
        if any(meta.name(job) == name for job in jobs) or \
                any(ref.get("name") == name for ref in status.get("active") or []):
            return   # this time's Job exists already
        if spec.get("concurrencyPolicy") == "Forbid" and status.get("active"):
            self.recorder.event(cronjob, NORMAL, "JobAlreadyActive",
                                "Not starting job because prior execution is running and concurrency policy is Forbid")
            return
        if spec.get("concurrencyPolicy") == "Replace":
            for ref in list(status.get("active") or []):
                self.delete_job(cronjob, ref.get("name", ""))
                status["active"].remove(ref)
            if not status.get("active"):
                status.pop("active", None)
        job = self.create_job(cronjob, name, scheduled, tz)
        if job is not None:
            status.setdefault("active", []).append(job_reference(job))
        status["lastScheduleTime"] = rfc3339(scheduled)

    def most_recent_schedule_time(self, cronjob: dict, schedule: cron.Schedule, tz, status: dict,
                                  now: float) -> float | None:
        """The latest scheduled time in (earliest, now], where earliest is the last one run or creation."""
        earliest = parse(status.get("lastScheduleTime") or cronjob["metadata"]["creationTimestamp"])
        if cronjob["spec"].get("startingDeadlineSeconds") is not None:
            earliest = max(earliest, now - cronjob["spec"]["startingDeadlineSeconds"])
        most_recent, missed, moment = None, 0, cron.next_time(schedule, earliest, tz)
        while moment is not None and moment <= now:
            most_recent, missed = moment, missed + 1
            if missed > TOO_MANY_MISSED:
                self.recorder.event(cronjob, WARNING, "TooManyMissedTimes",
                                    f"too many missed start times: {missed}. Set or decrease "
                                    ".spec.startingDeadlineSeconds or check clock skew")
                moment = cron.next_time(schedule, max(moment, now - 86400), tz)
                while moment is not None and moment <= now:
                    most_recent, moment = moment, cron.next_time(schedule, moment, tz)
                break
            moment = cron.next_time(schedule, moment, tz)
        return most_recent

    def wake_at(self, key: str, moment: float | None) -> None:
        """One daemon timer per CronJob for its next scheduled time (+100 ms, as upstream)."""
        if moment is None or self.wakeups.get(key) == moment:
            return
        self.wakeups[key] = moment
        self.clock.call_later(max(moment - self.clock.now(), 0) + 0.1, self.enqueue, key, daemon=True)

    # -- writes -----------------------------------------------------------------------
    def create_job(self, cronjob: dict, name: str, scheduled: float, tz) -> dict | None:
        template = cronjob["spec"]["jobTemplate"]
        template_metadata = template.get("metadata") or {}
        annotations = dict(template_metadata.get("annotations") or {})
        annotations[SCHEDULED_TIMESTAMP] = dt.datetime.fromtimestamp(scheduled, tz).isoformat().replace("+00:00", "Z")
        job = {"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": name, "namespace": meta.namespace(cronjob),
                            "labels": dict(template_metadata.get("labels") or {}), "annotations": annotations,
                            "ownerReferences": [meta.owner_reference(cronjob)]},
               "spec": copy.deepcopy(template.get("spec") or {})}
        try:
            created = self.client.create("jobs", job, meta.namespace(cronjob))
        except ApiError as error:
            if error.code == 409:
                return None   # made already (by us before a restart): one Job per scheduled time
            self.recorder.event(cronjob, WARNING, "FailedCreate", f"Error creating job: {error.message}")
            raise
        self.recorder.event(cronjob, NORMAL, "SuccessfulCreate", f"Created job {name}")
        return created

    def delete_job(self, cronjob: dict, name: str) -> None:
        try:
            self.client.delete("jobs", name, meta.namespace(cronjob), propagation_policy="Background")
        except ApiError as error:
            if error.code != 404:
                self.recorder.event(cronjob, WARNING, "FailedDelete", f"Deleted job: {error.message}")
                raise
            return
        self.recorder.event(cronjob, NORMAL, "SuccessfulDelete", f"Deleted job {name}")

    def clean_up_history(self, cronjob: dict, jobs: list[dict]) -> None:
        """Keep the newest finished Jobs up to the history limits; delete older ones."""
        for outcome, limit in (("Complete", cronjob["spec"].get("successfulJobsHistoryLimit")),
                               ("Failed", cronjob["spec"].get("failedJobsHistoryLimit"))):
            if limit is None:
                continue
            finished = sorted((job for job in jobs if _true(job, outcome) and not meta.is_being_deleted(job)),
                              key=lambda job: ((job.get("status") or {}).get("startTime") or
                                               job["metadata"].get("creationTimestamp", ""), meta.name(job)))
            for job in finished[:max(len(finished) - limit, 0)]:
                self.delete_job(cronjob, meta.name(job))

    def write_status(self, cronjob: dict, status: dict) -> None:
        if status == (cronjob.get("status") or {}):
            return
        updated = copy.deepcopy(cronjob)
        updated["status"] = status
        self.client.update_status("cronjobs", updated)


def _true(job: dict, condition_type: str) -> bool:
    return any(c.get("type") == condition_type and c.get("status") == "True"
               for c in (job.get("status") or {}).get("conditions") or [])


def job_reference(job: dict) -> dict:
    """An ObjectReference to a Job, as status.active holds them."""
    return {"apiVersion": "batch/v1", "kind": "Job", "name": meta.name(job), "namespace": meta.namespace(job),
            "resourceVersion": meta.resource_version(job), "uid": meta.uid(job)}
