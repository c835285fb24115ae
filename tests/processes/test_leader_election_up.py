"""`kubelab up --controller-managers 2 --schedulers 2`: one of each leads, over real processes;
kill the leading controller manager and the standby takes the Lease within its 15 s."""
import time

from kubelab.objects.timefmt import parse

from .running_up import RunningUp

MANIFEST = open("kubelab/examples/nginx-deployment.yaml").read()


def test_two_controller_managers_elect_one_leader_and_the_standby_takes_over(tmp_path):
    up = RunningUp(tmp_path / "up", "--nodes", "1", "--controller-managers", "2", "--schedulers", "2")
    try:
        lease = up.eventually(lambda: up.client.get("leases", "kube-controller-manager", "kube-system"),
                              30, "the controller manager's Lease")
        assert up.eventually(lambda: up.client.get("leases", "kube-scheduler", "kube-system"), 30, "the scheduler's")
        first = lease["spec"]["holderIdentity"]
        logs = {name: (tmp_path / "up" / "logs" / f"{name}.log") for name in ("controller-manager", "controller-manager-1")}
        assert all(path.exists() for path in logs.values())
        # Which process leads: the one whose controllers wrote (its service-account token was requested).
        killed = "controller-manager"
        up.fault("crash", killed)   # the supervisor restarts it, after its backoff, as a standby
        crashed_at = time.time()

        def taken_over():
            spec = up.client.get("leases", "kube-controller-manager", "kube-system")["spec"]
            return spec if spec["holderIdentity"] != first else None
        # If the crashed one was the standby, the leader keeps the Lease: crash the other one.
        try:
            spec = up.eventually(taken_over, 25, "a new holder")
        except AssertionError:
            up.fault("crash", "controller-manager-1")
            crashed_at = time.time()
            spec = up.eventually(taken_over, 25, "a new holder")
        assert time.time() - crashed_at <= 15 + 2 * 2.2 + 3   # lease + a retry + polling
        assert spec["leaseTransitions"] >= 1
        up.client.create("deployments", __import__("yaml").safe_load(MANIFEST), "default")
        up.eventually(lambda: len([p for p in up.client.list("pods", "default")["items"]
                                   if p["status"].get("phase") == "Running"]) == 3, 60, "3 pods under the new leader")
        assert parse(spec["renewTime"]) > 0
    finally:
        up.stop()
