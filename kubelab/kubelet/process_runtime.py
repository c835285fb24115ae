"""The process runtime: every container a real local process, behind the same CRI (cri.py).

`kubelab up --runtime process` gives each kubelet this runtime instead of the simulated one:

    RunPodSandbox      an IP from the node's pod CIDR, which lies inside 127.0.0.0/8, so it is a
                       real loopback address (Linux routes all of 127/8 to `lo`): nothing is ever
                       added to the host's interfaces and nothing listens beyond loopback
    PullImage          the catalogue of images.py (an unknown image fails as containerd says)
    StartContainer     a container shim (container_shim.py) running the container's process:
                         a server image (nginx, httpd, hello-app, agnhost, python -m http.server)
                           → programs.py's HTTP server on the pod IP and the image's ports
                         `sh -c SCRIPT`       → the host's /bin/sh, volume paths rewritten
                         any other command    → the host's program of that name (sleep, echo…)
    StopContainer      SIGTERM to the shim (passed on), SIGKILL to its process group at the timeout
    ExecSync           the command run the same way, beside the container, with its environment
    logs               CRI-format log files written by the shim, read back for `kubectl logs`

The books (sandboxes, pod IPs, images, attempts, events) are runtime_base.py's, shared with
the simulated runtime; this file only runs things.

Volumes are real directories under the pod's folder (ROOT/pods/<ns>_<name>_<uid>/volumes/…),
filled with the volume's files when the container is created (configMap, secret, projected
token, downward API; an emptyDir is one directory shared by the pod's containers). A path the
pod mounts is rewritten to that directory in the container's command and arguments — the one
way a process without a mount namespace can see "its" /shared; any other absolute path is the
host's own, so run only commands you would run on this machine.

Invariant: no container process outlives its pod, its kubelet, or `kubelab up` — the shim
dies with the kubelet and takes its process group with it; stopping a sandbox, or the runtime,
kills what remains.

Memory limits: the shim samples the container's resident memory and SIGKILLs it past
`resources.limits.memory` (OOMKilled, 137; container_shim.py says how, and what sampling
misses). Left out: namespaces and cgroups (a container can see the host; an exec'd command is
not counted against the limit), images' own file systems, and restart of the kubelet with its
containers kept (the containers die with it and the pods are started again).
"""
from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from . import images
from .cri import (CREATED, EXITED, RUNNING, Container, ContainerConfig, ExecResult, Image, PullResult, Sandbox,
                  image_content, normalize_image)
from .runtime_base import RuntimeBase
from .process_commands import container_argv, materialize, tools_path
from .shell import StartError

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


