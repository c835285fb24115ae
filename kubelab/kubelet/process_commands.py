"""What a container of the process runtime really runs: its argv on this machine, and its volumes.

The pod says `command`/`args`; the image says ENTRYPOINT/CMD (images.py); Kubernetes' rule
joins them (shell.effective_argv) and the image must hold the program (shell.check_executable,
the same StartError as the simulated runtime). Then:

    a server of the catalogue      nginx, httpd, /hello-app, agnhost, redis-server, postgres…
    (or python -m http.server)     → python -m kubelab.kubelet.programs serve --ip POD_IP --port P…
    stress (polinux/stress)        → python -m kubelab.kubelet.programs stress …
    sh / bash / ash -c SCRIPT      → /bin/sh -c SCRIPT, with mounted paths rewritten
    anything else                  → the host's program of that name, if it has one

Volumes become directories: each distinct volume (the kubelet shares one dict between the
containers mounting the same volume) gets ROOT/pods/<pod>/volumes/<n>, written with the
volume's files; a word of the command that starts with a mount path is rewritten to the
directory. That keeps `date >> /shared/heartbeat` inside the pod's folder instead of the host's.
"""
from __future__ import annotations

import posixpath
import shutil
import sys
from pathlib import Path

from . import images
from .shell import SERVERS, StartError, check_executable, effective_argv

SHELLS = {"sh", "bash", "ash"}
# The host's nslookup or wget would ask the host's resolver, which knows no cluster names; these
# run kubelab's instead (dns/resolver.py says why a host program's libc cannot be redirected).
DNS_TOOLS = {"nslookup", "wget", "dig", "host"}
SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


def materialize(pod_dir: Path, mounts: dict[str, dict]) -> dict[str, str]:
    """mount path -> a real directory holding that volume's files (written now)."""
    volumes_dir = pod_dir / "volumes"
    directories: dict[str, str] = {}
    known: dict[int, str] = {}
    for mount_path, files in sorted(mounts.items()):
        if id(files) not in known:
            directory = volumes_dir / str(len(known))
            directory.mkdir(parents=True, exist_ok=True)
            for relative, content in files.items():
                target = directory / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    target.write_text(content)
            known[id(files)] = str(directory)
        directories[mount_path] = known[id(files)]
    resolv_conf = pod_dir / "etc" / "resolv.conf"   # the kubelet's DNS config for the pod (CRI's DNSConfig)
    if resolv_conf.exists():
        directories["/etc/resolv.conf"] = str(resolv_conf)
    return directories


def tools_path(root: Path) -> str:
    """A folder of wrappers put first on a container's PATH, so a shell script's `nslookup` or
    `wget` is kubelab's (DNS_TOOLS), as a busybox image's own applets would be."""
    folder = root / "bin"
    for name in sorted(DNS_TOOLS):
        wrapper = folder / name
        text = f'#!/bin/sh\nexec "{sys.executable}" -m kubelab.dns.tools {name} "$@"\n'
        if not wrapper.exists() or wrapper.read_text() != text:
            folder.mkdir(parents=True, exist_ok=True)
            wrapper.write_text(text)
            wrapper.chmod(0o755)
    return str(folder)


def _rewrite(word: str, volumes: dict[str, str]) -> str:
    for mount_path in sorted(volumes, key=len, reverse=True):
        word = word.replace(mount_path.rstrip("/") + "/", volumes[mount_path] + "/")
        if word == mount_path:
            word = volumes[mount_path]
    return word


def _server_ports(behaviour: images.ImageBehaviour, argv: list[str], container) -> list[int]:
    name = posixpath.basename(argv[0])
    if name in ("python", "python3") and argv[1:3] == ["-m", "http.server"]:
        return [int(argv[3])] if len(argv) > 3 and argv[3].isdigit() else [8000]
    if name == "agnhost":
        return [9376 if "serve-hostname" in argv else 8080]
    return list(behaviour.serves) or list(container.ports)


def _is_server(argv: list[str]) -> bool:
    name = posixpath.basename(argv[0])
    return argv[0] in SERVERS or name in SERVERS or name == "agnhost" or \
        (name in ("python", "python3") and argv[1:3] == ["-m", "http.server"])


def container_argv(container, sandbox, volumes: dict[str, str]) -> list[str]:
    """The real argv of a container's main process (StartError when it can't be run)."""
    behaviour = images.lookup(container.image.tag) or images.ImageBehaviour(container.image.repository)
    argv = effective_argv(behaviour, container.config.command, container.config.args)
    check_executable(behaviour, argv)
    name = posixpath.basename(argv[0])
    if name.endswith("entrypoint.sh") or argv[0] == "/usr/local/bin/run.sh":
        argv = argv[1:] or list(behaviour.cmd) or argv
        if not argv or argv[0].startswith("-") or name == "run.sh":
            argv = [next(iter(sorted(behaviour.binaries & SERVERS)), "sh"), *argv]
    if name == "stress":   # polinux/stress: a real memory hog (programs.stress)
        return [sys.executable, "-m", "kubelab.kubelet.programs", "stress", *argv[1:]]
    if name == "coredns":   # the DNS add-on's image: kubelab's DNS server on the pod IP (dns/pod.py)
        return [sys.executable, "-m", "kubelab.dns.pod", *[_rewrite(word, volumes) for word in argv[1:]],
                "--pod-ip", sandbox.ip, "--serviceaccount", _rewrite(SERVICE_ACCOUNT, volumes)]
    if _is_server(argv):
        ports = _server_ports(behaviour, argv, container)
        return [sys.executable, "-m", "kubelab.kubelet.programs", "serve", "--ip", sandbox.ip, "--name", sandbox.name,
                *[word for port in ports for word in ("--port", str(port))]]
    return _host_argv(argv, volumes)


def exec_argv(container, argv: list[str], volumes: dict[str, str]) -> list[str]:
    """`kubectl exec POD -- ARGV`: the command, checked against the image, run on this machine."""
    behaviour = images.lookup(container.image.tag) or images.ImageBehaviour(container.image.repository)
    check_executable(behaviour, argv)
    return _host_argv(argv, volumes)


def _host_argv(argv: list[str], volumes: dict[str, str]) -> list[str]:
    name = posixpath.basename(argv[0])
    argv = [_rewrite(word, volumes) for word in argv]
    if name in SHELLS:
        return ["/bin/sh", *argv[1:]]
    if name in DNS_TOOLS:   # busybox's applets, resolving through the pod's resolv.conf (dns/tools.py)
        return [sys.executable, "-m", "kubelab.dns.tools", name, *argv[1:]]
    program = shutil.which(name)
    if program is None:
        raise StartError("failed to create containerd task: failed to create shim task: OCI runtime create failed: "
                         f'runc create failed: unable to start container process: exec: "{name}": executable file '
                         "not found in $PATH: unknown")
    return [program, *argv[1:]]
