"""Stopping containers gracefully (upstream's killContainer and its preStop hook).

    Killing "Stopping container web"
      preStop hook (exec / httpGet / sleep)   takes part of the grace period
      SIGTERM                                 the process may exit by itself (exit 0)…
      SIGKILL at the end of the grace period  …or is killed (exit 137)

The grace period is the pod's `deletionGracePeriodSeconds` (set by the API server from the
delete's gracePeriodSeconds) or `terminationGracePeriodSeconds` (default 30). Whatever the
hook used is taken from it, but the container always gets at least 2 s after the hook
(minimumGracePeriodInSeconds). A hook that fails is a FailedPreStopHook event; the
container is stopped anyway. App containers stop first; native sidecars (init containers
with restartPolicy: Always) after every app container has exited, in reverse order.
"""
from __future__ import annotations

from ..client.events import NORMAL, WARNING
from .cri import ExecResult

MINIMUM_GRACE_SECONDS = 2.0   # minimumGracePeriodInSeconds


def grace_seconds(pod: dict) -> float:
    grace = pod["metadata"].get("deletionGracePeriodSeconds")
    if grace is None:
        grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
    return float(grace)


def _spec(pod: dict, name: str) -> dict:
    for container in (pod["spec"].get("initContainers") or []) + pod["spec"]["containers"]:
        if container["name"] == name:
            return container
    return {"name": name}


def kill_in_order(kubelet, key, pod: dict, running: list, message: str) -> None:
    """Stop `running` containers of `pod` (apps, then sidecars); the pod is re-synced after."""
    from .pod_sync import format_pod
    sidecar_order = [c["name"] for c in pod["spec"].get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    apps = [c for c in running if c.name not in sidecar_order]
    sidecars = sorted((c for c in running if c.name in sidecar_order),
                      key=lambda c: -sidecar_order.index(c.name))
    group = apps or sidecars
    kubelet.in_flight[key] = "killing containers"
    remaining = {container.id for container in group}
    clock = kubelet.clock

    def stopped(container_id: str) -> None:
        remaining.discard(container_id)
        if not remaining:
            kubelet._operation_done(key)

    for container in group:
        grace = grace_seconds(pod)
        kubelet.recorder.event(pod, NORMAL, "Killing", f"{message} {container.name}")
        hook = (_spec(pod, container.name).get("lifecycle") or {}).get("preStop")
        began = clock.now()

        def terminate(container=container, began=began, grace=grace) -> None:
            timeout = max(grace - (clock.now() - began), MINIMUM_GRACE_SECONDS)
            kubelet.runtime.stop_container(container.id, timeout, lambda cid=container.id: stopped(cid))

        if hook is None:
            terminate()
        elif "exec" in hook:
            def hook_done(result: ExecResult, container=container, terminate=terminate) -> None:
                if result.exit_code != 0 or result.timed_out:
                    error = "command timed out" if result.timed_out else \
                        f"command '{' '.join(hook['exec']['command'])}' exited with {result.exit_code}: "
                    kubelet.recorder.event(pod, WARNING, "FailedPreStopHook",
                                           f"Exec lifecycle hook ({hook['exec']['command']}) for Container "
                                           f"\"{container.name}\" in Pod \"{format_pod(pod)}\" failed - error: "
                                           f"{error}, message: \"{result.output}\"")
                terminate()
            kubelet.runtime.exec_sync(container.id, hook["exec"].get("command") or [], grace, hook_done)
        elif "sleep" in hook:
            clock.call_later(min(float(hook["sleep"]["seconds"]), grace), terminate)
        else:   # httpGet: the app answers at once (kubelab's servers are quick)
            terminate()
