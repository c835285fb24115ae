"""The container runtime: a simulated containerd behind the kubelet, shaped like the CRI.

The kubelet never runs a process itself. It asks the runtime, through the Container Runtime
Interface, for a pod *sandbox* (the pod's network namespace, with its IP) and for containers
inside it. The verbs here are the CRI's: RunPodSandbox, StopPodSandbox, RemovePodSandbox,
PullImage, ImageStatus, CreateContainer, StartContainer, StopContainer, ContainerStatus.

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

import hashlib
import ipaddress
import random
from dataclasses import dataclass, field
from typing import Callable

from . import container_logs, images
from .dns import HOST_NAMESERVER, Lookup, Query, ResolvConf, lookup
from .shell import FileView, Process, StartError, check_executable, effective_argv

CREATED, RUNNING, EXITED = "created", "running", "exited"   # CRI's CONTAINER_* states
SANDBOX_READY, SANDBOX_NOTREADY = "ready", "notready"
PAUSE_IMAGE = "registry.k8s.io/pause:3.10"  # the sandbox's image, preloaded as kubeadm does
SERIAL_PULLS = True  # kubelet's serializeImagePulls default: one pull at a time per node


def normalize_image(image: str) -> str:
    """An image name as containerd stores it: "nginx" -> "docker.io/library/nginx:latest"."""
    name, at, digest = image.partition("@")
    first, slash, rest = name.partition("/")
    if not slash or ("." not in first and ":" not in first and first != "localhost"):
        name = f"docker.io/{name}"  # no registry host: Docker Hub
        if "/" not in name[len("docker.io/"):]:
            name = f"docker.io/library/{name[len('docker.io/'):]}"  # an official image
    if at:
        return f"{name}@{digest}"
    if ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    return name


@dataclass
class Image:
    """A pulled image, as CRI's ImageStatus reports it."""
    tag: str      # "docker.io/library/nginx:1.27"
    digest: str   # "sha256:…"
    size: int     # bytes

    @property
    def repository(self) -> str:
        """"docker.io/library/nginx": the name without tag or digest."""
        if "@" in self.tag:
            return self.tag.split("@")[0]
        registry_and_path, _, last = self.tag.rpartition("/")
        return f"{registry_and_path}/{last.split(':')[0]}"

    @property
    def names(self) -> list[str]:
        """How the node's status.images lists it: repo digest, then tag."""
        return [self.image_id] if "@" in self.tag else [self.image_id, self.tag]

    @property
    def image_id(self) -> str:
        """The repo digest Kubernetes shows as containerStatuses[].imageID."""
        return f"{self.repository}@{self.digest}"


def image_content(tag: str) -> Image:
    """The same image on every node: digest and size derived from the name alone."""
    digest = tag.split("@sha256:")[1] if "@sha256:" in tag else \
        hashlib.sha256(f"kubelab-image:{tag}".encode()).hexdigest()
    size = 20_000_000 + int(hashlib.sha256(digest.encode()).hexdigest()[:8], 16) % 60_000_000
    return Image(tag, f"sha256:{digest}", size)  # 20–80 MB, like common base images


@dataclass
class ContainerConfig:
    """CRI's ContainerConfig, the part kubelab models: what to run and with what."""
    command: list | None = None           # the pod's command / args (None: the image's)
    args: list | None = None
    env: dict = field(default_factory=dict)
    mounts: dict = field(default_factory=dict)    # mount path -> a volume's files (shared dict)
    memory_limit: int | None = None       # bytes (resources.limits.memory); past it: OOMKilled


