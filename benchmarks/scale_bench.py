"""How does a whole cluster's cost grow with its size? Deployments of 30 pods per node, settled.

    .venv/bin/python benchmarks/scale_bench.py [--nodes 10 30 50] [--pods-per-node 30]
        [--pods-per-deployment 300] [--pods-per-namespace 3000] [--image IMAGE] [--profile N]
        [--write-results]

For each N of `--nodes`, in a fresh process (so peak RSS is that size's own):
  1. `Cluster(nodes=N)` (in process, memory store, virtual clock) — its start is timed apart;
  2. N × 30 pods as Deployments of `--pods-per-deployment` replicas (the last one smaller if
     need be), spread over namespaces of at most `--pods-per-namespace` pods (upstream's scale
     tests keep a namespace to a few thousand pods), all created at one virtual instant;
  3. `settle()` until every pod is Running, and measured: wall and CPU seconds, peak RSS,
     pods per wall and per CPU second, virtual seconds, and pod-startup latency in virtual
     time, p50 / p99 — upstream's SLO (p99 ≤ 5 s) measures from the pod's creation to the
     moment a watch sees it Running; here both instants are when an informer on the pods
     (one extra watcher, the benchmark's own) sees the pod ADDED and then Running, on the
     virtual clock, so the figure does not depend on the machine.
Then the growth exponent: the slope of log(CPU seconds) against log(pods) over all sizes,
least squares (1 is linear; issue 13's target is ≤ 1.1).

`--profile N` runs size N once under cProfile and prints where the CPU time goes (the 25
functions with the most time of their own, and the 25 with the most cumulative time).
`--write-results` puts the table, the command and the machine's facts under "## Scale" in
benchmarks/RESULTS.md (the other sections stay as they are).
"""
from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import math
import os
import platform
import pstats
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kubelab.client.informer import Informer  # noqa: E402
from kubelab.cluster import Cluster  # noqa: E402

# Upstream's scale tests (clusterloader2's load and density tests) run pods of the pause
# image, which every node already has (the sandbox's own): the measure is the control plane
# and the kubelets, not image pulls — which the pod-startup SLO leaves out anyway.
PAUSE = "registry.k8s.io/pause:3.10"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def deployment(name: str, namespace: str, replicas: int, image: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "web", "image": image}]}}}}


def plan(pods: int, per_deployment: int, per_namespace: int) -> list[tuple[str, str, int]]:
    """(namespace, deployment, replicas) covering `pods`, no namespace over `per_namespace`."""
    out, left, namespace, in_namespace, index = [], pods, 0, 0, 0
    while left > 0:
        replicas = min(per_deployment, left, per_namespace)
        if in_namespace + replicas > per_namespace:
            namespace, in_namespace = namespace + 1, 0
        out.append((f"scale-{namespace}", f"web-{index}", replicas))
        in_namespace += replicas
        left -= replicas
        index += 1
    return out


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (as upstream's SLO measurement reports)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def running(pod: dict) -> bool:
    return pod.get("status", {}).get("phase") == "Running"


def measure(nodes: int, args) -> dict:
    """One size, in this process: start, create, settle until every pod runs."""
    wall, cpu = time.perf_counter(), time.process_time()
    cluster = Cluster(nodes=nodes, seed=0)
    start_wall, start_cpu = time.perf_counter() - wall, time.process_time() - cpu
    pods = nodes * args.pods_per_node
    work = plan(pods, args.pods_per_deployment, args.pods_per_namespace)
    # The benchmark's own watcher: when each pod is first seen, and first seen Running.
    seen, started = {}, {}
    informer = Informer(cluster.client, "pods", cluster.clock)

    def observe(pod: dict) -> None:
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        seen.setdefault(key, cluster.clock.now())
        if running(pod) and key not in started:
            started[key] = cluster.clock.now()
    informer.add_handlers(on_add=observe, on_update=lambda old, new: observe(new))
    informer.start()
    virtual = cluster.clock.now()
    wall, cpu = time.perf_counter(), time.process_time()
    for namespace in sorted({namespace for namespace, _, _ in work}):
        cluster.client.create("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": namespace}})
    for namespace, name, replicas in work:
        cluster.client.create("deployments", deployment(name, namespace, replicas, args.image), namespace)
    rounds = 0
    while len(started) < pods and rounds < args.rounds:
        cluster.settle(args.max_seconds)
        rounds += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    latencies = [started[key] - seen[key] for key in started]
    return {"nodes": nodes, "pods": pods, "deployments": len(work),
            "namespaces": len({namespace for namespace, _, _ in work}),
            "running": len(started), "start_wall": start_wall, "start_cpu": start_cpu,
            "wall": wall, "cpu": cpu, "virtual": cluster.clock.now() - virtual,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "p50": percentile(latencies, 0.50) if latencies else float("nan"),
            "p99": percentile(latencies, 0.99) if latencies else float("nan")}


