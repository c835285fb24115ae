"""The real kubectl 1.32 against `kubelab up`: a claim of the default class binds once its pod
is scheduled, and `kubectl get sc,pv,pvc` prints v1.32's columns from the API server's Tables."""
import shutil
import subprocess
from pathlib import Path

import pytest

from .running_up import RunningUp

KUBECTL = "/usr/bin/kubectl"
APP = """apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
  - {name: app, image: nginx, volumeMounts: [{name: data, mountPath: /data}]}
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: data}}
"""


@pytest.mark.skipif(not Path(KUBECTL).exists() and not shutil.which("kubectl"), reason="no real kubectl installed")
def test_a_claim_of_the_default_class_binds_under_kubelab_up(tmp_path):
    kubectl = KUBECTL if Path(KUBECTL).exists() else shutil.which("kubectl")
    up = RunningUp(tmp_path / "up", "--nodes", "2")
    config = str(tmp_path / "up" / "kubeconfig")

    def run(*args, stdin=None):
        return subprocess.run([kubectl, "--kubeconfig", config, *args], input=stdin, capture_output=True,
                              text=True, timeout=90)
    try:
        classes = up.eventually(lambda: (lambda out: out if "standard" in out else None)(run("get", "sc").stdout),
                                60, "the default StorageClass")
        assert classes.split("\n")[0].split() == ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE",
                                                  "ALLOWVOLUMEEXPANSION", "AGE"]
        assert classes.split("\n")[1].split()[:5] == ["standard", "(default)", "kubelab.io/hostpath", "Delete",
                                                      "WaitForFirstConsumer"]
        assert run("apply", "-f", "-", stdin=APP).returncode == 0
        up.eventually(lambda: "Running" in run("get", "pod", "app").stdout, 90, "the pod running on its volume")
        claims = run("get", "pvc").stdout.split("\n")
        assert claims[0].split() == ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS",
                                     "VOLUMEATTRIBUTESCLASS", "AGE"]
        assert claims[1].split()[:2] == ["data", "Bound"] and claims[1].split()[3:7] == ["1Gi", "RWO", "standard",
                                                                                       "<unset>"]
        volume = run("get", "pv").stdout.split("\n")[1].split()
        assert volume[1:7] == ["1Gi", "RWO", "Delete", "Bound", "default/data", "standard"]
        described = run("describe", "pvc", "data").stdout
        assert "ProvisioningSucceeded" in described and "Used By:" in described
    finally:
        up.stop()
