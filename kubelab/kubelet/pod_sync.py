"""SyncPod: what the kubelet does for one pod each time it looks (upstream's SyncPod and
kuberuntime's computePodActions + startContainer, one step at a time).

    rejected by admission?          phase Failed, reason OutOfcpu / NodeAffinity...  (admission.py)
    no sandbox                      RunPodSandbox (the pod's IP), mount its volumes
    init containers, in order       each must exit 0 before the next starts; a native sidecar
                                    (restartPolicy: Always) only has to be running
    app containers                  started in spec order
    a container exited              restart it if restartPolicy says so (Always; OnFailure when
                                    the exit code isn't 0), after the CrashLoopBackOff delay
    all done, nothing restarts      Succeeded or Failed; sidecars stopped, sandbox stopped

Starting one container (startContainer): ensure the image (Pulling → Pulled, or
ErrImagePull → ImagePullBackOff), build its config (env, mounts: CreateContainerConfigError),
CreateContainer (Created), StartContainer (Started, or a StartError). Each failure is
recorded as the container's waiting reason (upstream's reasonCache) and shows in its status.

One runtime operation per pod is in flight at a time; the operation's callback enqueues the
pod again. A back-off enqueues the pod when it ends. Upstream's pod worker instead re-syncs
on a 10–15 s jittered period and when the runtime reports a change; kubelab wakes exactly
when the back-off ends, so restarts come at 10, 20, 40… s after the crash, the schedule
upstream's Backoff allows, without the jitter of the resync.
"""
from __future__ import annotations

import copy

from ..client import ApiError
from ..client.events import NORMAL, WARNING
from ..objects import meta
from ..objects.meta import Key
from ..objects.node_selector import RequiredNodeAffinity
from .admission import admit
from .backoff import Backoff
from .container_config import ConfigError, container_config, environment
from .dns import pod_resolv_conf
from .service_env import NOT_SYNCED, service_env
from .pod_status import equal_as_stored, generate_pod_status
from .probe_manager import ProbeManager
from .volume_manager import CONFIG_RETRY_SECONDS, VolumeManager
from .cri import CREATED, EXITED, RUNNING, PullResult, Sandbox


def format_pod(pod: dict) -> str:
    """How upstream's kubelet names a pod in messages: name_namespace(uid)."""
    return f"{meta.name(pod)}_{meta.namespace(pod)}({meta.uid(pod)})"


def will_restart(policy: str, exit_code: int | None, killed_by_probe: bool = False) -> bool:
    """Does restartPolicy start this exited container again? (one killed by its liveness
    probe counts as failed, whatever its exit code)"""
    return policy == "Always" or (policy == "OnFailure" and (exit_code != 0 or killed_by_probe))