@dataclass
class Container:
    id: str                   # "containerd://<64 hex>"
    name: str
    image: Image
    ports: list[int]          # declared containerPorts
    state: str = CREATED
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    reason: str = ""          # when exited: Completed, Error, OOMKilled, StartError
    message: str = ""
    restart_count: int = 0    # CRI's attempt number
    shutdown_seconds: float = 0.2  # how long the process takes to exit on SIGTERM
    logs: list = field(default_factory=list)  # (time, line): its stdout, see container_logs.py
    config: ContainerConfig = field(default_factory=ContainerConfig)
    process: Process | None = None
    sick: bool = False        # the app's health endpoint fails (a notebook can make it sick)
    killed_by_probe: bool = False  # stopped by the kubelet after a failed liveness/startup probe
    files: FileView | None = None

    @property
    def listening(self) -> set[int]:
        return self.process.listening if self.process is not None and self.state == RUNNING else set()


@dataclass
class Sandbox:
    id: str
    name: str                 # the pod's name, namespace and uid (CRI's PodSandboxMetadata)
    namespace: str
    uid: str
    ip: str | None
    state: str = SANDBOX_READY
    created_at: float = 0.0
    containers: dict[str, Container] = field(default_factory=dict)  # by container name
    previous: dict[str, Container] = field(default_factory=dict)    # the last exited attempt, by name
    dns: ResolvConf | None = None    # CRI's DNSConfig: written as every container's /etc/resolv.conf


@dataclass
class PullResult:
    image: Image
    pull_seconds: float       # the transfer itself
    total_seconds: float      # including waiting for earlier pulls (serial pulls)
    error: str | None = None  # containerd's words when the registry has no such image


