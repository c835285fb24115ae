"""Jobs (batch/v1): run pods until enough of them succeed.

    apiVersion: batch/v1
    kind: Job
    metadata: {name: pi}
    spec:
      completions: 1            # successes wanted (defaulted with parallelism to 1 when both are unset)
      parallelism: 1            # pods running at once
      backoffLimit: 6           # failures allowed before the Job fails
      completionMode: NonIndexed   # or Indexed: one success per index 0..completions-1
      template: {spec: {restartPolicy: Never, containers: [...]}}   # OnFailure or Never only

What the API server does, as upstream's pkg/registry/batch/job/strategy.go (v1.32):
defaulting (SetDefaults_Job: completions/parallelism 1, backoffLimit 6, completionMode
NonIndexed, suspend false, manualSelector false, podReplacementPolicy), a *generated selector*
(generateSelector: the template gets `controller-uid`, `batch.kubernetes.io/controller-uid`,
`job-name` and `batch.kubernetes.io/job-name` labels, the selector matches the uid — so a
Job's pods are only ever its own), the Job's own labels copied from the template when it has
none, status cleared on create, and validation with upstream's messages. The generated
selector needs the Job's uid before it is validated: `uid_before_prepare` asks the generic
path to draw it first.

Left out: backoffLimitPerIndex and maxFailedIndexes, successPolicy, managedBy (refused as
fields the server does not model), the elastic-indexed exception to completions being immutable.
"""
from __future__ import annotations

from ...api import errors
from ...objects import selector
from .. import defaults
from ..validation import validate_labels, validate_pod_spec
from .strategy import Strategy

LEGACY_CONTROLLER_UID, CONTROLLER_UID = "controller-uid", "batch.kubernetes.io/controller-uid"
LEGACY_JOB_NAME, JOB_NAME = "job-name", "batch.kubernetes.io/job-name"
COMPLETION_MODES = ["NonIndexed", "Indexed"]
POD_FAILURE_ACTIONS = ["Count", "FailIndex", "FailJob", "Ignore"]
MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000
UNMODELLED = ("backoffLimitPerIndex", "maxFailedIndexes", "successPolicy", "managedBy")


def default_job_spec(spec: dict) -> None:
    """SetDefaults_Job on a spec (a Job's, not a CronJob's template, which upstream leaves alone)."""
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("manualSelector", False)
    policy = spec.get("podFailurePolicy")
    for rule in (policy or {}).get("rules") or []:
        for pattern in rule.get("onPodConditions") or []:
            pattern.setdefault("status", "True")
    spec.setdefault("podReplacementPolicy", "Failed" if policy else "TerminatingOrFailed")


def generate_selector(job: dict) -> None:
    """generateSelector: label the template with the Job's name and uid, select the uid."""
    metadata, spec = job["metadata"], job["spec"]
    labels = spec.setdefault("template", {}).setdefault("metadata", {}).setdefault("labels", {})
    for label in (LEGACY_JOB_NAME, JOB_NAME):
        labels.setdefault(label, metadata.get("name", ""))
    for label in (LEGACY_CONTROLLER_UID, CONTROLLER_UID):
        labels.setdefault(label, metadata.get("uid", ""))
    match_labels = (spec.get("selector") or spec.setdefault("selector", {})).setdefault("matchLabels", {})
    match_labels.setdefault(CONTROLLER_UID, metadata.get("uid", ""))


def validate_job_spec(spec: dict, path: str, uid: str | None = None) -> list[dict]:
    """validateJobSpec: counts, completion mode, selector against template, pod failure policy."""
    causes = []
    for field in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"):
        value = spec.get(field)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            causes.append(errors.invalid_value(f"{path}.{field}", value, "must be greater than or equal to 0"))
    for field in UNMODELLED:
        if spec.get(field) is not None:
            causes.append(errors.forbidden_field(f"{path}.{field}", "kubelab does not model this field"))
    mode = spec.get("completionMode", "NonIndexed")
    if mode not in COMPLETION_MODES:
        causes.append(errors.not_supported(f"{path}.completionMode", mode, COMPLETION_MODES))
    elif mode == "Indexed":
        if spec.get("completions") is None:
            causes.append(errors.cause(f"{path}.completions", "FieldValueRequired",
                                       "Required value: when completion mode is Indexed"))
        if isinstance(spec.get("parallelism"), int) and spec["parallelism"] > MAX_PARALLELISM_FOR_INDEXED_JOB:
            causes.append(errors.invalid_value(f"{path}.parallelism", spec["parallelism"],
                                               "must be less than or equal to 100000 when completion mode is Indexed"))
    template = spec.get("template") or {}
    template_labels = (template.get("metadata") or {}).get("labels") or {}
    if not spec.get("selector"):
        causes.append(errors.required(f"{path}.selector"))
    else:
        try:
            requirements = selector.from_label_selector(spec["selector"])
        except (KeyError, TypeError, ValueError):
            requirements = None
            causes.append(errors.invalid_value(f"{path}.selector", spec["selector"], "invalid label selector"))
        if requirements is not None and not selector.matches(requirements, template_labels):
            causes.append(errors.invalid_value(f"{path}.template.metadata.labels", template_labels,
                                               "`selector` does not match template `labels`"))
        if uid is not None and not spec.get("manualSelector") and \
                (spec["selector"].get("matchLabels") or {}).get(CONTROLLER_UID) != uid:
            causes.append(errors.invalid_value(f"{path}.selector", spec["selector"], "`selector` not auto-generated"))
    causes += validate_labels(template_labels, f"{path}.template.metadata.labels")
    pod_spec = template.get("spec") or {}
    causes += validate_pod_spec(pod_spec, f"{path}.template.spec")
    restart_policy = pod_spec.get("restartPolicy")
    if restart_policy not in ("OnFailure", "Never"):
        causes.append(errors.not_supported(f"{path}.template.spec.restartPolicy", restart_policy, ["OnFailure", "Never"]))
    if spec.get("podFailurePolicy") is not None:
        causes += validate_pod_failure_policy(spec["podFailurePolicy"], f"{path}.podFailurePolicy")
        if restart_policy != "Never":
            causes.append(errors.invalid_value(f"{path}.template.spec.restartPolicy", restart_policy,
                                               'only "Never" is supported when podFailurePolicy is specified'))
    return causes


