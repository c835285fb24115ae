"""`kubelab up` supervises its children and takes faults (issue 12, point 6).

A crashed component is restarted with backoff and reported, as the kubelet restarts a static
pod; a component stopped on purpose stays down until started; a node can be partitioned and
healed; a second `kubelab up` on a data dir in use fails before it touches anything. These
stories run real processes on the wall clock, bounded by timeouts.
"""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from running_up import ROOT, RunningUp  # noqa: E402

import subprocess  # noqa: E402

from kubelab.processes.up import _ready_nodes  # noqa: E402


def pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}


def test_components_crash_and_come_back_stop_and_stay_down_and_nodes_partition(tmp_path):
    up = RunningUp(tmp_path, "--nodes", "1", "--restart-backoff", "1s")
    try:
        # A crash: reported and restarted at once; a second crash waits the backoff.
        done = up.fault("crash", "scheduler")
        assert done.returncode == 0 and "scheduler crashed (kill -9)" in done.stdout
        up.wait_for("scheduler exited with code -9; restarting in 0s (restart 1)", 15)
        up.wait_for("scheduler restarted (restart 1", 15)
        up.fault("crash", "scheduler")
        up.wait_for("scheduler exited with code -9; restarting in 1s (restart 2)", 15)
        up.wait_for("scheduler restarted (restart 2", 15)
        # The restarted scheduler does its work.
        up.client.create("pods", pod("after-crash"), "default")
        up.eventually(lambda: up.client.get("pods", "after-crash", "default")["spec"].get("nodeName"),
                      60, "the pod to be scheduled by the restarted scheduler")
        # Stopped on purpose: stays down, and a pod waits unscheduled until it is started.
        done = up.fault("stop", "scheduler")
        assert done.returncode == 0 and "scheduler stopped" in done.stdout
        mark = len(up.lines)
        up.client.create("pods", pod("while-stopped"), "default")
        time.sleep(3)
        assert "scheduler restarted" not in "".join(up.lines[mark:])
        assert not up.client.get("pods", "while-stopped", "default")["spec"].get("nodeName")
        assert "scheduler started" in up.fault("start", "scheduler").stdout
        up.eventually(lambda: up.client.get("pods", "while-stopped", "default")["spec"].get("nodeName"),
                      60, "the pod to be scheduled once the scheduler is started")
        # Its watches dropped, the scheduler lists again and goes on; a delay is taken and ended.
        assert up.fault("drop-watch", "scheduler").returncode == 0
        assert "scheduler: watch events now arrive 1.5s late" in up.fault("delay-watch", "scheduler", "1.5").stdout
        up.client.create("pods", pod("after-drop"), "default")
        up.eventually(lambda: up.client.get("pods", "after-drop", "default")["spec"].get("nodeName"),
                      60, "the pod to be scheduled after the scheduler's watches were dropped")
        assert "on time again" in up.fault("delay-watch", "scheduler", "0").stdout
        log = (tmp_path / "logs" / "scheduler.log").read_text()
        dropped = re.search(r"fault drop-watch: (\d+) watch\(es\) ended", log)
        assert dropped and int(dropped.group(1)) > 0 and "fault delay-watch: 1.5s" in log
        # A partition cuts the kubelet off (no heartbeats); heal lets it go on.
        assert "node-1 partitioned" in up.fault("partition", "node-1").stdout
        assert "node-1 healed" in up.fault("heal", "node-1").stdout
        # Faults the cluster cannot take are one line, exit 1.
        wrong = up.fault("crash", "kubelet/node-9")
        assert wrong.returncode == 1 and wrong.stderr.count("\n") == 1 and "no component" in wrong.stderr
        inside = up.fault("crash", "store")
        assert inside.returncode == 1 and "lives inside apiserver-0" in inside.stderr
    finally:
        up.stop()


def test_a_second_kubelab_up_on_a_data_dir_in_use_fails_before_touching_it(tmp_path):
    up = RunningUp(tmp_path, "--nodes", "1")
    try:
        before = {name: (tmp_path / name).read_bytes() for name in ("kubeconfig", "tokens.csv", "sa.key")}
        second = subprocess.run([sys.executable, "-m", "kubelab", "up", "--nodes", "1", "--data-dir", str(tmp_path),
                                 "--port", str(up.port + 1), "--timeout", "30"],
                                capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert second.returncode == 1
        assert "is in use by another kubelab up (pid" in second.stderr and second.stderr.count("\n") == 1
        assert {name: (tmp_path / name).read_bytes() for name in before} == before
        up.client.list("nodes")   # the first cluster's credentials still work
    finally:
        up.stop()


def test_a_node_left_ready_by_an_earlier_run_is_not_counted_as_ready():
    class Nodes:
        def list(self, resource):
            return {"items": [{"metadata": {"name": "node-1"}, "status": {"conditions": [
                {"type": "Ready", "status": "True", "lastHeartbeatTime": "2025-01-01T00:00:00Z"}]}}]}
    started = time.time()
    assert _ready_nodes(Nodes(), {"node-1"}, since=started) == 0          # stale: an earlier run's heartbeat
    assert _ready_nodes(Nodes(), {"node-1"}, since=1735689500.0) == 1     # fresh enough


def test_kubelab_fault_without_a_running_cluster_says_so_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kubelab", "fault", "--data-dir", str(tmp_path), "crash", "scheduler"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"error: no kubelab up is running on {tmp_path}")
