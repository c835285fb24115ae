"""The Container Runtime Interface: what the kubelet asks of a container runtime, whichever it is.

Upstream's kubelet talks to containerd or CRI-O over gRPC through two services (the CRI's
api.proto); kubelab keeps their verbs, in Python's spelling, and one data shape for what they
return, so the kubelet's code never asks which runtime it drives:

    RuntimeService   RunPodSandbox, StopPodSandbox, RemovePodSandbox, ListPodSandbox,
                     CreateContainer, StartContainer, StopContainer, ContainerStatus,
                     ExecSync, UpdateRuntimeConfig, GetContainerEvents (subscribe)
    ImageService     PullImage, ImageStatus, ListImages

Two implementations: runtime.py, a simulated containerd on virtual time (notebooks, tests,
`kubelab up` by default), and process_runtime.py, where a container is a real local process
bound to its pod's loopback IP (`kubelab up --runtime process`).

Calls that take time on a real node (PullImage, StartContainer, StopContainer, ExecSync) take
a callback instead of blocking, because the kubelet runs on one thread with a clock: a
simulated runtime calls back on virtual time, a real one from its own threads through the
clock. Invariants both keep: a pod IP belongs to at most one sandbox at a time, and a
container's state only moves forward, created → running → exited.

Left out of the CRI: container stats, checkpoints, port-forward and attach streams (the
kubelet's server asks the process runtime directly), and image removal.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

CREATED, RUNNING, EXITED = "created", "running", "exited"   # CRI's CONTAINER_* states
SANDBOX_READY, SANDBOX_NOTREADY = "ready", "notready"
PAUSE_IMAGE = "registry.k8s.io/pause:3.10"  # the sandbox's image, preloaded as kubeadm does


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
    stdin: bool = False                   # the container's stdin stays open (attach -i writes to it)
    stdin_once: bool = False              # ... and closes when the first attach session ends
    tty: bool = False                     # its process runs on a terminal


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
    process: Any = None          # the simulated Process (shell.py), or a real one (process_runtime.py)
    sick: bool = False        # the app's health endpoint fails (a notebook can make it sick)
    killed_by_probe: bool = False  # stopped by the kubelet after a failed liveness/startup probe
    files: Any = None            # the simulated runtime's FileView
    log_path: str = ""           # the process runtime's CRI log file

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
    dns: object = None        # CRI's DNSConfig (dns.ResolvConf): every container's /etc/resolv.conf


@dataclass
class PullResult:
    image: Image
    pull_seconds: float       # the transfer itself
    total_seconds: float      # including waiting for earlier pulls (serial pulls)
    error: str | None = None  # containerd's words when the registry has no such image


@dataclass
class ExecResult:
    """CRI ExecSyncResponse: how a command run in a container ended."""
    exit_code: int
    output: str
    timed_out: bool = False


class ImageService(Protocol):
    def pull_image(self, image: str, on_pulled: Callable[[PullResult], None]) -> None:
        """PullImage: fetch the image; `on_pulled` hears how it went (PullResult.error when it failed)."""

    def image_status(self, image: str) -> Image | None:
        """ImageStatus: the image if the node has it."""

    def list_images(self) -> list[Image]:
        """ListImages: what the node holds (the Node's status.images)."""


class RuntimeService(Protocol):
    clock: Any
    network: Any                       # the node's pod CIDR (ipaddress network), None until known
    host_paths: dict

    def update_pod_cidr(self, pod_cidr: str) -> None:
        """UpdateRuntimeConfig: the node's pod CIDR, once the node IPAM controller gave one."""

    def run_pod_sandbox(self, name: str, namespace: str, uid: str, dns=None) -> Sandbox:
        """RunPodSandbox: the pod's network namespace, with an IP from the node's pod CIDR, and
        its DNS config (dns.ResolvConf: the containers' /etc/resolv.conf)."""

    def stop_pod_sandbox(self, sandbox_id: str) -> None:
        """StopPodSandbox: kill what still runs, release the IP."""

    def remove_pod_sandbox(self, sandbox_id: str) -> None:
        """RemovePodSandbox: stop it if needed, then forget it and its containers."""

    def list_pod_sandboxes(self, namespace: str | None = None, name: str | None = None) -> list[Sandbox]:
        """ListPodSandbox, oldest first."""

    def sandbox_for_pod(self, uid: str) -> Sandbox | None:
        """The sandbox of the pod with this uid (ListPodSandbox filtered by the pod's uid label)."""

    def create_container(self, sandbox_id: str, name: str, image: str, ports: list[int],
                         config: ContainerConfig | None = None) -> str:
        """CreateContainer: a container in the sandbox from a pulled image; its id."""

    def start_container(self, container_id: str, on_started: Callable[[str | None], None]) -> None:
        """StartContainer: `on_started(None)`, or the runtime's error (StartError)."""

    def stop_container(self, container_id: str, timeout: float, on_stopped: Callable[[], None]) -> None:
        """StopContainer: SIGTERM, SIGKILL after `timeout` seconds."""

    def container_status(self, container_id: str) -> Container | None:
        """ContainerStatus."""

    def exec_sync(self, container_id: str, argv: list[str], timeout: float | None,
                  on_done: Callable[[ExecResult], None], stdin: str | None = None) -> None:
        """ExecSync: run `argv` in the container (reading `stdin`, if given, then end of input);
        `on_done` hears its exit code and output."""

    def subscribe(self, listener: Callable[[Sandbox, Container], None]) -> None:
        """GetContainerEvents: `listener(sandbox, container)` on every container state change."""

    def unsubscribe(self, listener: Callable[[Sandbox, Container], None]) -> None:
        """Stop hearing container events."""
