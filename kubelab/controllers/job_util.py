"""The Job controller's pure rules: which pods count, which indexes are done, when a Job fails.

Functions of their inputs only (a Job, its pods, the time), so each can be tested alone and
read beside upstream's pkg/controller/job (v1.32): job_controller.go, indexed_job_utils.go,
pod_failure_policy.go, backoff_utils.go.

    finished_by_policy(job, pod)   a failed pod against spec.podFailurePolicy: FailJob, Ignore or Count
    is_pod_failed(job, pod)        phase Failed, or deleted before it succeeded (TerminatingOrFailed)
    completed_indexes(...)         "0-2,5": the indexes with a success, as status.completedIndexes
    backoff_delay(failures)        10 s doubling per failure since the last success, at most 6 min
    job_condition(...)             a JobCondition as upstream writes one (lastProbeTime too)

What is left out: backoffLimitPerIndex and its FailIndex action, successPolicy, the
JobManagedBy external controllers — the strategy refuses those fields.
"""
from __future__ import annotations

from ..objects import meta
from ..objects.timefmt import rfc3339

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"   # annotation and label
DEFAULT_BACKOFF, MAX_BACKOFF = 10.0, 360.0                      # DefaultJobPodFailureBackOff, MaxJobPodFailureBackOff

# Condition reasons and messages (upstream's batch API constants and job_controller.go).
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")
POD_FAILURE_POLICY = "PodFailurePolicy"


def job_condition(condition_type: str, status: str, reason: str, message: str, now: float) -> dict:
    return {"type": condition_type, "status": status, "lastProbeTime": rfc3339(now),
            "lastTransitionTime": rfc3339(now), "reason": reason, "message": message}


def has_condition(job: dict, condition_type: str) -> bool:
    return any(c.get("type") == condition_type and c.get("status") == "True"
               for c in (job.get("status") or {}).get("conditions") or [])


def is_finished(job: dict) -> bool:
    """Complete or Failed: nothing more will happen to this Job."""
    return has_condition(job, "Complete") or has_condition(job, "Failed")


def phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase", "")


def has_tracking_finalizer(pod: dict) -> bool:
    return TRACKING_FINALIZER in ((pod.get("metadata") or {}).get("finalizers") or [])


def only_replace_failed_pods(job: dict) -> bool:
    """podReplacementPolicy Failed (always, with a podFailurePolicy): terminating pods still count as active."""
    return job["spec"].get("podReplacementPolicy") == "Failed" or bool(job["spec"].get("podFailurePolicy"))


def is_pod_failed(job: dict, pod: dict) -> bool:
    """isPodFailed: phase Failed; or, unless only failed pods are replaced, deleted before it succeeded
    (an orphan that will never reach a phase)."""
    if phase(pod) == "Failed":
        return True
    if only_replace_failed_pods(job):
        return False
    return meta.is_being_deleted(pod) and phase(pod) != "Succeeded"


def is_terminating(pod: dict) -> bool:
    return meta.is_being_deleted(pod) and phase(pod) not in ("Succeeded", "Failed")


def is_active(pod: dict) -> bool:
    return phase(pod) not in ("Succeeded", "Failed") and not meta.is_being_deleted(pod)


def is_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


# -- pod failure policy ---------------------------------------------------------------
def _exit_code_matches(requirement: dict, code: int) -> bool:
    values = requirement.get("values") or []
    return code in values if requirement.get("operator") == "In" else code not in values


def finished_by_policy(job: dict, pod: dict) -> tuple[str | None, str]:
    """The action of the first podFailurePolicy rule a failed pod matches, with upstream's message;
    (None, "") when no rule matches (the failure counts, as with Count)."""
    policy = job["spec"].get("podFailurePolicy")
    if not policy or phase(pod) != "Failed":
        return None, ""
    status = pod.get("status") or {}
    statuses = (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
    for index, rule in enumerate(policy.get("rules") or []):
        action = rule.get("action")
        requirement = rule.get("onExitCodes")
        if requirement is not None:
            for container in statuses:
                if requirement.get("containerName") and requirement["containerName"] != container.get("name"):
                    continue
                terminated = (container.get("state") or {}).get("terminated") or {}
                code = terminated.get("exitCode")
                if code is not None and code != 0 and _exit_code_matches(requirement, code):
                    return action, (f"Container {container.get('name')} for pod {meta.key(pod)} failed with "
                                    f"exit code {code} matching {action} rule at index {index}")
        for pattern in rule.get("onPodConditions") or []:
            for condition in status.get("conditions") or []:
                if condition.get("type") == pattern.get("type") and \
                        condition.get("status") == pattern.get("status", "True"):
                    return action, (f"Pod {meta.key(pod)} has condition {condition['type']} matching "
                                    f"{action} rule at index {index}")
    return None, ""


def past_backoff_limit_on_failure(job: dict, pods: list[dict]) -> bool:
    """restartPolicy OnFailure restarts in place: the containers' restarts count against backoffLimit."""
    if (job["spec"].get("template") or {}).get("spec", {}).get("restartPolicy") != "OnFailure":
        return False
    restarts = sum(container.get("restartCount", 0)
                   for pod in pods if phase(pod) in ("Running", "Pending")
                   for container in ((pod.get("status") or {}).get("initContainerStatuses") or []) +
                   ((pod.get("status") or {}).get("containerStatuses") or []))
    limit = job["spec"].get("backoffLimit", 6)
    return restarts > 0 if limit == 0 else restarts >= limit


def backoff_delay(failures_since_success: int) -> float:
    """How long to wait before the next pod: 0 with no failure, then 10 s, 20 s, ... capped at 6 min."""
    if failures_since_success <= 0:
        return 0.0
    return min(DEFAULT_BACKOFF * 2 ** (failures_since_success - 1), MAX_BACKOFF)


# -- indexed jobs ---------------------------------------------------------------------
def pod_index(pod: dict) -> int | None:
    """The completion index a pod of an Indexed Job runs, from its annotation."""
    value = meta.annotations(pod).get(COMPLETION_INDEX, "")
    return int(value) if value.isdigit() else None


def parse_indexes(text: str | None) -> set[int]:
    """"0-2,5" -> {0, 1, 2, 5}."""
    indexes: set[int] = set()
    for part in (text or "").split(","):
        if "-" in part:
            first, last = part.split("-", 1)
            indexes.update(range(int(first), int(last) + 1))
        elif part.strip():
            indexes.add(int(part))
    return indexes


def format_indexes(indexes: set[int]) -> str:
    """{0, 1, 2, 5} -> "0-2,5" (intervals in order, as status.completedIndexes)."""
    parts, ordered = [], sorted(indexes)
    start = previous = None
    for index in ordered + [None]:
        if index is not None and previous is not None and index == previous + 1:
            previous = index
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = index
    return ",".join(parts)


def missing_indexes(completions: int, done: set[int], running: set[int], count: int) -> list[int]:
    """The lowest `count` indexes that neither succeeded nor have an active pod."""
    out = []
    for index in range(completions):
        if len(out) == count:
            break
        if index not in done and index not in running:
            out.append(index)
    return out
