"""The simulated container runtime: a containerd on virtual time, behind the CRI (cri.py).

The kubelet never runs a process itself. It asks the runtime, through the Container Runtime
Interface, for a pod *sandbox* (the pod's network namespace, with its IP) and for containers
inside it. This runtime answers every CRI verb (cri.py lists them) without any real process:
a container's process is a little program on the clock (shell.py), its image an entry of the
catalogue (images.py), its files a FileView. `kubelab up --runtime process` swaps in
process_runtime.py behind the same verbs.
The books both keep (sandboxes, pod IPs, images, attempts, events) are runtime_base.py's.

    run_pod_sandbox ──▶ pull_image ──▶ create_container ──▶ start_container
      (gets an IP)       (seconds)         (created)          (running)
                                                                 │ stop_container (SIGTERM,
    remove_pod_sandbox ◀── stop_pod_sandbox ◀────────────────────┘  SIGKILL after the timeout)
      (forgotten)           (IP released)

Invariants: a pod IP belongs to at most one sandbox at a time, and comes back to the pool when
that sandbox stops; a container's state only moves forward, created → running → exited.
What takes time on a real node takes virtual time here (pulls, starts, stops): those are
normal clock timers, so `settle()` waits for them.

Every container state change is announced to subscribers (CRI's GetContainerEvents stream),
so the kubelet hears about a container it did not start itself, e.g. after a kubelet restart.

Images are content: an image's digest and size come from its name alone, so "nginx:1.27" has
the same imageID on every node. Pull times are the node's own (its rng).

Real Kubernetes also has CNI plugins (the bridge and host-local IPAM hand out the IPs), a
running pause container (kubelab only lists its image), cgroups, logs, exec and image garbage
collection; kubelab skips them
because the lesson is the kubelet's loop, not Linux plumbing. host-local hands out addresses
round-robin; kubelab takes the lowest free one, so lessons show small, stable numbers.
"""
from __future__ import annotations

import random
from typing import Callable

from . import container_logs, images
from .cri import (CREATED, EXITED, PAUSE_IMAGE, RUNNING, SANDBOX_NOTREADY, SANDBOX_READY, Container,  # noqa: F401
                  ContainerConfig, ExecResult, Image, PullResult, Sandbox, image_content, normalize_image)
from .runtime_base import RuntimeBase
from .dns import HOST_NAMESERVER, Lookup, Query, ResolvConf, lookup
from .shell import FileView, Process, StartError, check_executable, effective_argv

SERIAL_PULLS = True  # kubelet's serializeImagePulls default: one pull at a time per node


