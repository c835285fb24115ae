"""What every container runtime does the same way: the bookkeeping side of the CRI (cri.py).

Both of kubelab's runtimes — the simulated containerd (runtime.py) and the process runtime
(process_runtime.py) — keep the same books: sandboxes by id, each holding its containers by
name and the last exited attempt of each (`kubectl logs --previous`), pod IPs handed out from
the node's pod CIDR, images the node holds, and a stream of container events for the kubelet
(GetContainerEvents). Only *running* differs: a program on the clock, or a real process. So
this base class keeps the books, and a runtime supplies four hooks:

    _new_id()                              an id for a sandbox or a container
    _new_container(sandbox, name, image,   the Container object (a simulated one gets a file
                   ports, attempt, config)   view, a real one a log file)
    _kill(container)                       SIGKILL what runs (StopPodSandbox)
    start_container, stop_container, exec_sync, pull_image, log_lines   the CRI verbs that run things

Invariants kept here, for both: a pod IP belongs to at most one sandbox at a time and comes
back to the pool when that sandbox stops; a container's state only moves forward, created →
running → exited (`_exit` refuses to move an exited one); every state change is announced.
"""
from __future__ import annotations

from typing import Callable

from .cri import EXITED, PAUSE_IMAGE, SANDBOX_NOTREADY, Container, ContainerConfig, Image, Sandbox, image_content, \
    normalize_image