class PodSync(VolumeManager):
    """The kubelet's per-pod work (a mixin of Kubelet, which owns the informer and recorder)."""

    def _init_pod_sync(self) -> None:
        self.crash_backoff = Backoff(self.clock)     # CrashLoopBackOff, per pod uid/container
        self.image_backoff = Backoff(self.clock)     # ImagePullBackOff, per pod uid/image
        self.pull_errors: dict[str, str] = {}        # uid/image -> the last pull's error
        self.admitted: set[str] = set()              # uids admitted to this node
        self.volumes: dict[str, dict[str, dict]] = {}  # uid -> volume name -> its files
        self.wakeups: dict[Key, object] = {}         # a back-off's timer per pod
        self.probes = ProbeManager(self)
        self.retry_at: dict[str, float] = {}         # uid/container -> next try after a config error

    # -- the loop ------------------------------------------------------------------------------
    def sync_pod(self, key: Key) -> None:
        """Make the runtime match the pod, then report what the runtime shows."""
        if not self.running or key in self.in_flight:
            return  # the operation under way enqueues the pod again when it ends
        pod = self.pods.get(key)
        self._remove_stale_sandboxes(key, pod)
        if pod is None:
            self.waiting.pop(key, None)
            return
        sandbox = self.runtime.sandbox_for_pod(meta.uid(pod))
        if meta.is_being_deleted(pod):
            self._terminate_pod(key, pod, sandbox)
            return
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            self._stop_finished_pod(key, pod, sandbox)
            return
        if sandbox is None:
            if self.runtime.network is None:
                self._learn_pod_cidr(self.client.get("nodes", self.node_name))
            if self.runtime.network is None:   # no podCIDR yet: the CNI plugin cannot give an IP
                self.queue.add_after(key, 1.0)
                return
            if meta.uid(pod) not in self.admitted:
                if self._reject_if_unfit(pod):
                    return
                self.admitted.add(meta.uid(pod))
            sandbox = self.runtime.run_pod_sandbox(meta.name(pod), meta.namespace(pod), meta.uid(pod),
                                                   pod_resolv_conf(pod, self.cluster_dns))
            self.probes.add_pod(pod)
        if meta.uid(pod) not in self.volumes and not self._mount_volumes(key, pod):
            self._write_status(pod, sandbox)
            return
        self._sync_containers(key, pod, sandbox)
        self._write_status(pod, sandbox)

    def _remove_stale_sandboxes(self, key: Key, pod: dict | None) -> None:
        """Sandboxes of a pod that is gone (or was replaced by a new pod of the same name)."""
        namespace, name = meta.split_key(key)
        for sandbox in self.runtime.list_pod_sandboxes(namespace, name):
            if pod is None or sandbox.uid != meta.uid(pod):
                self.runtime.remove_pod_sandbox(sandbox.id)
                self.probes.forget(sandbox.uid)
                self.volumes.pop(sandbox.uid, None)
                self.crash_backoff.forget(sandbox.uid)
                self.image_backoff.forget(sandbox.uid)
                self.admitted.discard(sandbox.uid)

    def _write_status(self, pod: dict, sandbox: Sandbox | None, terminal: bool = False) -> None:
        status = generate_pod_status(pod, sandbox, self.machine.internal_ip, self.clock.now(), terminal,
                                     self.waiting.get(meta.key(pod)), self.probe_results(pod))
        if equal_as_stored(status, pod.get("status")):
            return  # nothing new to say: no write
        # A new top-level dict: the cached pod is never changed, and the client sends a copy.
        self.client.update_status("pods", {**pod, "status": status})

    def probe_results(self, pod: dict) -> dict:
        """(ready, started) by container name, from the probe workers."""
        return self.probes.status(pod)

    def _operation_done(self, key: Key) -> None:
        self.in_flight.pop(key, None)
        if self.running:
            self.enqueue(key)

    def _wake_at(self, key: Key, when: float) -> None:
        """Sync the pod again when a back-off ends."""
        timer = self.wakeups.pop(key, None)
        if timer is not None:
            timer.cancel()
        self.wakeups[key] = self.clock.call_later(max(0.0, when - self.clock.now()), self.enqueue, key)

    def _set_waiting(self, pod: dict, name: str, reason: str, message: str) -> bool:
        """Record why container `name` isn't running; True when that is news."""
        reasons = self.waiting.setdefault(meta.key(pod), {})
        new = reasons.get(name, {}).get("reason") != reason
        reasons[name] = {"reason": reason, "message": message}
        return new

    # -- admission and volumes -----------------------------------------------------------------
    def _reject_if_unfit(self, pod: dict) -> bool:
        others = [other for other in self.pods.list() if meta.uid(other) in self.admitted
                  and (other.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        # The Node's labels only matter to a pod with a nodeSelector or required node affinity:
        # for the others no read (upstream reads its Node lister either way, which costs nothing).
        labels = {} if RequiredNodeAffinity(pod).empty else self._node_labels()
        rejection = admit(pod, self.machine.capacity, labels, self.node_name, others)
        if rejection is None:
            return False
        reason, message = rejection
        self.recorder.event(pod, WARNING, reason, message)
        updated = copy.deepcopy(pod)
        updated["status"] = {**(pod.get("status") or {}), "phase": "Failed", "reason": reason,
                             "message": "Pod was rejected: " + message}
        self.client.update_status("pods", updated)
        return True

    def _node_labels(self) -> dict[str, str]:
        """The Node's labels as the API has them (`kubectl label node` included), from the node
        lister as upstream's admission reads them (a GET while the lister has no Node yet); the
        kubelet's own labels when the API can't say."""
        node = self.node_lister.get(self.node_name)
        if node is not None:
            return node["metadata"].get("labels") or {}
        try:
            return self.client.get("nodes", self.node_name)["metadata"].get("labels") or {}
        except ApiError:
            from .node_status import node_labels
            return node_labels(self.machine)

    def _service_env(self, pod: dict) -> dict[str, str]:
        """KUBERNETES_SERVICE_HOST and the service links (service_env.py), from the informer."""
        if not self.services.has_synced:
            raise ConfigError(NOT_SYNCED)
        return service_env(meta.namespace(pod), pod["spec"].get("enableServiceLinks", True), self.services.list())

    # -- containers ----------------------------------------------------------------------------
    def _sync_containers(self, key: Key, pod: dict, sandbox: Sandbox) -> None:
        """Take the next step for this pod's containers (computePodActions)."""
        policy = pod["spec"].get("restartPolicy", "Always")
        inits = pod["spec"].get("initContainers") or []
        apps = pod["spec"]["containers"]
        actual = sandbox.containers
        initialized = any(c["name"] in actual for c in apps)
        if not initialized:
            for init in inits:
                container = actual.get(init["name"])
                sidecar = init.get("restartPolicy") == "Always"
                if container is None:
                    self._start_container(key, pod, sandbox, init)
                    return
                if container.state == CREATED or (container.state == RUNNING and not sidecar):
                    return  # wait for it
                if container.state == EXITED:
                    if not sidecar and container.exit_code == 0:
                        continue
                    if not sidecar and policy == "Never":
                        return  # the pod has failed
                    self._restart(key, pod, sandbox, init, container)
                    return
        for init in inits:  # native sidecars keep running beside the app
            container = actual.get(init["name"])
            if init.get("restartPolicy") == "Always" and container is not None and container.state == EXITED \
                    and any(actual.get(c["name"]) is None or actual[c["name"]].state != EXITED for c in apps):
                if self._restart(key, pod, sandbox, init, container):
                    return
        for spec in apps:
            container = actual.get(spec["name"])
            if container is None:
                if self._start_container(key, pod, sandbox, spec):
                    return
                continue
            if container.state == EXITED and will_restart(policy, container.exit_code, container.killed_by_probe):
                if self._restart(key, pod, sandbox, spec, container):
                    return
        self._finish_if_done(key, pod, sandbox, policy, apps)

    def _finish_if_done(self, key: Key, pod: dict, sandbox: Sandbox, policy: str, apps: list) -> None:
        """Every app container exited for good: stop the sidecars; then the sandbox."""
        actual = sandbox.containers
        if not all(c["name"] in actual and actual[c["name"]].state == EXITED
                   and not will_restart(policy, actual[c["name"]].exit_code, actual[c["name"]].killed_by_probe)
                   for c in apps):
            return
        running = [c for c in actual.values() if c.state == RUNNING]
        if running:
            self._kill_containers(key, pod, running, "Stopping container")
            return
        self.runtime.stop_pod_sandbox(sandbox.id)

    def _restart(self, key: Key, pod: dict, sandbox: Sandbox, spec: dict, container) -> bool:
        """Start an exited container again unless its CrashLoopBackOff isn't over (doBackOff)."""
        backoff_key = f"{meta.uid(pod)}/{spec['name']}"
        if self.crash_backoff.in_backoff_since(backoff_key, container.finished_at):
            delay = self.crash_backoff.get(backoff_key)
            from .kubelet import go_duration
            message = (f"back-off {go_duration(delay)} restarting failed container={spec['name']} "
                       f"pod={format_pod(pod)}")
            if self._set_waiting(pod, spec["name"], "CrashLoopBackOff", message) or \
                    self.waiting[key][spec["name"]]["message"] != message:
                self.recorder.event(pod, WARNING, "BackOff",
                                    f"Back-off restarting failed container {spec['name']} in pod {format_pod(pod)}")
            self._set_waiting(pod, spec["name"], "CrashLoopBackOff", message)
            self._wake_at(key, self.crash_backoff.ends(backoff_key, container.finished_at))
            return False
        self.crash_backoff.next(backoff_key, container.finished_at)
        return self._start_container(key, pod, sandbox, spec)

    def _start_container(self, key: Key, pod: dict, sandbox: Sandbox, container: dict) -> bool:
        """Begin startContainer (ensure the image, create, start); False if it can't now."""
        image, policy = container["image"], container.get("imagePullPolicy", "IfNotPresent")
        if self.clock.now() < self.retry_at.get(f"{meta.uid(pod)}/{container['name']}", 0.0) - 1e-6:
            return False  # a config error: the pod worker tries again on its next resync
        present = self.runtime.image_status(image) is not None
        if policy == "Never" and not present:
            message = f'Container image "{image}" is not present with pull policy of Never'
            self.recorder.event(pod, WARNING, "ErrImageNeverPull", message)
            self._set_waiting(pod, container["name"], "ErrImageNeverPull", message)
            return False
        if present and policy != "Always":
            self.in_flight[key] = f"starting container {container['name']}"
            self.recorder.event(pod, NORMAL, "Pulled", f'Container image "{image}" already present on machine')
            self._create_and_start(key, pod, sandbox, container)
            return True
        pull_key = f"{meta.uid(pod)}/{image}"
        if self.image_backoff.in_backoff_since_update(pull_key):
            delay, last = self.image_backoff.entries[pull_key]
            if (self.waiting.get(key) or {}).get(container["name"], {}).get("reason") == "ErrImagePull" \
                    and self.clock.now() < last + 1.0 - 1e-6:
                return False   # ErrImagePull shows until the pod worker's next look (a second later)
            message = f'Back-off pulling image "{image}"'
            if self._set_waiting(pod, container["name"], "ImagePullBackOff",
                                 f"{message}: ErrImagePull: {self.pull_errors.get(pull_key, '')}"):
                self.recorder.event(pod, NORMAL, "BackOff", message)
                self.recorder.event(pod, WARNING, "Failed", "Error: ImagePullBackOff")
            self._wake_at(key, last + delay)
            return False
        self.in_flight[key] = f"pulling image {image}"
        self.recorder.event(pod, NORMAL, "Pulling", f'Pulling image "{image}"')
        self.runtime.pull_image(image, lambda pulled: self._on_image_pulled(key, pod, sandbox, container, pulled))
        return True

    def _on_image_pulled(self, key: Key, pod: dict, sandbox: Sandbox, container: dict, pulled: PullResult) -> None:
        if not self.running:
            return
        from .kubelet import go_duration
        image = container["image"]
        if pulled.error is not None:
            pull_key = f"{meta.uid(pod)}/{image}"
            self.recorder.event(pod, WARNING, "Failed", f'Failed to pull image "{image}": {pulled.error}')
            self.recorder.event(pod, WARNING, "Failed", "Error: ErrImagePull")
            self.pull_errors[pull_key] = pulled.error
            self.image_backoff.next(pull_key, self.clock.now())
            self._set_waiting(pod, container["name"], "ErrImagePull", pulled.error)
            # the pod worker's resync shows ImagePullBackOff while the back-off lasts
            self._wake_at(key, self.clock.now() + 1.0)
            self._operation_done(key)
            return
        self.recorder.event(pod, NORMAL, "Pulled",
                            f'Successfully pulled image "{image}" in {go_duration(pulled.pull_seconds)} '
                            f'({go_duration(pulled.total_seconds)} including waiting). '
                            f'Image size: {pulled.image.size} bytes.')
        current = self.pods.get(key)
        if current is None or meta.uid(current) != meta.uid(pod) or meta.is_being_deleted(current):
            self._operation_done(key)  # the pod went away meanwhile: don't start anything
            return
        self._create_and_start(key, current, sandbox, container)

    def _create_and_start(self, key: Key, pod: dict, sandbox: Sandbox, container: dict) -> None:
        name = container["name"]
        try:
            env = environment(pod, container, self._service_env(pod), self._lookup, self.machine.capacity)
            config = container_config(container, env, self.volumes.get(meta.uid(pod), {}))
        except ConfigError as error:
            self.recorder.event(pod, WARNING, "Failed", f"Error: {error}")
            self._set_waiting(pod, name, "CreateContainerConfigError", str(error))
            self.retry_at[f"{meta.uid(pod)}/{name}"] = self.clock.now() + CONFIG_RETRY_SECONDS
            self._wake_at(key, self.clock.now() + CONFIG_RETRY_SECONDS)
            self._operation_done(key)
            return
        ports = [port["containerPort"] for port in container.get("ports") or []]
        container_id = self.runtime.create_container(sandbox.id, name, container["image"], ports, config)
        self.recorder.event(pod, NORMAL, "Created", f"Created container {name}")

        def started(error: str | None) -> None:
            if not self.running:
                return
            if error is not None:
                self.recorder.event(pod, WARNING, "Failed", f"Error: {error}")
                self._set_waiting(pod, name, "RunContainerError", error)
            else:
                self.waiting.get(key, {}).pop(name, None)
                self.recorder.event(pod, NORMAL, "Started", f"Started container {name}")
            self._operation_done(key)
        self.runtime.start_container(container_id, started)

    # -- stopping ------------------------------------------------------------------------------
    def _stop_finished_pod(self, key: Key, pod: dict, sandbox: Sandbox | None) -> None:
        """A pod that is Succeeded or Failed keeps nothing running."""
        if sandbox is None:
            return
        running = [c for c in sandbox.containers.values() if c.state == RUNNING]
        if running:
            self._kill_containers(key, pod, running, "Stopping container")
            return
        self.runtime.stop_pod_sandbox(sandbox.id)
        self._write_status(pod, sandbox)

    def _terminate_pod(self, key: Key, pod: dict, sandbox: Sandbox | None) -> None:
        """Stop the containers within the grace period, report the end, delete the pod for good."""
        running = [c for c in sandbox.containers.values() if c.state == RUNNING] if sandbox else []
        if running:
            self._kill_containers(key, pod, running, "Stopping container")
            return
        if sandbox is not None:
            self.runtime.stop_pod_sandbox(sandbox.id)
            self._write_status(pod, sandbox, terminal=True)
        try:
            self.client.delete("pods", meta.name(pod), meta.namespace(pod), grace_period_seconds=0)
        except ApiError as error:
            if error.code != 404:
                raise

    def _kill_containers(self, key: Key, pod: dict, running: list, message: str) -> None:
        """preStop hook, then SIGTERM, then SIGKILL when the grace period is over (killContainer).
        App containers go first; native sidecars after them, in reverse order."""
        from .lifecycle import kill_in_order
        kill_in_order(self, key, pod, running, message)
