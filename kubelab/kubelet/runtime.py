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

from . import container_logs

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
    restart_count: int = 0    # CRI's attempt number
    shutdown_seconds: float = 0.2  # how long the process takes to exit on SIGTERM
    logs: list = field(default_factory=list)  # (time, line): its stdout, see container_logs.py


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


@dataclass
class PullResult:
    image: Image
    pull_seconds: float       # the transfer itself
    total_seconds: float      # including waiting for earlier pulls (serial pulls)


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

    def run_pod_sandbox(self, name: str, namespace: str, uid: str) -> Sandbox:
        """CRI RunPodSandbox: the pod's network namespace, with an IP from the node's pod CIDR."""
        sandbox = Sandbox(self._new_id(), name, namespace, uid, self._allocate_ip(),
                          created_at=self.clock.now())
        self.sandboxes[sandbox.id] = sandbox
        return sandbox

    def stop_pod_sandbox(self, sandbox_id: str) -> None:
        """CRI StopPodSandbox: kill what still runs, tear down the network (the IP is free again)."""
        sandbox = self.sandboxes.get(sandbox_id)
        if sandbox is None:
            return
        for container in sandbox.containers.values():
            if container.state != EXITED:
                self._exit(container, 137)  # SIGKILL
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
        """CRI PullImage, on virtual time: a few seconds (less when cached), one pull at a time."""
        tag = normalize_image(image)
        content = image_content(tag)
        if tag in self.images:
            seconds = self.rng.uniform(0.3, 0.8)   # only the manifest is fetched
        else:
            bandwidth = self.rng.uniform(15e6, 40e6)  # bytes per second, this node's network
            seconds = 0.5 + content.size / bandwidth
        requested = self.clock.now()
        begins = max(requested, self._pulls_busy_until) if SERIAL_PULLS else requested
        self._pulls_busy_until = begins + seconds

        def pulled() -> None:
            self.images[tag] = content
            on_pulled(PullResult(content, seconds, self.clock.now() - requested))
        self.clock.call_later(begins + seconds - requested, pulled)

    # -- containers --------------------------------------------------------------------------
    def create_container(self, sandbox_id: str, name: str, image: str, ports: list[int]) -> str:
        """CRI CreateContainer: a container in the sandbox from a pulled image; returns its id."""
        sandbox = self.sandboxes[sandbox_id]
        content = self.image_status(image)
        if content is None:
            raise RuntimeError(f'failed to create containerd container: image "{image}": not found')
        container = Container(f"containerd://{self._new_id()}", name, content, ports,
                              created_at=self.clock.now(),
                              shutdown_seconds=round(self.rng.uniform(0.1, 0.6), 3))
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

    def start_container(self, container_id: str, on_started: Callable[[], None]) -> None:
        """CRI StartContainer: the process is up a moment later (a normal timer)."""
        def started() -> None:
            container = self.container_status(container_id)
            if container is not None and container.state == CREATED:
                container.state, container.started_at = RUNNING, self.clock.now()
                container_logs.on_start(container, self.clock.now())
                self._announce(container)
            on_started()
        self.clock.call_later(round(self.rng.uniform(0.2, 0.8), 3), started)

    def stop_container(self, container_id: str, timeout: float, on_stopped: Callable[[], None]) -> None:
        """CRI StopContainer: SIGTERM; exit when the process is done, or SIGKILL at `timeout`."""
        container = self.container_status(container_id)
        if container is None or container.state != RUNNING:
            self.clock.call_soon(on_stopped)
            return
        graceful = container.shutdown_seconds <= timeout
        delay = container.shutdown_seconds if graceful else max(0.0, timeout)

        def stopped() -> None:
            if container.state != EXITED:
                self._exit(container, 0 if graceful else 137)
            on_stopped()
        self.clock.call_later(delay, stopped)

    def _exit(self, container: Container, exit_code: int) -> None:
        if container.started_at is None:
            container.started_at = self.clock.now()
        container.state, container.exit_code = EXITED, exit_code
        container.finished_at = self.clock.now()
        self._announce(container)

    # -- traffic -----------------------------------------------------------------------------
    def serve(self, ip: str, port: int, client_ip: str | None = None) -> dict | None:
        """What answers a connection to ip:port on this node: the pod's process, or None (refused).
        The answering container logs the request (from `client_ip`; default: the node's bridge)."""
        for sandbox in self.sandboxes.values():
            if sandbox.ip != ip or sandbox.state != SANDBOX_READY:
                continue
            running = [c for c in sandbox.containers.values() if c.state == RUNNING]
            declared = [c for c in running if c.ports]
            listening = [c for c in declared if port in c.ports] if declared else running
            if listening:
                container_logs.on_request(listening[0], self.clock.now(),
                                          client_ip or str(self.network.network_address + 1))
                return {"pod": sandbox.name, "namespace": sandbox.namespace, "node": self.node_name,
                        "container": listening[0].name}
        return None
