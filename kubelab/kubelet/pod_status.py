"""Pod status: what the kubelet reports about a pod, computed from the runtime's view.

The kubelet is the only writer of a running pod's status. It never remembers what it told
the API server; each sync it looks at the runtime (the sandbox, each container's state) and
computes the whole status afresh (upstream's generateAPIPodStatus), then writes it only if
it differs from what the API server has. So a restarted kubelet finds running containers,
computes the same status, and writes nothing.

    no container yet / created    waiting: ContainerCreating    phase Pending
    every container running       running: startedAt            phase Running, Ready
    containers exited (deleted)   terminated: exitCode, reason  phase Succeeded / Failed

Invariant: a condition's lastTransitionTime changes only when its status changes, and
startTime, once set, is kept.

Init containers (spec.initContainers) get status.initContainerStatuses; until they have all
completed, the app containers wait with reason PodInitializing and Initialized is False
("containers with incomplete status: [...]"). A container restarted by the kubelet shows its
previous run as lastState.terminated and its attempt number as restartCount; a container the
kubelet can't start (yet) shows the reason the kubelet recorded (upstream's reasonCache:
ErrImagePull, ImagePullBackOff, CrashLoopBackOff, CreateContainerConfigError...).
The phase follows upstream's getPhase: a waiting container that ran before counts as stopped,
so a crash-looping pod with restartPolicy Always stays Running.

Left out: volumeMounts in container statuses and the `resources` field (v1.32 shows them only
with alpha features on).
"""
from __future__ import annotations

from ..objects.timefmt import rfc3339
from .cri import CREATED, EXITED, RUNNING, SANDBOX_READY, Container, Sandbox

# The conditions the kubelet owns, in the order upstream writes them; others (PodScheduled,
# DisruptionTarget) belong to other components and are kept as they are.
KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")


Waiting = dict  # {"reason": "ErrImageNeverPull", "message": "..."}: why a container can't start


def equal_as_stored(computed, stored) -> bool:
    """Is `computed` the status the API server keeps? A null field is Go's zero value and is
    not stored (`"lastProbeTime": null` comes back absent), so the kubelet compares in that
    shape and a status that only differs by its nulls is not written again (upstream compares
    Go structs, where null and absent are the same). Walks both, stopping at the first difference."""
    if isinstance(computed, dict):
        if not isinstance(stored, dict):
            return False
        present = 0
        for key, value in computed.items():
            if value is None:
                continue
            present += 1
            if key not in stored or not equal_as_stored(value, stored[key]):
                return False
        return present == len(stored)
    if isinstance(computed, list):
        return isinstance(stored, list) and len(computed) == len(stored) and \
            all(equal_as_stored(item, other) for item, other in zip(computed, stored))
    return computed == stored


def _terminated(actual: Container) -> dict:
    state = {"containerID": actual.id, "exitCode": actual.exit_code,
             "reason": actual.reason or ("Completed" if actual.exit_code == 0 else "Error")}
    if actual.message:
        state["message"] = actual.message
    state.update(startedAt=rfc3339(actual.started_at), finishedAt=rfc3339(actual.finished_at))
    return {"terminated": state}


def container_status(container: dict, actual: Container | None, waiting: Waiting | None = None,
                     previous: Container | None = None, default_reason: str = "ContainerCreating",
                     ready: bool | None = None, started: bool | None = None) -> dict:
    """One entry of status.containerStatuses: the spec's container as the runtime sees it.
    `ready`/`started`: what the probes say (None: a running container is both)."""
    if actual is None:  # not created yet: the image is the spec's, there is no ID
        return {"name": container["name"], "image": container["image"], "imageID": "",
                "lastState": _terminated(previous) if previous else {}, "ready": False,
                "restartCount": previous.restart_count + 1 if previous else 0, "started": False,
                "state": {"waiting": waiting or {"reason": default_reason}}}
    running = actual.state == RUNNING
    status = {"name": container["name"], "containerID": actual.id, "image": actual.image.tag,
              "imageID": actual.image.image_id, "lastState": _terminated(previous) if previous else {},
              "ready": running and (ready if ready is not None else True),
              "restartCount": actual.restart_count,
              "started": running and (started if started is not None else True)}
    if actual.state == CREATED:
        status["state"] = {"waiting": {"reason": "ContainerCreating"}}
    elif running:
        status["state"] = {"running": {"startedAt": rfc3339(actual.started_at)}}
    elif waiting is not None:  # exited, and the kubelet will start it again: waiting, last run in lastState
        status["lastState"], status["state"] = _terminated(actual), {"waiting": waiting}
    else:
        status["state"] = _terminated(actual)
    return status


