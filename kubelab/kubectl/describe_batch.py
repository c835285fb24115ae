"""`kubectl describe` for Jobs and CronJobs, as kubectl 1.32's JobDescriber and CronJobDescriber
write them: the Job's counts, times and "Pods Statuses" line from its status; the CronJob's
schedule, policies, job template and active Jobs. Left out: the Pod Failure Policy and
success policy sections (kubectl 1.32 prints none either).
"""
from __future__ import annotations

from kubelab.objects.timefmt import human_duration, parse

from .describe_pod import pod_template
from .describe_writer import Writer, annotations_multiline, events_section, labels_multiline
from .printers import format_selector
from .timestamps import rfc1123z


def _controlled_by(w: Writer, metadata: dict) -> None:
    owner = next((ref for ref in metadata.get("ownerReferences") or [] if ref.get("controller")), None)
    if owner:
        w.line(0, f"Controlled By:\t{owner.get('kind')}/{owner.get('name')}")


def describe_job(client, job: dict, events: list[dict] | None, now: float) -> str:
    metadata, spec, status = job.get("metadata", {}), job.get("spec") or {}, job.get("status") or {}
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    w.line(0, f"Namespace:\t{metadata.get('namespace', '')}")
    w.line(0, f"Selector:\t{format_selector(spec.get('selector')) or '<none>'}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    _controlled_by(w, metadata)
    if spec.get("parallelism") is not None:
        w.line(0, f"Parallelism:\t{spec['parallelism']}")
    w.line(0, f"Completions:\t{spec['completions'] if spec.get('completions') is not None else '<unset>'}")
    for field, title in (("completionMode", "Completion Mode"), ("suspend", "Suspend"), ("backoffLimit", "Backoff Limit"),
                         ("ttlSecondsAfterFinished", "TTL Seconds After Finished")):
        if spec.get(field) is not None:
            value = spec[field]
            w.line(0, f"{title}:\t{str(value).lower() if isinstance(value, bool) else value}")
    if status.get("startTime"):
        w.line(0, f"Start Time:\t{rfc1123z(status['startTime'])}")
    if status.get("completionTime"):
        w.line(0, f"Completed At:\t{rfc1123z(status['completionTime'])}")
    if status.get("startTime") and status.get("completionTime"):
        w.line(0, f"Duration:\t{human_duration(parse(status['completionTime']) - parse(status['startTime']))}")
    if spec.get("activeDeadlineSeconds") is not None:
        w.line(0, f"Active Deadline Seconds:\t{spec['activeDeadlineSeconds']}s")
    counts = f"{status.get('active', 0)} Active"
    if status.get("ready") is not None:
        counts += f" ({status['ready']} Ready)"
    w.line(0, f"Pods Statuses:\t{counts} / {status.get('succeeded', 0)} Succeeded / {status.get('failed', 0)} Failed")
    if spec.get("completionMode") == "Indexed":
        w.line(0, f"Completed Indexes:\t{status.get('completedIndexes') or '<none>'}")
    pod_template(w, spec.get("template"))
    if events is not None:
        events_section(w, events, now)
    return str(w)


def describe_cronjob(client, cronjob: dict, events: list[dict] | None, now: float) -> str:
    metadata, spec, status = cronjob.get("metadata", {}), cronjob.get("spec") or {}, cronjob.get("status") or {}
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    unset = "<unset>"
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    w.line(0, f"Namespace:\t{metadata.get('namespace', '')}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    w.line(0, f"Schedule:\t{spec.get('schedule', '')}")
    w.line(0, f"Concurrency Policy:\t{spec.get('concurrencyPolicy', '')}")
    w.line(0, f"Suspend:\t{unset if spec.get('suspend') is None else str(bool(spec['suspend']))}")
    for field, title in (("successfulJobsHistoryLimit", "Successful Job History Limit"),
                         ("failedJobsHistoryLimit", "Failed Job History Limit")):
        w.line(0, f"{title}:\t{spec[field] if spec.get(field) is not None else unset}")
    deadline = spec.get("startingDeadlineSeconds")
    w.line(0, f"Starting Deadline Seconds:\t{f'{deadline}s' if deadline is not None else unset}")
    w.line(0, f"Selector:\t{format_selector(job_spec['selector']) if job_spec.get('selector') else unset}")
    for field, title in (("parallelism", "Parallelism"), ("completions", "Completions")):
        w.line(0, f"{title}:\t{job_spec[field] if job_spec.get(field) is not None else unset}")
    if job_spec.get("activeDeadlineSeconds") is not None:
        w.line(0, f"Active Deadline Seconds:\t{job_spec['activeDeadlineSeconds']}s")
    pod_template(w, job_spec.get("template"))
    last = status.get("lastScheduleTime")
    w.line(0, f"Last Schedule Time:\t{rfc1123z(last) if last else unset}")
    active = ", ".join(ref.get("name", "") for ref in status.get("active") or [])
    w.line(0, f"Active Jobs:\t{active or '<none>'}")
    if events is not None:
        events_section(w, events, now)
    return str(w)
