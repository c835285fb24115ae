"""The TTL-after-finished controller: a finished Job with spec.ttlSecondsAfterFinished is
deleted that many seconds after it finished (upstream's pkg/controller/ttlafterfinished).

    jobs ──informer──▶ enqueue ──▶ sync(key):
        not finished, or no TTL               → nothing
        finished at T (completionTime, else the Complete/Failed condition's time)
        now < T + ttl                         → look again at T + ttl
        else: re-read the Job from the API server (the TTL may have changed) and delete it
              with propagationPolicy Foreground, its pods first

Invariant: a Job is deleted only when the API server's copy, not the cache's, says it expired.
"""
from __future__ import annotations

from ..client import ApiError, Controller
from ..objects import meta
from ..objects.timefmt import parse
from .job_util import is_finished


def finish_time(job: dict) -> float | None:
    status = job.get("status") or {}
    if status.get("completionTime"):
        return parse(status["completionTime"])
    for condition in status.get("conditions") or []:
        if condition.get("type") in ("Complete", "Failed") and condition.get("status") == "True":
            return parse(condition["lastTransitionTime"])
    return None


def expires_in(job: dict, now: float) -> float | None:
    """Seconds until the Job's TTL runs out (<= 0: expired); None when it has none or runs still."""
    ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
    finished = finish_time(job) if is_finished(job) else None
    if ttl is None or finished is None or meta.is_being_deleted(job):
        return None
    return finished + ttl - now


class TTLAfterFinishedController(Controller):
    name = "ttl-after-finished-controller"
    primary = "jobs"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.jobs = factory.informer("jobs")
        self.jobs.add_handlers(self.enqueue, lambda old, new: self.enqueue(new), None)

    def sync(self, key: str) -> None:
        job = self.jobs.get(key)
        if job is None:
            return
        left = expires_in(job, self.clock.now())
        if left is None:
            return
        if left > 0:
            self.queue.add_after(key, left)
            return
        try:
            fresh = self.client.get("jobs", meta.name(job), meta.namespace(job))
            left = expires_in(fresh, self.clock.now())
            if left is None or left > 0:
                return self.enqueue(fresh)
            self.client.delete("jobs", meta.name(job), meta.namespace(job), propagation_policy="Foreground")
        except ApiError as error:
            if error.code != 404:
                raise
