"""The README's commands, walked as a new user types them, in order.

Every line of every ```sh block runs as written, in a scratch folder that holds what a clone
holds (`kubelab/examples/...` resolves), with the venv's bin directory on PATH as the README
says (`. .venv/bin/activate`). Only three kinds of line are not run by this test, each checked
another way: `./run lab` and `./run test` (this test runs inside `./run test`; the test checks
./run offers the command), `. .venv/bin/activate` (the file must exist beside this Python),
and `tools/build_lessons.py` (tests/lessons/test_build.py rebuilds the lessons). `kubelab up`
lines start in the background and the lines after them run against the cluster until the next
`kubelab up`, as in a second terminal; port 6443 becomes a free port.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubelab.processes.background import READY_LINE
from kubelab.store.etcd_process import free_ports

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    """Each command line of the README's ```sh blocks, comments stripped."""
    lines, inside = [], False
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("```"):
            inside = line.strip() == "```sh"
            continue
        if inside and line.strip():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                lines.append(command)
    return lines


def run_offers() -> set[str]:
    usage = subprocess.run(["bash", str(ROOT / "run"), "help"], capture_output=True, text=True).stdout
    return set(re.findall(r"\./run (\w+)", usage))


def test_the_readme_shows_the_commands_this_test_walks():
    commands = readme_commands()
    for expected in ("./run lab", "./run test", "kubectl version --client", "kubelab up --nodes 3 --port 6443 "
                     "--data-dir .kubelab", "kubelab store snapshot status backup.snapshot"):
        assert any(command.startswith(expected) for command in commands), expected


def test_every_run_command_the_readme_names_is_one_that_run_offers():
    named = {match for line in (ROOT / "README.md").read_text().splitlines()
             for match in re.findall(r"\./run (\w+)", line)}
    assert named <= run_offers(), f"./run does not offer: {sorted(named - run_offers())}"


class Walk:
    """A shell session in a scratch clone: runs lines, keeps a `kubelab up` in the background."""

    def __init__(self, folder: Path):
        self.folder = folder
        (folder / "kubelab").symlink_to(ROOT / "kubelab")          # kubelab/examples/... as in a clone
        bin_dir = str(Path(sys.executable).parent)
        self.env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
                        PYTHONPATH=str(ROOT), HOME=str(folder))
        self.env.pop("KUBECONFIG", None)
        self.up: subprocess.Popen | None = None
        self.port = None

    def line(self, command: str) -> str:
        if command.startswith("kubelab up"):
            self.stop_up()
            self.port, = free_ports(1)
            command = command.replace("--port 6443", f"--port {self.port}")
            if "--port" not in command:
                command += f" --port {self.port}"
            return self.start_up(command)
        if command.startswith("export "):
            name, value = command[len("export "):].split("=", 1)
            self.env[name] = value.replace("$PWD", str(self.folder))
            return ""
        done = subprocess.run(["bash", "-c", command], cwd=self.folder, env=self.env, capture_output=True,
                              text=True, timeout=180)
        assert done.returncode == 0, f"README line failed: {command}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start_up(self, command: str) -> str:
        self.up = subprocess.Popen(["timeout", "-k", "5", "300", "bash", "-c", f"exec {command}"], cwd=self.folder,
                                   env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
        output, deadline = "", time.monotonic() + 150
        while READY_LINE not in output:
            line = self.up.stdout.readline()
            assert line and time.monotonic() < deadline, f"README line never got ready: {command}\n{output}"
            output += line
        return output

    def stop_up(self) -> None:
        if self.up is not None and self.up.poll() is None:
            os.killpg(self.up.pid, signal.SIGINT)           # Ctrl-C, as the README says
            try:
                self.up.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.up.pid, signal.SIGKILL)
                self.up.wait(10)
        self.up = None


def test_every_readme_command_runs_as_written(tmp_path):
    walk = Walk(tmp_path)
    seen = []
    try:
        for command in readme_commands():
            if command.startswith("./run "):
                assert command.split()[1] in run_offers(), command
                continue
            if command.startswith(". .venv/bin/activate"):
                assert (Path(sys.executable).parent / "activate").exists()
                continue
            if "tools/build_lessons.py" in command:
                continue
            if "--store etcd" in command and not any(
                    Path(p, "etcd").exists() for p in ["/usr/bin", *os.environ.get("PATH", "").split(os.pathsep)]):
                pytest.skip("etcd-server is not installed (./run test installs it as root with apt-get)")
            command = command.replace("DIR", str(tmp_path / "store")).replace("NEW", str(tmp_path / "restored"))
            output = walk.line(command)
            seen.append(command)
            deadline = time.monotonic() + 60   # the pods the apply asked for are on their way
            while command.startswith("kubelab kubectl get pods") and "nginx-deployment-" not in output:
                assert time.monotonic() < deadline, output
                time.sleep(1)
                output = walk.line(command)
            if command == "kubectl version --client":
                assert "Client Version: v1.37" in output            # the shipped one, not the machine's
            if command.startswith("kubelab store") and " get /greeting --prefix --rev 2" in command:
                assert output.splitlines() == ["/greeting", "hello"]
    finally:
        walk.stop_up()
    assert len(seen) >= 15
    assert not list(tmp_path.glob("kubelab-up-*"))
