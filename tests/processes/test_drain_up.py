"""The real kubectl 1.32's `drain` against `kubelab up`: it evicts through pods/eviction, is refused
while a PodDisruptionBudget allows no disruption, and finishes once the budget has room."""
import shutil
import subprocess
from pathlib import Path

import pytest

from .running_up import RunningUp

KUBECTL = "/usr/bin/kubectl"
WEB = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
---
apiVersion: v1
kind: Pod
metadata: {name: lone}
spec:
  nodeName: node-1
  containers: [{name: c, image: nginx}]
"""


@pytest.mark.skipif(not Path(KUBECTL).exists() and not shutil.which("kubectl"), reason="no real kubectl installed")
def test_the_real_kubectl_drain_waits_for_a_pod_disruption_budget(tmp_path):
    kubectl = KUBECTL if Path(KUBECTL).exists() else shutil.which("kubectl")
    up = RunningUp(tmp_path / "up", "--nodes", "2")
    config = str(tmp_path / "up" / "kubeconfig")

    def run(*args, stdin=None):
        return subprocess.run([kubectl, "--kubeconfig", config, *args], input=stdin, capture_output=True,
                              text=True, timeout=90)
    try:
        assert run("apply", "-f", "-", stdin=WEB).returncode == 0
        assert run("expose", "deployment", "web", "--port=80").returncode == 0
        up.eventually(lambda: run("get", "pdb", "web", "-o", "jsonpath={.status.currentHealthy}").stdout == "2",
                      60, "the budget counting 2 healthy pods")
        slices = up.eventually(lambda: (lambda out: out if out.count("10.244.") == 2 else None)(
            run("get", "endpointslices", "-l", "kubernetes.io/service-name=web").stdout), 30, "a slice of 2 pods")
        assert slices.split("\n")[0].split() == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
        assert slices.split("\n")[1].split()[:3] == [slices.split()[5], "IPv4", "80"]
        refused = run("drain", "node-1", "--force", "--timeout=8s")
        assert refused.returncode == 1
        assert "node/node-1 cordoned" in refused.stdout
        assert "Warning: deleting Pods that declare no controller: default/lone" in refused.stderr
        assert "(will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget." \
            in refused.stderr
        assert "global timeout reached: 8s" in refused.stderr
        assert "pod/lone evicted" in refused.stdout
        assert run("scale", "deployment", "web", "--replicas=3").returncode == 0   # a third pod, on node-2
        drained = run("drain", "node-1", "--force", "--timeout=60s")
        assert drained.returncode == 0, drained.stderr
        assert drained.stdout.rstrip().endswith("node/node-1 drained")
        assert "node-1" not in run("get", "pods", "-o", "wide").stdout
        assert run("uncordon", "node-1").stdout == "node/node-1 uncordoned\n"
        run("apply", "-f", "-", stdin=WEB.split("---")[2])
        up.eventually(lambda: "Running" in run("get", "pod", "lone").stdout, 30, "lone running again")
        deleted = run("drain", "node-1", "--force", "--disable-eviction", "--timeout=30s")
        assert deleted.returncode == 0, deleted.stderr
        assert "pod/lone deleted" in deleted.stdout
    finally:
        up.stop()
