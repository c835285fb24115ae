"""What does the API server's watch cache save? The same cluster settled with it on and off.

    .venv/bin/python benchmarks/watch_cache_bench.py [--nodes 10 30 50] [--pods-per-node 30]

For each N and each setting (`Cluster(nodes=N, watch_cache=True|False)`), in a fresh process
(so peak RSS is that run's own): N × 30 pods as Deployments of 300 in one namespace, then
`settle()` until they run; prints settle CPU seconds, peak RSS, and how many frozen object
trees were built (objects/frozen.py: with the cache one per object version, shared by every
informer; without it one per watcher that hears the version).
Then the growth exponent of settle CPU against pods for each setting (least squares, log-log).
CPU seconds of the measured process: the machine is shared and wall time is noisy.
"""
from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kubelab.objects import frozen  # noqa: E402

PAUSE = "registry.k8s.io/pause:3.10"


def run(nodes: int, cache: bool, pods_per_node: int) -> dict:
    """One size, one setting, in this process."""
    from kubelab.cluster import Cluster
    cluster = Cluster(nodes=nodes, watch_cache=cache, progress=False)
    pods = nodes * pods_per_node
    start = time.process_time()
    for index in range(0, pods, 300):
        name, replicas = f"web-{index // 300}", min(300, pods - index)
        cluster.client.create("deployments", {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "web", "image": PAUSE}]}}}}, "default")
    cluster.settle(600)
    cpu = time.process_time() - start
    items = cluster.client.list("pods", "default")["items"]
    running = sum(1 for pod in items if pod.get("status", {}).get("phase") == "Running")
    return {"nodes": nodes, "pods": pods, "cache": cache, "cpu": cpu, "running": running,
            "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "trees": frozen.trees_built}


def exponent(rows: list[dict]) -> float:
    xs = [math.log(row["pods"]) for row in rows]
    ys = [math.log(row["cpu"]) for row in rows]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[10, 30, 50])
    parser.add_argument("--pods-per-node", type=int, default=30)
    parser.add_argument("--one", nargs=2, metavar=("N", "on|off"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(int(args.one[0]), args.one[1] == "on", args.pods_per_node)))
        return
    rows = []
    print("| nodes | pods | watch cache | settle CPU s | peak RSS | frozen trees built |")
    print("|---|---|---|---|---|---|")
    for nodes in args.nodes:
        for setting in ("on", "off"):
            out = subprocess.run([sys.executable, __file__, "--one", str(nodes), setting,
                                  "--pods-per-node", str(args.pods_per_node)],
                                 capture_output=True, text=True, check=True).stdout
            row = json.loads(out.strip().splitlines()[-1])
            rows.append(row)
            print(f"| {nodes} | {row['pods']:,} | {setting} | {row['cpu']:.1f} | {row['rss']:.0f} MiB | "
                  f"{row['trees']:,} |", flush=True)
    if len(args.nodes) > 1:
        for setting in (True, False):
            print(f"growth exponent, watch cache {'on' if setting else 'off'}: "
                  f"{exponent([row for row in rows if row['cache'] is setting]):.2f}")


if __name__ == "__main__":
    main()