def _init_readiness(container: dict, status: dict) -> dict:
    """An ordinary init container is ready once it has exited 0, never while it runs; a native
    sidecar (restartPolicy: Always) is ready as an app container is (upstream's prober manager)."""
    if container.get("restartPolicy") != "Always":
        terminated = status["state"].get("terminated")
        status["ready"] = bool(terminated) and terminated["exitCode"] == 0
        status["started"] = False if terminated else status["started"]
    return status


def _counts(statuses: list[dict]) -> dict[str, int]:
    counts = {"running": 0, "waiting": 0, "stopped": 0, "succeeded": 0, "failed": 0}
    for status in statuses:
        state = status["state"]
        if "running" in state:
            counts["running"] += 1
        elif "terminated" in state:
            counts["stopped"] += 1
            counts["succeeded" if state["terminated"]["exitCode"] == 0 else "failed"] += 1
        elif status["lastState"].get("terminated"):
            counts["stopped"] += 1   # waiting to run again after a run: it has run
            counts["failed" if status["lastState"]["terminated"]["exitCode"] else "succeeded"] += 1
        else:
            counts["waiting"] += 1
    return counts


def _apps_began(statuses: list[dict]) -> bool:
    """Once an app container has run, the pod is initialized for good (hasInitialized)."""
    return any("running" in s["state"] or "terminated" in s["state"] or s["lastState"] for s in statuses)


def pod_phase(pod: dict, statuses: list[dict], terminal: bool, init_statuses: list[dict] | None = None) -> str:
    """Upstream's getPhase: Pending while initializing or a container never ran; Running while
    one runs (or all stopped and will restart); else Succeeded or Failed."""
    policy = pod["spec"].get("restartPolicy", "Always")
    for init, status in zip(pod["spec"].get("initContainers") or [], init_statuses or []):
        if init.get("restartPolicy") == "Always":
            continue
        terminated = status["state"].get("terminated")
        if terminated and terminated["exitCode"] != 0 and policy == "Never":
            return "Failed"
    pending_init = not _apps_began(statuses) and any(not (status["state"].get("terminated", {}).get("exitCode") == 0
                            or (init.get("restartPolicy") == "Always" and status["started"]))
                       for init, status in zip(pod["spec"].get("initContainers") or [], init_statuses or []))
    counts = _counts(statuses)
    if pending_init and not terminal:
        return "Pending"
    if counts["waiting"] and not terminal:
        return "Pending"
    if counts["running"] and not terminal:
        return "Running"
    if terminal:
        return "Failed" if counts["failed"] or counts["waiting"] or counts["running"] else "Succeeded"
    if policy == "Always":
        return "Running"
    if policy == "OnFailure":
        return "Succeeded" if counts["stopped"] == counts["succeeded"] else "Running"
    return "Failed" if counts["failed"] else "Succeeded"


