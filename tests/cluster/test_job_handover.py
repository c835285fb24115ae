"""No Job over-completes when the leading controller manager dies mid-run (issue 10, Done when).

Two controller managers elect a leader; each seeded run crashes whichever leads at random
moments while a Job with completions 5 and parallelism 2 runs, then lets the standby take
over, with the managers' watch events delivered up to 1.5 s late. A pod that succeeded is counted once (the job-tracking finalizer and
uncountedTerminatedPods), and a new leader lists before it acts, so no run may end with more
succeeded pods than completions, nor with a Job that never completes.
"""
import random

import pytest

from kubelab import Cluster


def job(name, completions, parallelism, mode="NonIndexed"):
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"completions": completions, "parallelism": parallelism, "completionMode": mode,
                     "template": {"spec": {"restartPolicy": "Never", "containers": [
                         {"name": "work", "image": "busybox", "command": ["sh", "-c", "sleep 3"]}]}}}}


def leaders(cluster):
    return [name for name in cluster.manager_names if name in cluster.running and cluster.running[name].leading]


def succeeded_pods(cluster, name):
    return [pod for pod in cluster.list("pods", label_selector=f"job-name={name}")
            if pod["status"].get("phase") == "Succeeded"]


@pytest.mark.parametrize("seed", range(20))
def test_killing_the_leading_controller_manager_never_over_completes_a_job(seed):
    rng = random.Random(seed)
    cluster = Cluster(nodes=3, seed=seed, controller_managers=2)
    mode = "Indexed" if seed % 2 else "NonIndexed"
    cluster.apply(job("work", 5, 2, mode))
    most = 0
    for _ in range(3):
        for manager in cluster.manager_names:   # late watch events: caches behind their own writes
            cluster.fault.delay_watch(manager, rng.choice([0, 0.5, 1.5]))
        cluster.run(rng.uniform(0, 6))
        leader = leaders(cluster)
        if leader:
            cluster.fault.crash(leader[0])
        for _ in range(30):
            cluster.run(1)
            most = max(most, len(succeeded_pods(cluster, "work")))
    for _ in range(120):
        cluster.run(1)
        most = max(most, len(succeeded_pods(cluster, "work")))
        if cluster.get("jobs", "work")["status"].get("completionTime"):
            break
    status = cluster.get("jobs", "work")["status"]
    assert most <= 5, f"{most} pods succeeded for 5 completions"
    assert status.get("succeeded") == 5 and status.get("completionTime"), status
    if mode == "Indexed":
        assert status["completedIndexes"] == "0-4"