class ProcessRuntime(RuntimeBase):
    """One node's runtime whose containers are processes on this machine."""

    def __init__(self, clock, node_name: str, pod_cidr: str | None, root_dir: str, rng=None):
        self.root = Path(root_dir).resolve()
        super().__init__(clock, node_name, pod_cidr)
        self._next_id = 0
        # exec shims by the container they run beside: they end with it (one pid namespace, upstream)
        self.exec_sessions: list[tuple[str, subprocess.Popen]] = []

    def _new_id(self) -> str:
        self._next_id += 1
        return f"{os.getpid():08x}{int(time.time() * 1e6):016x}{self._next_id:040x}"

    # -- sandboxes -------------------------------------------------------------------------
    def update_pod_cidr(self, pod_cidr: str) -> None:
        """CRI UpdateRuntimeConfig; a pod CIDR outside 127.0.0.0/8 is refused (loopback only)."""
        network = ipaddress.ip_network(pod_cidr)
        if not network.subnet_of(LOOPBACK):
            raise ValueError(f"the process runtime needs a pod CIDR inside 127.0.0.0/8 (loopback); got {pod_cidr}: "
                             f"start the controller manager with --cluster-cidr 127.244.0.0/16")
        self.network = network

    def run_pod_sandbox(self, name: str, namespace: str, uid: str, dns=None) -> Sandbox:
        sandbox = super().run_pod_sandbox(name, namespace, uid, dns)
        self.pod_dir(sandbox).mkdir(parents=True, exist_ok=True)
        if dns is not None:   # the containers' /etc/resolv.conf (kubelab's nslookup and wget read it)
            (self.pod_dir(sandbox) / "etc").mkdir(exist_ok=True)
            (self.pod_dir(sandbox) / "etc" / "resolv.conf").write_text(dns.text())
        return sandbox

    def pod_dir(self, sandbox: Sandbox) -> Path:
        return self.root / "pods" / f"{sandbox.namespace}_{sandbox.name}_{sandbox.uid}"

    def remove_pod_sandbox(self, sandbox_id: str) -> None:
        sandbox = self.sandboxes.get(sandbox_id)
        super().remove_pod_sandbox(sandbox_id)
        if sandbox is not None:
            shutil.rmtree(self.pod_dir(sandbox), ignore_errors=True)

    # -- images ----------------------------------------------------------------------------
    def pull_image(self, image: str, on_pulled: Callable[[PullResult], None]) -> None:
        """The catalogue says whether the image exists; a pull takes a tenth of a second."""
        tag = normalize_image(image)
        content = image_content(tag)
        error = None if images.lookup(tag) is not None else images.pull_error(tag)
        if error is None:
            self.images[tag] = content
        self.clock.call_later(0.1, on_pulled, PullResult(content, 0.1, 0.1, error))

    # -- containers ------------------------------------------------------------------------
    def _new_container(self, sandbox: Sandbox, name: str, image: Image, ports: list[int], attempt: int,
                       config: ContainerConfig) -> Container:
        """A container with its CRI log file, /var/log/pods' layout: <pod dir>/<name>/<attempt>.log."""
        container = Container(f"containerd://{self._new_id()}", name, image, ports, created_at=self.clock.now(),
                              restart_count=attempt, config=config)
        container.log_path = str(self.pod_dir(sandbox) / name / f"{attempt}.log")
        Path(container.log_path).parent.mkdir(parents=True, exist_ok=True)
        Path(container.log_path).touch()
        return container

    def _environment(self, sandbox: Sandbox, container: Container) -> dict[str, str]:
        return {"PATH": tools_path(self.root) + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
                "HOSTNAME": sandbox.name,
                **container.config.env, "KUBELAB_CONTAINER_DIR": str(self.pod_dir(sandbox)),
                "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}

    def start_container(self, container_id: str, on_started: Callable[[str | None], None]) -> None:
        """Spawn the shim and the container's process; StartError if the command isn't there."""
        container = self.container_status(container_id)
        if container is None or container.state != CREATED:
            self.clock.call_soon(on_started, None)
            return
        sandbox = self.sandboxes[self.containers[container_id][0]]
        try:
            volumes = materialize(self.pod_dir(sandbox), container.config.mounts)
            argv = container_argv(container, sandbox, volumes)
        except StartError as error:
            container.started_at = self.clock.now()
            self._exit(container, 128, "StartError", str(error))
            self.clock.call_soon(on_started, str(error))
            return
        limit = container.config.memory_limit
        config = container.config
        shim = [sys.executable, "-m", "kubelab.kubelet.container_shim", container.log_path,
                *(["--memory-limit", str(limit)] if limit else []), "--io", container.id,
                *[f"--{flag}" for flag, on in (("stdin", config.stdin), ("stdin-once", config.stdin_once),
                                               ("tty", config.tty)) if on], "--", *argv]
        container.process = subprocess.Popen(shim, env=self._environment(sandbox, container), start_new_session=True,
                                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
        container.state, container.started_at = RUNNING, self.clock.now()
        threading.Thread(target=self._wait, args=(container,), name=f"wait-{container.name}", daemon=True).start()
        self._announce(container)
        on_started(None)

    def _wait(self, container: Container) -> None:
        code = container.process.wait()
        try:   # as when a container's PID 1 ends: whatever it started ends with it, exec'd commands too
            os.killpg(container.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._end_execs(container.id)
        code = 128 - code if code < 0 else code
        oom = os.path.exists(container.log_path + ".oom")   # the shim's OOM monitor killed it
        self.clock.call_soon_threadsafe(self._exit, container, code,
                                        "OOMKilled" if oom else "Completed" if code == 0 else "Error")

    def _kill(self, container: Container) -> None:
        """SIGKILL the container's whole process group (the shim and everything it started)."""
        if container.process is not None and container.process.poll() is None:
            try:
                os.killpg(container.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            container.process.wait()
        self._exit(container, 137, "Error")

    def stop_container(self, container_id: str, timeout: float, on_stopped: Callable[[], None]) -> None:
        container = self.container_status(container_id)
        if container is None or container.state != RUNNING:
            self.clock.call_soon(on_stopped)
            return
        container.process.send_signal(signal.SIGTERM)
        deadline = self.clock.now() + max(timeout, 0.0)

        def check() -> None:
            if container.state == EXITED or container.process.poll() is not None:
                if container.state != EXITED:
                    code = container.process.returncode
                    self._exit(container, 128 - code if code < 0 else code)
                on_stopped()
            elif self.clock.now() >= deadline:
                self._kill(container)
                on_stopped()
            else:
                self.clock.call_later(0.05, check)
        self.clock.call_later(0.05, check)

    def exec_sync(self, container_id: str, argv: list[str], timeout: float | None,
                  on_done: Callable[[ExecResult], None], stdin: str | None = None) -> None:
        """Run `argv` beside the container's process, with its environment and volumes."""
        container = self.container_status(container_id)
        if container is None or container.state != RUNNING:
            self.clock.call_soon(on_done, ExecResult(-1, "container not running"))
            return
        sandbox = self.sandboxes[self.containers[container_id][0]]
        started = subprocess_exec(self, sandbox, container, argv, timeout, stdin)
        threading.Thread(target=lambda: self.clock.call_soon_threadsafe(on_done, started()), daemon=True).start()

    def exec_stream(self, container_id: str, argv: list[str], stdin: bool, tty: bool) -> str:
        """CRI Exec (the streaming one): start `argv` beside the container's process under its own
        shim, which waits for the kubelet's server to connect (container_io.py); the id to
        connect to. StartError when the command is not in the image."""
        from .process_commands import exec_argv
        container = self.container_status(container_id)
        if container is None or container.state != RUNNING:
            raise StartError(f'container not found ("{container.name if container else container_id}")')
        sandbox = self.sandboxes[self.containers[container_id][0]]
        command = exec_argv(container, argv, materialize(self.pod_dir(sandbox), container.config.mounts))
        exec_id = f"exec://{self._new_id()}"
        shim = [sys.executable, "-m", "kubelab.kubelet.container_shim", "-", "--io", exec_id, "--exec",
                *(["--stdin"] if stdin else []), *(["--tty"] if tty else []), "--", *command]
        process = subprocess.Popen(shim, env=self._environment(sandbox, container), start_new_session=True,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.exec_sessions = [(c, p) for c, p in self.exec_sessions if p.poll() is None] + [(container_id, process)]
        return exec_id

    def log_lines(self, container: Container) -> list[tuple[float, str]]:
        """(time, text) per line of the container's CRI log file, for container_logs.read."""
        lines = []
        path = container.log_path
        if not path or not os.path.exists(path):
            return lines
        with open(path, errors="replace") as log:
            for line in log:
                stamp, _, rest = line.rstrip("\n").partition(" ")
                _, _, rest = rest.partition(" ")      # stream
                _, _, text = rest.partition(" ")      # F (full line)
                lines.append((_parse_stamp(stamp), text))
        return lines

    # -- the network, for probes -------------------------------------------------------------
    def http_status(self, host: str, port: int, path: str, timeout: float) -> int | None:
        """A real GET to host:port/path; its status code, or None when the connection is refused."""
        import http.client
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"User-Agent": "kube-probe/1.32"})
            return connection.getresponse().status
        except OSError:
            return None
        finally:
            connection.close()

    def tcp_open(self, host: str, port: int, timeout: float) -> bool:
        import socket
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            return True
        except OSError:
            return False

    def shutdown(self) -> None:
        """The kubelet is going away: kill every container (no orphans)."""
        self._end_execs(None)
        for sandbox_id in list(self.sandboxes):
            self.stop_pod_sandbox(sandbox_id)

    def _end_execs(self, container_id: str | None) -> None:
        """SIGKILL the exec sessions beside this container (None: all of them)."""
        for owner, session in list(self.exec_sessions):
            if (container_id is None or owner == container_id) and session.poll() is None:
                try:
                    os.killpg(session.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def subprocess_exec(runtime: ProcessRuntime, sandbox: Sandbox, container: Container, argv: list[str],
                    timeout: float | None, stdin: str | None = None) -> Callable[[], ExecResult]:
    """A function that runs the exec (in a thread) and says how it ended."""
    from .process_commands import exec_argv
    env = runtime._environment(sandbox, container)
    volumes = materialize(runtime.pod_dir(sandbox), container.config.mounts)

    def run() -> ExecResult:
        try:
            command = exec_argv(container, argv, volumes)
        except StartError as error:
            return ExecResult(126, str(error))
        try:
            done = subprocess.run(command, env=env, cwd=str(runtime.pod_dir(sandbox)), input=(stdin or "").encode(),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                                  start_new_session=True)
        except subprocess.TimeoutExpired as expired:
            return ExecResult(-1, (expired.output or b"").decode(errors="replace"), timed_out=True)
        except OSError as error:
            return ExecResult(126, str(error))
        return ExecResult(done.returncode, done.stdout.decode(errors="replace"))
    return run


def _parse_stamp(stamp: str) -> float:
    import calendar
    try:
        whole, _, fraction = stamp.rstrip("Z").partition(".")
        return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + float(f"0.{fraction or 0}")
    except ValueError:
        return 0.0