def _condition(type_: str, status: bool, reason: str = "", message: str = "") -> dict:
    condition = {"type": type_, "status": "True" if status else "False", "lastProbeTime": None}
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def pod_conditions(pod: dict, sandbox: Sandbox | None, statuses: list[dict], phase: str,
                   init_statuses: list[dict]) -> list[dict]:
    """The kubelet's four conditions, worded as upstream."""
    incomplete = [] if _apps_began(statuses) else [status["name"] for init, status in zip(pod["spec"].get("initContainers") or [], init_statuses)
                  if not (status["state"].get("terminated", {}).get("exitCode") == 0
                          or (init.get("restartPolicy") == "Always" and status["started"]))]
    sidecars = [status for init, status in zip(pod["spec"].get("initContainers") or [], init_statuses)
                if init.get("restartPolicy") == "Always"]
    unready = [status["name"] for status in sidecars + statuses if not status["ready"]]
    if phase in ("Succeeded", "Failed") and not unready:
        unready = []
    if phase == "Succeeded":
        reason, message = "PodCompleted", ""
    elif incomplete and phase == "Pending":
        reason, message = "ContainersNotInitialized", f"containers with incomplete status: [{' '.join(incomplete)}]"
    elif unready:
        reason, message = "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]"
    else:
        reason, message = "", ""
    ready = not unready and not incomplete and phase not in ("Succeeded", "Failed")
    has_inits = bool(pod["spec"].get("initContainers"))
    init_reason = "PodCompleted" if phase == "Succeeded" and not incomplete and has_inits else (
        "ContainersNotInitialized" if incomplete else "")
    init_message = f"containers with incomplete status: [{' '.join(incomplete)}]" if incomplete else ""
    return [_condition("PodReadyToStartContainers", sandbox is not None and sandbox.state == SANDBOX_READY),
            _condition("Initialized", not incomplete, init_reason, init_message),
            _condition("Ready", ready, reason, message),
            _condition("ContainersReady", ready, reason, message)]


def _keep_transition_times(new: list[dict], old: list[dict], now: float) -> list[dict]:
    before = {condition["type"]: condition for condition in old}
    out = []
    for condition in new:
        previous = before.get(condition["type"])
        unchanged = previous is not None and previous.get("status") == condition["status"]
        out.append({**condition, "lastTransitionTime": previous.get("lastTransitionTime")
                    if unchanged else rfc3339(now)})
    return out + [c for c in old if c["type"] not in KUBELET_CONDITIONS]


def generate_pod_status(pod: dict, sandbox: Sandbox | None, host_ip: str, now: float,
                        terminal: bool = False, waiting: dict[str, Waiting] | None = None,
                        probes: dict[str, tuple[bool | None, bool | None]] | None = None) -> dict:
    """The whole status the kubelet reports for `pod`, given the runtime's sandbox for it.

    `waiting` gives, by container name, why a container can't start (again);
    `probes`, by container name, (ready, started) as the probe workers last saw them.
    """
    old = pod.get("status") or {}
    actual = sandbox.containers if sandbox else {}
    previous = sandbox.previous if sandbox else {}
    waiting, probes = waiting or {}, probes or {}
    inits = pod["spec"].get("initContainers") or []
    apps_began = any(c["name"] in actual for c in pod["spec"]["containers"])

    def one(container: dict, default_reason: str) -> dict:
        ready, started = probes.get(container["name"], (None, None))
        return container_status(container, actual.get(container["name"]), waiting.get(container["name"]),
                                previous.get(container["name"]), default_reason, ready, started)
    init_statuses = [_init_readiness(c, one(c, "PodInitializing")) for c in inits]
    initializing = bool(inits) and not apps_began
    statuses = [one(c, "PodInitializing" if initializing else "ContainerCreating")
                for c in pod["spec"]["containers"]]
    phase = pod_phase(pod, statuses, terminal, init_statuses)
    status = {**old, "phase": phase,
              "conditions": _keep_transition_times(pod_conditions(pod, sandbox, statuses, phase, init_statuses),
                                                   old.get("conditions") or [], now),
              "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
              "startTime": old.get("startTime") or rfc3339(now),
              "containerStatuses": statuses}
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    pod_ip = sandbox.ip if sandbox and sandbox.ip else old.get("podIP")
    if pod_ip:  # a stopped sandbox has given its IP back; the status keeps reporting it
        status["podIP"], status["podIPs"] = pod_ip, [{"ip": pod_ip}]
    return status
