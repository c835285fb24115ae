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

Left out: init containers, readiness and startup probes (a running container is ready),
restarts and lastState (CrashLoopBackOff comes with its own issue), volumeMounts in container
statuses and the `resources` field (v1.32 shows them only with alpha features on).
"""
from __future__ import annotations

from ..objects.timefmt import rfc3339
from .runtime import CREATED, EXITED, RUNNING, SANDBOX_READY, Container, Sandbox

# The conditions the kubelet owns, in the order upstream writes them; others (PodScheduled,
# DisruptionTarget) belong to other components and are kept as they are.
KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")


Waiting = dict  # {"reason": "ErrImageNeverPull", "message": "..."}: why a container can't start


def container_status(container: dict, actual: Container | None, waiting: Waiting | None = None) -> dict:
    """One entry of status.containerStatuses: the spec's container as the runtime sees it."""
    if actual is None:  # not created yet: the image is the spec's, there is no ID
        return {"name": container["name"], "image": container["image"], "imageID": "",
                "lastState": {}, "ready": False, "restartCount": 0, "started": False,
                "state": {"waiting": waiting or {"reason": "ContainerCreating"}}}
    status = {"name": container["name"], "containerID": actual.id, "image": actual.image.tag,
              "imageID": actual.image.image_id, "lastState": {}, "ready": actual.state == RUNNING,
              "restartCount": actual.restart_count, "started": actual.state == RUNNING}
    if actual.state == CREATED:
        status["state"] = {"waiting": {"reason": "ContainerCreating"}}
    elif actual.state == RUNNING:
        status["state"] = {"running": {"startedAt": rfc3339(actual.started_at)}}
    elif actual.state == EXITED:
        status["state"] = {"terminated": {
            "containerID": actual.id, "exitCode": actual.exit_code,
            "reason": "Completed" if actual.exit_code == 0 else "Error",
            "startedAt": rfc3339(actual.started_at), "finishedAt": rfc3339(actual.finished_at)}}
    return status


def pod_phase(pod: dict, statuses: list[dict], terminal: bool) -> str:
    """Pending until every container has started; Running while one runs; then how they ended."""
    states = [next(iter(status["state"])) for status in statuses]
    if "waiting" in states and not terminal:
        return "Pending"
    if "running" in states:
        return "Running"
    succeeded = all(status["state"].get("terminated", {}).get("exitCode") == 0 for status in statuses)
    restart_policy = pod["spec"].get("restartPolicy", "Always")
    if terminal or restart_policy == "Never" or (restart_policy == "OnFailure" and succeeded):
        return "Succeeded" if succeeded else "Failed"
    return "Running"  # containers will be restarted


def _condition(type_: str, status: bool, reason: str = "", message: str = "") -> dict:
    condition = {"type": type_, "status": "True" if status else "False", "lastProbeTime": None}
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def pod_conditions(sandbox: Sandbox | None, statuses: list[dict], phase: str) -> list[dict]:
    """The kubelet's four conditions, worded as upstream."""
    unready = [status["name"] for status in statuses if not status["ready"]]
    if phase == "Succeeded":
        reason, message = "PodCompleted", ""
    elif unready:
        reason, message = "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]"
    else:
        reason, message = "", ""
    ready = not unready and phase != "Succeeded"
    return [_condition("PodReadyToStartContainers", sandbox is not None and sandbox.state == SANDBOX_READY),
            _condition("Initialized", True),
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
                        terminal: bool = False, waiting: dict[str, Waiting] | None = None) -> dict:
    """The whole status the kubelet reports for `pod`, given the runtime's sandbox for it.

    `waiting` gives, by container name, why a container that doesn't exist yet can't start.
    """
    old = pod.get("status") or {}
    actual = sandbox.containers if sandbox else {}
    statuses = [container_status(container, actual.get(container["name"]),
                                 (waiting or {}).get(container["name"]))
                for container in pod["spec"]["containers"]]
    phase = pod_phase(pod, statuses, terminal)
    status = {**old, "phase": phase,
              "conditions": _keep_transition_times(pod_conditions(sandbox, statuses, phase),
                                                   old.get("conditions") or [], now),
              "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
              "startTime": old.get("startTime") or rfc3339(now),
              "containerStatuses": statuses}
    pod_ip = sandbox.ip if sandbox and sandbox.ip else old.get("podIP")
    if pod_ip:  # a stopped sandbox has given its IP back; the status keeps reporting it
        status["podIP"], status["podIPs"] = pod_ip, [{"ip": pod_ip}]
    return status
