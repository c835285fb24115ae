"""A fault schedule against `kubelab up`: seeded kills during writes, then nothing lost and convergence.

The story. A cluster runs as processes (two API servers on kubelab's file store server, two
nodes). A writer creates ConfigMaps and scales a Deployment, as fast as the cluster answers,
while a seeded schedule kills -9, at random moments, the store, an API server, the scheduler
and the controller manager (`kubelab fault crash`; the supervisor restarts each). Afterwards:
every write the API acknowledged (a 2xx answer) is there, with what was written, and the
Deployment converges to the last size acknowledged — its ReplicaSet and exactly that many
Running pods. The suite runs a short schedule (test_fault_schedule.py); a bigger one is

    python tests/processes/fault_schedule.py --faults 30 --seconds 120 --seed 7

which prints the rounds, requests, faults and what was lost (benchmarks/RESULTS.md keeps them).
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from running_up import RunningUp  # noqa: E402

from kubelab.client import ApiError  # noqa: E402

TARGETS = ("store", "apiserver-0", "apiserver-1", "scheduler", "controller-manager")
DEPLOYMENT = "steady"


def deployment(replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": DEPLOYMENT},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": DEPLOYMENT}},
                     "template": {"metadata": {"labels": {"app": DEPLOYMENT}},
                                  "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}


@dataclass
class Outcome:
    requests: int = 0                       # write attempts
    refused: int = 0                        # attempts that got an error (the cluster was hurt)
    acknowledged: dict[str, str] = field(default_factory=dict)   # ConfigMap -> its value
    scales: list[int] = field(default_factory=list)              # acknowledged sizes, in order
    faults: list[tuple[float, str]] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    converged_after: float = 0.0


def writer(up: RunningUp, outcome: Outcome, stop: threading.Event, rng: random.Random) -> None:
    """ConfigMaps and scale changes, each retried until acknowledged or the run ends."""
    number = 0
    while not stop.is_set():
        outcome.requests += 1
        try:
            if rng.random() < 0.8:
                name, value = f"cm-{number}", f"value-{number}-{rng.randrange(10**6)}"
                try:
                    up.client.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                    "metadata": {"name": name}, "data": {"v": value}}, "default")
                except ApiError as error:
                    if error.reason != "AlreadyExists":   # an earlier attempt did land: acknowledged now
                        raise
                    value = up.client.get("configmaps", name, "default")["data"]["v"]
                outcome.acknowledged[name] = value
                number += 1
            else:
                size = rng.randrange(1, 5)
                up.client.patch("deployments", DEPLOYMENT, {"spec": {"replicas": size}}, "default")
                outcome.scales.append(size)
        except ApiError:
            outcome.refused += 1
            time.sleep(0.2)


def run(data_dir: Path, faults: int, seconds: float, seed: int, converge_seconds: float = 120.0) -> Outcome:
    rng = random.Random(seed)
    outcome = Outcome()
    up = RunningUp(data_dir, "--nodes", "2", "--apiservers", "2", "--store", "file", "--restart-backoff", "1s",
                   bound=int(seconds + converge_seconds + 120))
    try:
        up.client.create("deployments", deployment(2), "default")
        outcome.scales.append(2)
        stop = threading.Event()
        thread = threading.Thread(target=writer, args=(up, outcome, stop, random.Random(seed + 1)), daemon=True)
        thread.start()
        started = time.monotonic()
        moments = sorted(rng.uniform(1.0, seconds - 1.0) for _ in range(faults))
        for moment in moments:
            time.sleep(max(0.0, started + moment - time.monotonic()))
            target = rng.choice(TARGETS)
            done = up.fault("crash", target)
            assert done.returncode == 0, done.stderr
            outcome.faults.append((round(moment, 1), target))
        time.sleep(max(0.0, started + seconds - time.monotonic()))
        stop.set()
        thread.join(30)
        # Nothing acknowledged is lost.
        settled = time.monotonic()
        stored = {item["metadata"]["name"]: item["data"]["v"] for item in   # (not kube-root-ca.crt)
                  up.eventually(lambda: up.client.list("configmaps", "default")["items"] or None, 60,
                                "the API to answer after the schedule") if "v" in (item.get("data") or {})}
        outcome.lost = sorted(name for name, value in outcome.acknowledged.items() if stored.get(name) != value)
        # The Deployment converges to the last acknowledged size: exactly that many Running pods.
        desired = outcome.scales[-1]

        def converged() -> bool:
            status = up.client.get("deployments", DEPLOYMENT, "default").get("status", {})
            pods = up.client.list("pods", "default", label_selector=f"app={DEPLOYMENT}")["items"]
            running = [pod for pod in pods if pod.get("status", {}).get("phase") == "Running"
                       and not pod["metadata"].get("deletionTimestamp")]
            return status.get("readyReplicas") == desired and status.get("replicas") == desired \
                and len(running) == desired == len(pods)
        up.eventually(converged, converge_seconds, f"the Deployment to converge to {desired}")
        outcome.converged_after = time.monotonic() - settled
        return outcome
    finally:
        up.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="seeded kills during writes against kubelab up")
    parser.add_argument("--faults", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kubelab-faults-") as directory:
        outcome = run(Path(directory), args.faults, args.seconds, args.seed)
    kinds = {target: sum(1 for _, t in outcome.faults if t == target) for target in TARGETS}
    print(f"{args.seconds:.0f}s, {len(outcome.faults)} kill -9 ({', '.join(f'{t} {n}' for t, n in kinds.items())}), "
          f"{outcome.requests} write requests ({outcome.refused} refused while hurt), "
          f"{len(outcome.acknowledged)} ConfigMaps and {len(outcome.scales)} scales acknowledged, "
          f"{len(outcome.lost)} lost, converged {outcome.converged_after:.1f}s after the last fault window")
    return 0 if not outcome.lost else 1


if __name__ == "__main__":
    sys.exit(main())