class ContainerRuntime:
    """One node's containerd: sandboxes, containers and images, on virtual time."""

    def __init__(self, clock, node_name: str, pod_cidr: str | None, rng: random.Random | None = None):
        self.clock, self.node_name = clock, node_name
        self.rng = rng or random.Random(0)
        # None until the node has a podCIDR (CRI UpdateRuntimeConfig hands it over later).
        self.network = ipaddress.ip_network(pod_cidr) if pod_cidr else None
        self.ips_in_use: set[str] = set()          # invariant: each held by exactly one sandbox
        self.sandboxes: dict[str, Sandbox] = {}    # by sandbox id
        self.images: dict[str, Image] = {PAUSE_IMAGE: image_content(PAUSE_IMAGE)}  # by tag
        self.containers: dict[str, tuple[str, str]] = {}  # container id -> (sandbox id, name)
        self._pulls_busy_until = 0.0               # serial pulls: when the current one ends
        self.subscribers: list[Callable[[Sandbox, Container], None]] = []
        self.host_paths: dict[str, dict] = {}      # hostPath volumes: the node's own files
        self.dns: Query | None = None  # (server, name, type) -> addresses: how a query reaches a DNS server

    def subscribe(self, listener: Callable[[Sandbox, Container], None]) -> None:
        """CRI GetContainerEvents: call `listener(sandbox, container)` on every state change."""
        self.subscribers.append(listener)

    def unsubscribe(self, listener: Callable[[Sandbox, Container], None]) -> None:
        if listener in self.subscribers:
            self.subscribers.remove(listener)

    def _announce(self, container: Container) -> None:
        sandbox_id, _ = self.containers.get(container.id, (None, None))
        if sandbox_id in self.sandboxes:
            for listener in list(self.subscribers):
                listener(self.sandboxes[sandbox_id], container)

    def _new_id(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def update_pod_cidr(self, pod_cidr: str) -> None:
        """CRI UpdateRuntimeConfig: the node's pod CIDR, once the node IPAM controller gave one."""
        self.network = ipaddress.ip_network(pod_cidr)

    # -- sandboxes ---------------------------------------------------------------------------
    def _allocate_ip(self) -> str:
        # .1 is the node's bridge (cni0), the pods' gateway; pods get .2, .3, ...
        for address in self.network.hosts():
            if address != self.network.network_address + 1 and str(address) not in self.ips_in_use:
                self.ips_in_use.add(str(address))
                return str(address)
        raise RuntimeError(f"failed to allocate for range 0: no IP addresses available in range set: "
                           f"{self.network}")

    def run_pod_sandbox(self, name: str, namespace: str, uid: str, dns: ResolvConf | None = None) -> Sandbox:
        """CRI RunPodSandbox: the pod's network namespace, with an IP from the node's pod CIDR,
        and its DNS config (dns.py)."""
        sandbox = Sandbox(self._new_id(), name, namespace, uid, self._allocate_ip(),
                          created_at=self.clock.now(), dns=dns)
        self.sandboxes[sandbox.id] = sandbox
        return sandbox

    def stop_pod_sandbox(self, sandbox_id: str) -> None:
        """CRI StopPodSandbox: kill what still runs, tear down the network (the IP is free again)."""
        sandbox = self.sandboxes.get(sandbox_id)
        if sandbox is None:
            return
        for container in sandbox.containers.values():
            if container.state != EXITED:
                self._exit(container, 137, "Error")  # SIGKILL
        sandbox.state = SANDBOX_NOTREADY
        if sandbox.ip:
            self.ips_in_use.discard(sandbox.ip)
            sandbox.ip = None

    def remove_pod_sandbox(self, sandbox_id: str) -> None:
        """CRI RemovePodSandbox: stop it if needed, then forget it and its containers."""
        self.stop_pod_sandbox(sandbox_id)
        sandbox = self.sandboxes.pop(sandbox_id, None)
        for container in (sandbox.containers.values() if sandbox else []):
            self.containers.pop(container.id, None)

    def list_pod_sandboxes(self, namespace: str | None = None, name: str | None = None) -> list[Sandbox]:
        """CRI ListPodSandbox, optionally for one pod name (oldest first)."""
        return [sandbox for sandbox in sorted(self.sandboxes.values(), key=lambda s: s.created_at)
                if (namespace is None or sandbox.namespace == namespace)
                and (name is None or sandbox.name == name)]

    def sandbox_for_pod(self, uid: str) -> Sandbox | None:
        """The sandbox of the pod with this uid, if the runtime has one."""
        return next((s for s in self.sandboxes.values() if s.uid == uid), None)

    # -- images ------------------------------------------------------------------------------
    def image_status(self, image: str) -> Image | None:
        """CRI ImageStatus: the image if this node has it."""
        return self.images.get(normalize_image(image))

    def list_images(self) -> list[Image]:
        return [self.images[tag] for tag in sorted(self.images)]

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
    def create_container(self, sandbox_id: str, name: str, image: str, ports: list[int],
                         config: ContainerConfig | None = None) -> str:
        """CRI CreateContainer: a container in the sandbox from a pulled image; returns its id.
        A container of the same name that exited before becomes the sandbox's `previous` one
        (its logs stay for `kubectl logs --previous`) and the new one is the next attempt."""
        sandbox = self.sandboxes[sandbox_id]
        content = self.image_status(image)
        if content is None:
            raise RuntimeError(f'failed to create containerd container: image "{image}": not found')
        old = sandbox.containers.get(name)
        attempt = 0
        if old is not None:
            sandbox.previous[name] = old
            self.containers.pop(old.id, None)
            attempt = old.restart_count + 1
        config = config or ContainerConfig()
        container = Container(f"containerd://{self._new_id()}", name, content, ports,
                              created_at=self.clock.now(), restart_count=attempt,
                              shutdown_seconds=round(self.rng.uniform(0.1, 0.6), 3), config=config,
                              files=FileView(config.mounts))
        sandbox.containers[name] = container
        self.containers[container.id] = (sandbox_id, name)
        self._announce(container)
        return container.id

    def container_status(self, container_id: str) -> Container | None:
        """CRI ContainerStatus."""
        if container_id not in self.containers:
            return None
        sandbox_id, name = self.containers[container_id]
        return self.sandboxes[sandbox_id].containers[name]

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

    def _exit(self, container: Container, exit_code: int, reason: str = "", message: str = "") -> None:
        if container.state == EXITED:
            return
        if container.started_at is None:
            container.started_at = self.clock.now()
        container.state, container.exit_code = EXITED, exit_code
        container.reason = reason or ("Completed" if exit_code == 0 else "Error")
        container.message = message
        container.finished_at = self.clock.now()
        self._announce(container)

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
