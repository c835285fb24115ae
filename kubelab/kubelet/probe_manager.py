"""The probe manager: one worker per container and probe, on the clock (upstream's
prober_manager.go and worker.go).

    startupProbe    until it succeeds, liveness and readiness don't run; failing
                    failureThreshold times in a row restarts the container
    livenessProbe   failing failureThreshold times in a row restarts the container:
                    Killing "Container web failed liveness probe, will be restarted"
    readinessProbe  decides `ready` (and so the pod's Ready condition and its place among a
                    Service's endpoints); never restarts anything

Timing, as upstream's defaults: periodSeconds 10, timeoutSeconds 1, successThreshold 1,
failureThreshold 3, initialDelaySeconds 0. A result flips only after `threshold` identical
results in a row. Before its first success a readiness result is failure (not ready), a
liveness result success, a startup result failure (not started). Every failed probe is a
Warning Unhealthy event ("Liveness probe failed: HTTP probe failed with statuscode: 500").
After a liveness or startup failure the worker holds until the container is a new one.

Each worker ticks every periodSeconds from when the pod was added, as upstream's; upstream
also waits a random part of a period first when the kubelet has just started, which kubelab
leaves out so lessons can predict the schedule.
"""
from __future__ import annotations

from ..client.events import NORMAL, WARNING
from ..objects import meta
from .prober import run_probe

KINDS = (("startupProbe", "Startup"), ("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"))


class ProbeWorker:
    """One probe of one container of one pod: ticks every periodSeconds from when the pod was
    added, probing only a running container past its initialDelaySeconds."""

    def __init__(self, manager, pod: dict, spec: dict, field: str, kind: str):
        self.manager, self.pod, self.spec = manager, pod, spec
        self.field, self.kind, self.probe = field, kind, spec[field]
        self.container_id = None
        self.result = self.initial = kind == "Liveness"   # before any probe: live, not ready, not started
        self.last, self.run = None, 0
        self.on_hold = False
        self.timer = None

    def start(self) -> None:
        self.timer = self.manager.clock.call_later(float(self.probe.get("periodSeconds", 10)), self.tick,
                                                   daemon=True)

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer = None

    @property
    def key(self) -> tuple[str, str, str]:
        return meta.uid(self.pod), self.spec["name"], self.kind

    def container(self):
        sandbox = self.manager.kubelet.runtime.sandbox_for_pod(meta.uid(self.pod))
        return (sandbox.containers.get(self.spec["name"]) if sandbox else None), sandbox

    def tick(self) -> None:
        self.timer = None
        if self.manager.workers.get(self.key) is not self:
            return
        self.timer = self.manager.clock.call_later(float(self.probe.get("periodSeconds", 10)), self.tick,
                                                   daemon=True)
        container, sandbox = self.container()
        if container is None or container.state != "running":
            return
        if container.id != self.container_id:        # a new container: start over
            self.container_id, self.on_hold = container.id, False
            self.result, self.last, self.run = self.initial, None, 0
        if self.on_hold or self.manager.clock.now() - container.started_at < \
                float(self.probe.get("initialDelaySeconds", 0)):
            return
        if self.kind == "Startup" and self.result:
            return                                    # started: the startup probe is done
        if self.kind != "Startup" and not self.manager.started(self.pod, self.spec["name"]):
            return
        pod_ip = sandbox.ip if sandbox.ip else ""
        run_probe(self.manager.kubelet.runtime, pod_ip, container, self.spec, self.probe,
                  lambda success, output: self.observe(container, success, output))

    def observe(self, container, success: bool, output: str) -> None:
        """One probe's outcome: count it, flip the result past the threshold, act on it."""
        if self.manager.workers.get(self.key) is not self or container.id != self.container_id \
                or container.state != "running":
            return
        kubelet = self.manager.kubelet
        if not success:
            kubelet.recorder.event(self.pod, WARNING, "Unhealthy", f"{self.kind} probe failed: {output}".rstrip())
        self.run = self.run + 1 if self.last == success else 1
        self.last = success
        threshold = int(self.probe.get("successThreshold" if success else "failureThreshold", 1 if success else 3))
        if self.run < threshold or self.result == success:
            return
        self.result = success
        if self.kind in ("Liveness", "Startup") and not success:
            self.on_hold, self.run = True, 0
            kubelet.recorder.event(self.pod, NORMAL, "Killing",
                                   f"Container {self.spec['name']} failed {self.kind.lower()} probe, "
                                   f"will be restarted")
            self.manager.kill(self.pod, container, self.probe)
        kubelet.enqueue(meta.key(self.pod))


class ProbeManager:
    def __init__(self, kubelet):
        self.kubelet, self.clock = kubelet, kubelet.clock
        self.workers: dict[tuple[str, str, str], ProbeWorker] = {}

    def add_pod(self, pod: dict) -> None:
        """Workers for every probe of a pod the kubelet just admitted (AddPod)."""
        for spec in (pod["spec"].get("initContainers") or []) + pod["spec"]["containers"]:
            for field, kind in KINDS:
                key = (meta.uid(pod), spec["name"], kind)
                if spec.get(field) and key not in self.workers:
                    worker = ProbeWorker(self, pod, spec, field, kind)
                    self.workers[key] = worker
                    worker.start()

    def started(self, pod: dict, name: str) -> bool:
        worker = self.workers.get((meta.uid(pod), name, "Startup"))
        return worker is None or worker.result

    def status(self, pod: dict) -> dict[str, tuple[bool | None, bool | None]]:
        """(ready, started) by container name, for the containers that have probes."""
        out = {}
        for spec in (pod["spec"].get("initContainers") or []) + pod["spec"]["containers"]:
            uid, name = meta.uid(pod), spec["name"]
            readiness = self.workers.get((uid, name, "Readiness"))
            startup = self.workers.get((uid, name, "Startup"))
            if readiness is None and startup is None:
                continue
            started = self.started(pod, name)
            ready = started and (readiness.result if readiness is not None else True)
            out[name] = (ready, started)
        return out

    def kill(self, pod: dict, container, probe: dict) -> None:
        """Stop a container that failed its liveness/startup probe; the kubelet restarts it."""
        grace = probe.get("terminationGracePeriodSeconds", pod["spec"].get("terminationGracePeriodSeconds", 30))
        container.killed_by_probe = True
        self.kubelet.runtime.stop_container(container.id, float(grace), lambda: None)

    def forget(self, uid: str) -> None:
        for key in [key for key in self.workers if key[0] == uid]:
            self.workers.pop(key).stop()
