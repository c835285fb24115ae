"""CronJobs (batch/v1): a Job made from a template on a schedule.

    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: hello}
    spec:
      schedule: "* * * * *"          # 5-field cron, or @hourly, @daily, ...
      timeZone: Etc/UTC              # optional IANA name (the controller manager's zone otherwise: UTC)
      concurrencyPolicy: Allow       # Forbid: skip while one runs; Replace: delete it, start anew
      startingDeadlineSeconds: 200   # a start later than this after its time is missed
      suspend: false
      successfulJobsHistoryLimit: 3
      failedJobsHistoryLimit: 1
      jobTemplate: {spec: {template: {spec: {restartPolicy: OnFailure, containers: [...]}}}}

As upstream's pkg/registry/batch/cronjob/strategy.go and validation (v1.32): defaults
(concurrencyPolicy Allow, suspend false, history limits 3 and 1; the template's pod spec
defaulted, its Job fields not), status cleared on create, names at most 52 characters (the
Job's name adds 11), the schedule parsed with robfig/cron's words, time zones from the IANA
database, and the job template validated as a Job's spec (without a generated selector).
"""
from __future__ import annotations

from ...api import errors
from ...objects import cron
from .. import defaults
from .job import validate_job_spec
from .strategy import Strategy

POLICIES = ["Allow", "Forbid", "Replace"]
MAX_NAME_LENGTH = 52   # validation.CronJobNameMaxLength: 63 - len("-") - 11 digits of the scheduled time


class CronJobStrategy(Strategy):
    plural = "cronjobs"

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
        template = spec.setdefault("jobTemplate", {}).setdefault("spec", {}).setdefault("template", {})
        defaults.pod_spec(template.setdefault("spec", {}))

    def prepare_for_create(self, obj: dict) -> None:
        obj["status"] = {}

    def validate(self, obj: dict) -> list[dict]:
        spec, causes = obj.get("spec") or {}, []
        name = (obj.get("metadata") or {}).get("name", "")
        if len(name) > MAX_NAME_LENGTH:
            causes.append(errors.invalid_value("metadata.name", name, f"must be no more than {MAX_NAME_LENGTH} characters"))
        schedule = spec.get("schedule")
        if not schedule:
            causes.append(errors.required("spec.schedule"))
        else:
            try:
                cron.parse(schedule)
            except cron.CronError as error:
                causes.append(errors.invalid_value("spec.schedule", schedule, str(error)))
            if "TZ" in schedule:
                causes.append(errors.invalid_value("spec.schedule", schedule,
                                                   "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
        time_zone = spec.get("timeZone")
        if time_zone is not None:
            if time_zone == "" or time_zone.lower() == "local":
                causes.append(errors.invalid_value("spec.timeZone", time_zone, "timeZone must be an explicit time "
                                                   "zone as defined in https://www.iana.org/time-zones"))
            else:
                try:
                    cron.zone(time_zone)
                except cron.CronError as error:
                    causes.append(errors.invalid_value("spec.timeZone", time_zone, str(error)))
        if spec.get("concurrencyPolicy") not in POLICIES:
            causes.append(errors.not_supported("spec.concurrencyPolicy", spec.get("concurrencyPolicy"), POLICIES))
        for field in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
            value = spec.get(field)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                causes.append(errors.invalid_value(f"spec.{field}", value, "must be greater than or equal to 0"))
        job_spec = dict((spec.get("jobTemplate") or {}).get("spec") or {})
        job_spec.setdefault("selector", {"matchLabels": {}})   # generated when each Job is made
        causes += [cause for cause in validate_job_spec(job_spec, "spec.jobTemplate.spec")]
        return causes


STRATEGY = CronJobStrategy()