def validate_pod_failure_policy(policy: dict, path: str) -> list[dict]:
    """validatePodFailurePolicy: each rule one action and exactly one of onExitCodes / onPodConditions."""
    causes = []
    for i, rule in enumerate(policy.get("rules") or []):
        here = f"{path}.rules[{i}]"
        if rule.get("action") not in POD_FAILURE_ACTIONS:
            causes.append(errors.not_supported(f"{here}.action", rule.get("action"), POD_FAILURE_ACTIONS))
        elif rule["action"] == "FailIndex":
            causes.append(errors.forbidden_field(f"{here}.action", "kubelab does not model backoffLimitPerIndex"))
        codes, conditions = rule.get("onExitCodes"), rule.get("onPodConditions")
        if (codes is None) == (conditions is None):
            causes.append(errors.invalid_value(here, "", "specifying one of OnExitCodes and OnPodConditions is required"))
        if codes is not None:
            if codes.get("operator") not in ("In", "NotIn"):
                causes.append(errors.not_supported(f"{here}.onExitCodes.operator", codes.get("operator"), ["In", "NotIn"]))
            values = codes.get("values") or []
            if not values:
                causes.append(errors.invalid_value(f"{here}.onExitCodes.values", values, "at least one value is required"))
            for j, value in enumerate(values):
                if value == 0 and codes.get("operator") == "In":
                    causes.append(errors.invalid_value(f"{here}.onExitCodes.values[{j}]", 0,
                                                       "must not be 0 for the In operator"))
            if values != sorted(set(values)):
                causes.append(errors.invalid_value(f"{here}.onExitCodes.values", values,
                                                   "must be ordered and without duplicates"))
        for j, pattern in enumerate(conditions or []):
            if not pattern.get("type"):
                causes.append(errors.required(f"{here}.onPodConditions[{j}].type"))
            if pattern.get("status") not in ("True", "False", "Unknown"):
                causes.append(errors.not_supported(f"{here}.onPodConditions[{j}].status", pattern.get("status"),
                                                   ["False", "True", "Unknown"]))
    return causes


class JobStrategy(Strategy):
    plural = "jobs"
    uid_before_prepare = True   # generateSelector labels the template with the uid

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        default_job_spec(spec)
        defaults.pod_spec(spec.setdefault("template", {}).setdefault("spec", {}))

    def prepare_for_create(self, obj: dict) -> None:
        obj["status"] = {}   # the job controller's to write
        if not obj["spec"].get("manualSelector"):
            generate_selector(obj)
        template_labels = (obj["spec"]["template"].get("metadata") or {}).get("labels")
        if template_labels and not obj["metadata"].get("labels"):
            obj["metadata"]["labels"] = dict(template_labels)   # SetDefaults_Job

    def validate(self, obj: dict) -> list[dict]:
        return validate_job_spec(obj.get("spec") or {}, "spec", (obj.get("metadata") or {}).get("uid"))

    def validate_update(self, obj: dict, old: dict) -> list[dict]:
        """ValidateJobSpecUpdate: what a running Job may not change."""
        causes = []
        new_spec, old_spec = obj.get("spec") or {}, old.get("spec") or {}
        for field in ("selector", "completions", "completionMode", "podFailurePolicy", "manualSelector"):
            if new_spec.get(field) != old_spec.get(field):
                causes.append(errors.invalid_value(f"spec.{field}", new_spec.get(field), "field is immutable"))
        if new_spec.get("template") != old_spec.get("template"):
            causes.append(errors.invalid_value("spec.template", "", "field is immutable"))
        return causes


STRATEGY = JobStrategy()
