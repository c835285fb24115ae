"""The READY, STATUS and RESTARTS columns of `kubectl get pods`: one word for a whole pod.

A pod's `status.phase` is coarse (Pending, Running, Succeeded, Failed). The STATUS column is
what a person wants to know instead, and kubectl (the API server's table printer, v1.32)
derives it from the containers:

1. start from the phase, or `status.reason` when the kubelet set one (Evicted, ...);
2. while init containers have not all finished, show `Init:N/M`, `Init:<reason>` or
   `Init:Error`-style words from the first one that has not succeeded;
3. otherwise the containers speak, the first container in the spec winning: a waiting
   reason (`ContainerCreating`, `ImagePullBackOff`, `CrashLoopBackOff`), a terminated
   reason (`Completed`, `Error`, `OOMKilled`) or `ExitCode:N`;
4. a pod with a deletionTimestamp that has not finished is `Terminating`.

READY counts containers that are ready *and* running; RESTARTS sums restart counts and, when
a container has died before, says how long ago (`3 (45s ago)`).

Native sidecars (init containers with `restartPolicy: Always`) count as containers in READY
once started, their restarts count beside the app's, and they never hold `Init:N/M`.
"""
from __future__ import annotations

from kubelab.objects.timefmt import parse

from .timestamps import since


def pod_summary(pod: dict, now: float) -> tuple[str, str, str]:
    """(READY, STATUS, RESTARTS) as `kubectl get pods` shows them."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    phase = status.get("phase", "")
    reason = status.get("reason") or phase
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    restarts, last_restart = 0, None
    ready_containers, total = 0, len(spec.get("containers") or [])

    init_statuses = status.get("initContainerStatuses") or []
    init_total = len(spec.get("initContainers") or [])
    sidecars = {c["name"] for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"}
    total += len(sidecars)
    sidecar_restarts, sidecar_last_restart = 0, None
    initializing = False
    for index, container in enumerate(init_statuses):
        restarts += container.get("restartCount", 0)
        last_restart = _later(last_restart, container)
        if container.get("name") in sidecars:   # a native sidecar: ready when started and ready
            sidecar_restarts += container.get("restartCount", 0)
            sidecar_last_restart = _later(sidecar_last_restart, container)
            if container.get("started") and container.get("ready"):
                ready_containers += 1
            continue
        state = container.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated and terminated.get("exitCode", 0) == 0:
            continue
        initializing = True
        if terminated:
            reason = "Init:" + (terminated.get("reason") or _exit_words(terminated))
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{index}/{init_total}"
        break

    if not initializing or _condition_true(status, "Initialized"):
        restarts, last_restart = sidecar_restarts, sidecar_last_restart
        has_running = False
        # Walk backwards so the first container in the spec has the last word.
        for container in reversed(status.get("containerStatuses") or []):
            restarts += container.get("restartCount", 0)
            last_restart = _later(last_restart, container)
            state = container.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated:
                reason = terminated.get("reason") or _exit_words(terminated)
            elif container.get("ready") and state.get("running") is not None:
                has_running = True
                ready_containers += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(status, "Ready") else "NotReady"

    if pod.get("metadata", {}).get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"

    restarts_text = str(restarts)
    if restarts and last_restart:
        restarts_text = f"{restarts} ({since(last_restart, now)} ago)"
    return f"{ready_containers}/{total}", reason, restarts_text


def _exit_words(terminated: dict) -> str:
    if terminated.get("signal"):
        return f"Signal:{terminated['signal']}"
    return f"ExitCode:{terminated.get('exitCode', 0)}"


def _later(latest: str | None, container: dict) -> str | None:
    """The later of `latest` and when this container last died (lastState.terminated.finishedAt)."""
    finished = ((container.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
    if not finished:
        return latest
    if latest is None or parse(finished) > parse(latest):
        return finished
    return latest


def _condition_true(status: dict, type_: str) -> bool:
    return any(c.get("type") == type_ and c.get("status") == "True"
               for c in status.get("conditions") or [])
