"""`kubelab up --runtime process`: a container past its memory limit is OOMKilled, then backs off.

The docs' "Exceed a Container's memory limit" pod (polinux/stress allocating 250M under a
100Mi limit) really allocates here (programs.stress); the container shim sees its resident
set pass the limit and SIGKILLs it, as the cgroup's OOM killer would: `lastState.terminated`
says OOMKilled with exit code 137, the restarts back off (CrashLoopBackOff), and the real
kubectl's `logs --previous` shows the killed attempt's output. A stress under its limit lives on.
"""
import json
import subprocess

from kubelab.processes.background import real_kubectl

from .running_up import RunningUp

OVER_THE_LIMIT = """
apiVersion: v1
kind: Pod
metadata:
  name: memory-demo-2
spec:
  containers:
  - name: memory-demo-2-ctr
    image: polinux/stress
    resources:
      requests:
        memory: "50Mi"
      limits:
        memory: "100Mi"
    command: ["stress"]
    args: ["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"]
"""

UNDER_THE_LIMIT = """
apiVersion: v1
kind: Pod
metadata:
  name: memory-demo
spec:
  containers:
  - name: memory-demo-ctr
    image: polinux/stress
    resources:
      limits:
        memory: "100Mi"
    command: ["stress"]
    args: ["--vm", "1", "--vm-bytes", "20M", "--vm-hang", "1"]
"""


def test_a_container_past_its_memory_limit_is_oomkilled_and_backs_off(tmp_path):
    kubectl = real_kubectl()
    up = RunningUp(tmp_path / "up", "--nodes", "1", "--runtime", "process")
    config = str(tmp_path / "up" / "kubeconfig")

    def run(*args, stdin=None):
        return subprocess.run([kubectl, "--kubeconfig", config, *args], capture_output=True, text=True,
                              timeout=60, input=stdin)

    def status(name):
        statuses = (up.client.get("pods", name, "default").get("status") or {}).get("containerStatuses") or [{}]
        return statuses[0]
    try:
        up.eventually(lambda: up.client.get("serviceaccounts", "default", "default"), 60, "the default account")
        assert run("apply", "-f", "-", stdin=OVER_THE_LIMIT).returncode == 0
        assert run("apply", "-f", "-", stdin=UNDER_THE_LIMIT).returncode == 0
        killed = up.eventually(lambda: status("memory-demo-2").get("restartCount", 0) >= 1 and status("memory-demo-2"),
                               60, "memory-demo-2 restarted after its OOM kill")
        terminated = killed["lastState"]["terminated"]
        assert (terminated["reason"], terminated["exitCode"]) == ("OOMKilled", 137), json.dumps(killed)

        # the next kill finds the container in CrashLoopBackOff (10 s, then 20 s …)
        waiting = up.eventually(lambda: (status("memory-demo-2").get("state") or {}).get("waiting"), 60,
                                "memory-demo-2 waiting in back-off")
        assert waiting["reason"] == "CrashLoopBackOff", waiting
        assert "back-off 10s restarting failed container=memory-demo-2-ctr" in waiting["message"], waiting
        row = run("get", "pod", "memory-demo-2", "--no-headers").stdout.split()
        assert row[2] in ("CrashLoopBackOff", "OOMKilled"), row

        # the killed attempt's output, kept for --previous
        previous = run("logs", "memory-demo-2", "--previous")
        assert previous.returncode == 0 and "dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd" in previous.stdout, previous

        # the one under its limit runs on, never restarted
        alive = status("memory-demo")
        assert "running" in (alive.get("state") or {}) and alive.get("restartCount") == 0, alive
        none_before = run("logs", "memory-demo", "--previous")
        assert none_before.returncode == 1
        assert 'previous terminated container "memory-demo-ctr" in pod "memory-demo" not found' in none_before.stderr
    finally:
        up.stop()