class RuntimeBase:
    """Sandboxes, containers, IPs, images and events, for a runtime that supplies the running."""

    def __init__(self, clock, node_name: str, pod_cidr: str | None):
        self.clock, self.node_name = clock, node_name
        self.network = None     # None until the node has a podCIDR (CRI UpdateRuntimeConfig hands it over)
        self._ip_hint = (None, 0)   # (network, lowest address that may be free in it): _allocate_ip
        if pod_cidr:
            self.update_pod_cidr(pod_cidr)
        self.ips_in_use: set[str] = set()          # invariant: each held by exactly one sandbox
        self.sandboxes: dict[str, Sandbox] = {}    # by sandbox id
        # The same sandboxes by pod name and by pod uid, in the order they were made: the kubelet
        # asks for one pod's sandboxes at every sync, and a scan of the node's made that O(pods on it).
        self._by_pod: dict[tuple[str, str], list[Sandbox]] = {}
        self._by_uid: dict[str, list[Sandbox]] = {}
        self.containers: dict[str, tuple[str, str]] = {}  # container id -> (sandbox id, name)
        self.images: dict[str, Image] = {PAUSE_IMAGE: image_content(PAUSE_IMAGE)}  # by tag
        self.subscribers: list[Callable[[Sandbox, Container], None]] = []
        self.host_paths: dict[str, dict] = {}      # hostPath volumes: the node's own files
        self.dns = None   # (server, name, type) -> addresses: how a query reaches a DNS server

    # -- events (GetContainerEvents) ---------------------------------------------------------
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

    # -- sandboxes ---------------------------------------------------------------------------
    def update_pod_cidr(self, pod_cidr: str) -> None:
        """CRI UpdateRuntimeConfig: the node's pod CIDR, once the node IPAM controller gave one."""
        import ipaddress
        self.network = ipaddress.ip_network(pod_cidr)

    def _allocate_ip(self) -> str:
        """The lowest free address: .1 is the node's bridge (cni0), the pods' gateway; pods get
        .2, .3, ... and a freed one is handed out again first. `_ip_hint` remembers, for this
        network, where the search may start (every address below it is in use), so a node's
        110th pod does not walk the 109 addresses before it."""
        network = self.network
        first = int(network.network_address) + 2
        last = int(network.broadcast_address) - (1 if network.num_addresses > 2 else 0)
        hint_network, hint = self._ip_hint
        number = max(first, hint) if hint_network is network else first
        while number <= last:
            address = str(network.network_address.__class__(number))
            if address not in self.ips_in_use:
                self.ips_in_use.add(address)
                self._ip_hint = (network, number + 1)
                return address
            number += 1
        raise RuntimeError(f"failed to allocate for range 0: no IP addresses available in range set: "
                           f"{self.network}")

    def _release_ip(self, address: str) -> None:
        """The address is free again: the next allocation may start as low as it."""
        self.ips_in_use.discard(address)
        hint_network, hint = self._ip_hint
        if hint_network is self.network and self.network is not None:
            number = int(self.network.network_address.__class__(address))
            self._ip_hint = (hint_network, min(hint, number))

    def run_pod_sandbox(self, name: str, namespace: str, uid: str, dns=None) -> Sandbox:
        """CRI RunPodSandbox: the pod's network namespace, with an IP from the node's pod CIDR,
        and its DNS config (dns.py)."""
        sandbox = Sandbox(self._new_id(), name, namespace, uid, self._allocate_ip(),
                          created_at=self.clock.now(), dns=dns)
        self.sandboxes[sandbox.id] = sandbox
        self._by_pod.setdefault((namespace, name), []).append(sandbox)
        self._by_uid.setdefault(uid, []).append(sandbox)
        return sandbox

    def stop_pod_sandbox(self, sandbox_id: str) -> None:
        """CRI StopPodSandbox: kill what still runs, tear down the network (the IP is free again)."""
        sandbox = self.sandboxes.get(sandbox_id)
        if sandbox is None:
            return
        for container in sandbox.containers.values():
            if container.state != EXITED:
                self._kill(container)
        sandbox.state = SANDBOX_NOTREADY
        if sandbox.ip:
            self._release_ip(sandbox.ip)
            sandbox.ip = None

    def remove_pod_sandbox(self, sandbox_id: str) -> None:
        """CRI RemovePodSandbox: stop it if needed, then forget it and its containers."""
        self.stop_pod_sandbox(sandbox_id)
        sandbox = self.sandboxes.pop(sandbox_id, None)
        for container in (sandbox.containers.values() if sandbox else []):
            self.containers.pop(container.id, None)
        if sandbox is not None:
            for index, key in ((self._by_pod, (sandbox.namespace, sandbox.name)), (self._by_uid, sandbox.uid)):
                kept = [other for other in index.get(key, ()) if other is not sandbox]
                if kept:
                    index[key] = kept
                else:
                    index.pop(key, None)

    def list_pod_sandboxes(self, namespace: str | None = None, name: str | None = None) -> list[Sandbox]:
        """CRI ListPodSandbox, optionally for one pod name (oldest first)."""
        if namespace is not None and name is not None:
            return sorted(self._by_pod.get((namespace, name), ()), key=lambda s: s.created_at)
        return [sandbox for sandbox in sorted(self.sandboxes.values(), key=lambda s: s.created_at)
                if (namespace is None or sandbox.namespace == namespace)
                and (name is None or sandbox.name == name)]

    def sandbox_for_pod(self, uid: str) -> Sandbox | None:
        """The sandbox of the pod with this uid, if the runtime has one (the oldest)."""
        found = self._by_uid.get(uid)
        return found[0] if found else None

    # -- images ------------------------------------------------------------------------------
    def image_status(self, image: str) -> Image | None:
        """CRI ImageStatus: the image if this node has it."""
        return self.images.get(normalize_image(image))

    def list_images(self) -> list[Image]:
        return [self.images[tag] for tag in sorted(self.images)]

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
        container = self._new_container(sandbox, name, content, ports, attempt, config or ContainerConfig())
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

    def _exit(self, container: Container, exit_code: int, reason: str = "", message: str = "") -> None:
        """The container's process ended: record how (once) and announce it."""
        if container.state == EXITED:
            return
        if container.started_at is None:
            container.started_at = self.clock.now()
        container.state, container.exit_code = EXITED, exit_code
        container.reason = reason or ("Completed" if exit_code == 0 else "Error")
        container.message = message
        container.finished_at = self.clock.now()
        self._announce(container)

    # -- hooks a runtime supplies --------------------------------------------------------------
    def _new_id(self) -> str:
        raise NotImplementedError

    def _new_container(self, sandbox: Sandbox, name: str, image: Image, ports: list[int], attempt: int,
                       config: ContainerConfig) -> Container:
        raise NotImplementedError

    def _kill(self, container: Container) -> None:
        """SIGKILL: the container ends at once with 137."""
        self._exit(container, 137, "Error")
