"""The columns of `kubectl get jobs` and `kubectl get cronjobs`, as upstream's printJob and
printCronJob (pkg/printers/internalversion/printers.go, v1.32).

    NAME  STATUS  COMPLETIONS  DURATION  AGE   [CONTAINERS  IMAGES  SELECTOR]
    NAME  SCHEDULE  TIMEZONE  SUSPEND  ACTIVE  LAST SCHEDULE  AGE   [CONTAINERS  IMAGES  SELECTOR]

STATUS is the first that holds of Complete, Failed, Terminating (being deleted), Suspended,
FailureTarget, SuccessCriteriaMet, else Running. COMPLETIONS is "succeeded/completions", or
"succeeded/1 of parallelism" for a Job without completions. DURATION runs from startTime to
completionTime (or to now while it runs).
"""
from __future__ import annotations

from kubelab.objects.timefmt import human_duration, parse

from .timestamps import since


def _true(job: dict, condition_type: str) -> bool:
    return any(c.get("type") == condition_type and c.get("status") == "True"
               for c in (job.get("status") or {}).get("conditions") or [])


def _containers(template: dict) -> list[str]:
    containers = (template.get("spec") or {}).get("containers") or []
    return [",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)]


def _selector(label_selector: dict | None) -> str:
    from .tables import format_selector
    return format_selector(label_selector) if label_selector else "<none>"


def job_status_word(job: dict) -> str:
    if _true(job, "Complete"):
        return "Complete"
    if _true(job, "Failed"):
        return "Failed"
    if (job.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    for condition_type in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if _true(job, condition_type):
            return condition_type
    return "Running"


def job_completions(job: dict) -> str:
    spec, succeeded = job.get("spec") or {}, (job.get("status") or {}).get("succeeded", 0)
    if spec.get("completions") is not None:
        return f"{succeeded}/{spec['completions']}"
    parallelism = spec.get("parallelism") or 0
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def job_duration(job: dict, now: float) -> str:
    status = job.get("status") or {}
    if not status.get("startTime"):
        return ""
    if not status.get("completionTime"):
        return since(status["startTime"], now)
    return human_duration(parse(status["completionTime"]) - parse(status["startTime"]))


def job_row(job: dict, now: float) -> list[str]:
    spec = job.get("spec") or {}
    return [job["metadata"].get("name", ""), job_status_word(job), job_completions(job), job_duration(job, now),
            since(job["metadata"].get("creationTimestamp"), now), *_containers(spec.get("template") or {}),
            _selector(spec.get("selector"))]


def cronjob_row(cronjob: dict, now: float) -> list[str]:
    spec, status = cronjob.get("spec") or {}, cronjob.get("status") or {}
    suspend = spec.get("suspend")
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return [cronjob["metadata"].get("name", ""), spec.get("schedule", ""), spec.get("timeZone") or "<none>",
            "<unset>" if suspend is None else str(bool(suspend)), str(len(status.get("active") or [])),
            since(status["lastScheduleTime"], now) if status.get("lastScheduleTime") else "<none>",
            since(cronjob["metadata"].get("creationTimestamp"), now), *_containers(job_spec.get("template") or {}),
            _selector(job_spec.get("selector"))]


BATCH_TABLES = {
    "jobs": ([("Name", False), ("Status", False), ("Completions", False), ("Duration", False), ("Age", False),
              ("Containers", True), ("Images", True), ("Selector", True)], job_row),
    "cronjobs": ([("Name", False), ("Schedule", False), ("Timezone", False), ("Suspend", False), ("Active", False),
                  ("Last Schedule", False), ("Age", False), ("Containers", True), ("Images", True),
                  ("Selector", True)], cronjob_row),
}