def exponent(rows: list[dict]) -> float:
    """Least-squares slope of log(CPU s) against log(pods)."""
    xs = [math.log(row["pods"]) for row in rows]
    ys = [math.log(row["cpu"]) for row in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def table(rows: list[dict]) -> str:
    lines = ["| nodes | pods | Deployments / namespaces | start wall / CPU s | settle wall s | settle CPU s "
             "| pods/s (wall / CPU) | peak RSS | virtual s | startup p50 / p99 (virtual) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['nodes']:,} | {r['pods']:,} | {r['deployments']} / {r['namespaces']} "
                     f"| {r['start_wall']:.1f} / {r['start_cpu']:.1f} | {r['wall']:.1f} | {r['cpu']:.1f} "
                     f"| {r['pods'] / r['wall']:.0f} / {r['pods'] / r['cpu']:.0f} | {r['rss_mib']:.0f} MiB "
                     f"| {r['virtual']:.1f} | {r['p50']:.1f} / {r['p99']:.1f} s |")
    return "\n".join(lines)


def write_results(rows: list[dict], command: str, slope: float | None) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=RESULTS.parent).stdout.strip()
    today = datetime.date.today().isoformat()
    section = [f"## Scale", "",
               f"{today}, commit {commit}, in process (memory store, virtual clock), {rows[0]['pods'] // rows[0]['nodes']} "
               f"pods per node as Deployments, every pod Running at the end. Reproduce with:", "",
               f"    {command}", "", table(rows), ""]
    if slope is not None:
        section.append(f"Growth exponent of settle CPU seconds against pods (least squares over these sizes): "
                       f"{slope:.2f} (1 is linear; issue 13's target ≤ 1.1 from 500 to 5,000 nodes).")
        section.append("")
    load = os.getloadavg()
    section += [f"- cores: {os.cpu_count()}", f"- python: {platform.python_implementation()} {platform.python_version()}",
                f"- load average (1, 5, 15 min) at the end: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}",
                f"- os: {platform.platform()}", ""]
    text = RESULTS.read_text()
    block = "\n".join(section)
    if "\n## Scale\n" in text:
        text = re.sub(r"\n## Scale\n.*?(?=\n## |\Z)", "\n" + block.rstrip("\n") + "\n", text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[10, 30, 50])
    parser.add_argument("--pods-per-node", type=int, default=30)
    parser.add_argument("--pods-per-deployment", type=int, default=300)
    parser.add_argument("--pods-per-namespace", type=int, default=3000)
    parser.add_argument("--image", default=PAUSE, help="the pods' one container image")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="virtual seconds per settle")
    parser.add_argument("--rounds", type=int, default=5, help="settles at most, until every pod runs")
    parser.add_argument("--profile", type=int, metavar="N", help="profile size N and print where the time goes")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)   # a child process: one size, JSON out
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args)))
        return
    if args.profile:
        profiler = cProfile.Profile()
        row = profiler.runcall(measure, args.profile, args)
        print(table([row]))
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(25)
        return
    rows = []
    passthrough = ["--pods-per-node", str(args.pods_per_node), "--pods-per-deployment", str(args.pods_per_deployment),
                   "--pods-per-namespace", str(args.pods_per_namespace), "--image", args.image, "--max-seconds", str(args.max_seconds),
                   "--rounds", str(args.rounds)]
    for nodes in args.nodes:
        child = subprocess.run([sys.executable, __file__, "--one", str(nodes), *passthrough],
                               capture_output=True, text=True, check=True)
        rows.append(json.loads(child.stdout.strip().splitlines()[-1]))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
        if rows[-1]["running"] < rows[-1]["pods"]:
            print(f"  only {rows[-1]['running']:,} of {rows[-1]['pods']:,} pods Running", flush=True)
    slope = exponent(rows) if len(rows) > 1 else None
    print(table(rows))
    if slope is not None:
        print(f"growth exponent (settle CPU s against pods): {slope:.2f}")
    if args.write_results:
        write_results(rows, ".venv/bin/python " + " ".join(["benchmarks/scale_bench.py", *sys.argv[1:]]), slope)


if __name__ == "__main__":
    main()