class SimulatedRuntime(RuntimeBase):
    """One node's containerd: sandboxes, containers and images, on virtual time (a cri.RuntimeService
    and cri.ImageService)."""

    def __init__(self, clock, node_name: str, pod_cidr: str | None, rng: random.Random | None = None):
        self.rng = rng or random.Random(0)
        super().__init__(clock, node_name, pod_cidr)
        self._pulls_busy_until = 0.0               # serial pulls: when the current one ends
        self.dns: Query | None = None

    def _new_id(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    # -- images ------------------------------------------------------------------------------
    def pull_image(self, image: str, on_pulled: Callable[[PullResult], None]) -> None:
        """CRI PullImage, on virtual time: a few seconds (less when cached), one pull at a time.
        An image the registries don't have (images.py) fails after the registry's answer."""
        tag = normalize_image(image)
        content = image_content(tag)
        known = images.lookup(tag) is not None
        if not known:
            seconds = self.rng.uniform(0.5, 1.5)   # the round trips to learn it isn't there
        elif tag in self.images:
            seconds = self.rng.uniform(0.3, 0.8)   # only the manifest is fetched
        else:
            bandwidth = self.rng.uniform(15e6, 40e6)  # bytes per second, this node's network
            seconds = 0.5 + content.size / bandwidth
        requested = self.clock.now()
        begins = max(requested, self._pulls_busy_until) if SERIAL_PULLS else requested
        self._pulls_busy_until = begins + seconds

        def pulled() -> None:
            if not known:
                on_pulled(PullResult(content, seconds, self.clock.now() - requested, images.pull_error(tag)))
                return
            self.images[tag] = content
            on_pulled(PullResult(content, seconds, self.clock.now() - requested))
        self.clock.call_later(begins + seconds - requested, pulled)

    # -- containers --------------------------------------------------------------------------
    def _new_container(self, sandbox: Sandbox, name: str, image: Image, ports: list[int], attempt: int,
                       config: ContainerConfig) -> Container:
        """A container whose files are a FileView and whose SIGTERM takes the node's own time."""
        return Container(f"containerd://{self._new_id()}", name, image, ports, created_at=self.clock.now(),
                         restart_count=attempt, shutdown_seconds=round(self.rng.uniform(0.1, 0.6), 3),
                         config=config, files=FileView(config.mounts))

    def start_container(self, container_id: str, on_started: Callable[[str | None], None]) -> None:
        """CRI StartContainer: the process is up a moment later (a normal timer); `on_started`
        gets None, or runc's error when the command isn't in the image (exit 128, StartError)."""
        def started() -> None:
            container = self.container_status(container_id)
            if container is None or container.state != CREATED:
                on_started(None)
                return
            sandbox = self.sandboxes[self.containers[container_id][0]]
            behaviour = images.lookup(container.image.tag) or images.ImageBehaviour(container.image.repository)
            argv = effective_argv(behaviour, container.config.command, container.config.args)
            try:
                check_executable(behaviour, argv)
            except StartError as error:
                container.started_at = self.clock.now()
                self._exit(container, 128, "StartError", str(error))
                on_started(str(error))
                return
            container.state, container.started_at = RUNNING, self.clock.now()
            container.config.env = {"HOSTNAME": sandbox.name, **container.config.env}  # the runtime sets it
            if sandbox.dns is not None:
                container.files.write("/etc/resolv.conf", sandbox.dns.text())
            container.process = Process(behaviour, argv, dict(container.config.env), container.files,
                                        sandbox.name, self.clock.now, lambda name: self.resolve(name, sandbox))
            self._announce(container)
            self._advance(container, container.process.program())
            on_started(None)
        self.clock.call_later(round(self.rng.uniform(0.2, 0.8), 3), started)

    def _advance(self, container: Container, program) -> None:
        """Run the container's program until it sleeps, waits or exits (shell.py's actions).
        Its sleeps are daemon timers: a process that lives on is not "work to settle"."""
        for _ in range(10_000):  # a loop that never sleeps still yields to the clock
            if container.state != RUNNING:
                return
            if self._out_of_memory(container):
                return
            try:
                action = next(program)
            except StopIteration as end:
                code = end.value if isinstance(end.value, int) else 0
                self._exit(container, code, "Completed" if code == 0 else "Error")
                return
            if action[0] == "log":
                container_logs.write(container, self.clock.now(), action[1])
            elif action[0] == "started":
                container_logs.on_start(container, self.clock.now())
            elif action[0] == "serve":
                container.process.listening.update(action[1])
                if self._out_of_memory(container):
                    return
            elif action[0] == "wait":
                return
            elif action[0] == "sleep":
                self.clock.call_later(max(action[1], 0.01), self._advance, container, program, daemon=True)
                return
        self.clock.call_later(0.01, self._advance, container, program, daemon=True)

    def _out_of_memory(self, container: Container) -> bool:
        """The kernel's OOM killer: a process past its cgroup's memory limit dies with SIGKILL."""
        limit = container.config.memory_limit
        if limit is None or container.process is None or container.process.memory_mib * 1024 * 1024 <= limit:
            return False
        self._exit(container, 137, "OOMKilled")
        return True

    def stop_container(self, container_id: str, timeout: float, on_stopped: Callable[[], None]) -> None:
        """CRI StopContainer: SIGTERM; exit when the process is done, or SIGKILL at `timeout`.
        A PID 1 without a SIGTERM handler (a shell, `sleep`) ignores SIGTERM: SIGKILL it is."""
        container = self.container_status(container_id)
        if container is None or container.state != RUNNING:
            self.clock.call_soon(on_stopped)
            return
        handles = container.process is None or container.process.exits_on_sigterm
        graceful = handles and container.shutdown_seconds <= timeout
        delay = container.shutdown_seconds if graceful else max(0.0, timeout)

        def stopped() -> None:
            if container.state != EXITED:
                self._exit(container, 0 if graceful else 137, "Completed" if graceful else "Error")
            on_stopped()
        self.clock.call_later(delay, stopped)

    def exec_sync(self, container_id: str, argv: list[str], timeout: float | None,
                  on_done: Callable[[ExecResult], None], stdin: str | None = None) -> None:
        """CRI ExecSync: the command runs in the container's shell, on virtual time (exec_sync.py)."""
        from .exec_sync import exec_sync
        container = self.container_status(container_id)
        if container is None:
            self.clock.call_soon(on_done, ExecResult(-1, f"container {container_id} not found"))
            return
        exec_sync(self, container, argv, timeout, on_done, stdin)

    def log_lines(self, container: Container) -> list[tuple[float, str]]:
        """(time, text) per line the container printed (container_logs.py writes them)."""
        return container.logs

    def set_sick(self, namespace: str, pod: str, container: str | None = None, sick: bool = True) -> None:
        """Make a pod's app fail (or pass again) its health checks: HTTP 500, gRPC NOT_SERVING."""
        for sandbox in self.list_pod_sandboxes(namespace, pod):
            for running in sandbox.containers.values():
                if container is None or running.name == container:
                    running.sick = sick

    def resolve(self, name: str, sandbox: Sandbox | None = None) -> Lookup:
        """Look `name` up as a container in `sandbox` would: its resolv.conf's search list and
        nameservers (dns.py), asking the cluster DNS through `self.dns` (set by whoever
        assembles the node; unset, no server answers)."""
        conf = sandbox.dns if sandbox is not None and sandbox.dns is not None else ResolvConf([HOST_NAMESERVER])
        return lookup(name, conf, self.dns or (lambda server, fqdn, qtype: None))

    # -- traffic -----------------------------------------------------------------------------
    def serve(self, ip: str, port: int, client_ip: str | None = None) -> dict | None:
        """What answers a connection to ip:port on this node: the pod's process, or None (refused).
        The answering container logs the request (from `client_ip`; default: the node's bridge)."""
        for sandbox in self.sandboxes.values():
            if sandbox.ip != ip or sandbox.state != SANDBOX_READY:
                continue
            listening = [c for c in sandbox.containers.values() if port in c.listening]
            if listening:
                container_logs.on_request(listening[0], self.clock.now(),
                                          client_ip or str(self.network.network_address + 1))
                return {"pod": sandbox.name, "namespace": sandbox.namespace, "node": self.node_name,
                        "container": listening[0].name}
        return None


ContainerRuntime = SimulatedRuntime   # the name the kubelet and older notebooks know
