"""How does a whole cluster's cost grow with its size? Deployments of 30 pods per node, settled.

    .venv/bin/python benchmarks/scale_bench.py [--nodes 10 30 50] [--pods-per-node 30]
        [--pods-per-deployment 300] [--pods-per-namespace 3000] [--image IMAGE] [--profile N]
        [--time-budget SECONDS] [--progress] [--write-results [--note TEXT]]

(issue 13 asks for `--nodes 100 500 1000 2000 5000`; the default is a quick run.)

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

Per pod, the breakdown of the writes (deterministic: the same every run): how many writes the
API server accepted per pod, and from whom (the trace's WHO: kubelets, the scheduler, each
controller) — the constant issue 13 asks to see beside the growth. `--profile N` adds where
the CPU goes, by layer (store, API server, controllers, scheduler, kubelets, JSON, copies).

`--time-budget S` stops a size cleanly once its settle has used S wall seconds: the row says
how many pods were Running by then (and the sizes after it are not started), so a huge N
reports how far it got instead of running for hours. `--progress` draws the cluster's tqdm
bar per size (virtual time, pods Running and Pending, writes per second) on stderr.

`--breakdown N` runs size N once under cost_breakdown.py's `CostBreakdown`: store writes per
pod by resource, CPU per pod by whoever the clock ran (each controller, the scheduler, the
kubelets, the API server's watch delivery) and by layer (API server, JSON, store).
`--profile N` runs size N once under cProfile, timed in CPU seconds of this process (the machine
is shared: wall time would charge a function for other processes' turns), and prints where the
CPU time goes (the 25 functions with the most time of their own, and the 25 with the most
cumulative time); `--profile-file PATH` keeps the stats, so two sizes can be compared function
by function (calls and CPU per pod: a count per pod that grows with the cluster is the
super-linear term).
`--write-results` puts the table, the command and the machine's facts under "## Scale" in
benchmarks/RESULTS.md (the other sections stay as they are).
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime
import gc
import json
import math
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kubelab.client.informer import Informer  # noqa: E402
from kubelab.cluster import Cluster, collector  # noqa: E402
from kubelab.cluster.progress import Bar  # noqa: E402
from kubelab.cluster.trace import who  # noqa: E402

# Upstream's scale tests (clusterloader2's load and density tests) run pods of the pause
# image, which every node already has (the sandbox's own): the measure is the control plane
# and the kubelets, not image pulls — which the pod-startup SLO leaves out anyway.
PAUSE = "registry.k8s.io/pause:3.10"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
STEPS_BETWEEN_LOOKS = 256    # clock callbacks between two looks at the bar (it redraws every 0.5 s)


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


def writer(user: str) -> str:
    """The trace's WHO, with the N kubelets as one row."""
    name = who(user)
    return "kubelets" if name.startswith("kubelet/") else name


def count_writes(cluster) -> Counter:
    """From now on, every write the API server accepts, counted by who made it."""
    counts, trace = Counter(), cluster.apiserver.trace
    append = trace.append

    def counted(entry) -> None:
        counts[writer(entry.user)] += 1
        append(entry)
    trace.append = counted   # the benchmark's own tap on this one TraceLog instance
    return counts


def settle(cluster, started: dict, pods: int, args) -> tuple[float, bool]:
    """Run the clock until every pod runs (settle()'s loop, with the wall clock looked at after
    every callback): the virtual seconds taken, and whether the time budget stopped it first.
    `--progress`: the cluster's own bar (cluster/progress.py: virtual time, pods Running and
    Pending, writes per second), redrawn every few thousand callbacks."""
    clock, begin, wall = cluster.clock, cluster.clock.now(), time.perf_counter()
    bar = Bar(cluster, f"{len(cluster.kubelets):,} nodes") if args.progress else None
    deadline, steps, stopped = begin + args.max_seconds, 0, False
    try:
        while len(started) < pods and clock.pending_work():
            if not clock.step(deadline):
                break
            steps += 1
            if args.time_budget and time.perf_counter() - wall > args.time_budget:
                stopped = True
                break
            if bar is not None and steps % STEPS_BETWEEN_LOOKS == 0:
                bar.refresh()
    finally:
        if bar is not None:
            bar.close()
    return clock.now() - begin, stopped


def measure(nodes: int, args, cost=None) -> dict:
    """One size, in this process: start, create, settle until every pod runs. `cost`: a
    CostBreakdown class (cost_breakdown.py) to measure the creation and the settle with."""
    wall, cpu = time.perf_counter(), time.process_time()
    cluster = Cluster(nodes=nodes, seed=0, progress=False)
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
    writes = count_writes(cluster)
    revision = cluster.store.revision
    breakdown = cost(cluster) if cost else contextlib.nullcontext()
    wall, cpu = time.perf_counter(), time.process_time()
    # settle()'s own pause of the cyclic collector (collector.py: 100 nodes or more), as a learner's
    # `cluster.settle()` gets it; after it, one collection says how much cyclic garbage the pause left.
    with breakdown, collector.paused(nodes):
        for namespace in sorted({namespace for namespace, _, _ in work}):
            cluster.client.create("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                 "metadata": {"name": namespace}})
        for namespace, name, replicas in work:
            cluster.client.create("deployments", deployment(name, namespace, replicas, args.image), namespace)
        virtual, stopped = settle(cluster, started, pods, args)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    collected = gc.collect() if nodes >= collector.BIG_NODES else 0
    if cost:
        print(breakdown.table(pods), end="\n\n")
    latencies = [started[key] - seen[key] for key in started]
    return {"nodes": nodes, "pods": pods, "deployments": len(work),
            "namespaces": len({namespace for namespace, _, _ in work}),
            "running": len(started), "stopped": stopped, "start_wall": start_wall, "start_cpu": start_cpu,
            "wall": wall, "cpu": cpu, "virtual": virtual,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "p50": percentile(latencies, 0.50) if latencies else float("nan"),
            "p99": percentile(latencies, 0.99) if latencies else float("nan"),
            "store_writes": cluster.store.revision - revision, "garbage": collected, "writes": dict(writes.most_common())}


def exponent(rows: list[dict]) -> float:
    """Least-squares slope of log(CPU s) against log(pods)."""
    xs = [math.log(row["pods"]) for row in rows]
    ys = [math.log(row["cpu"]) for row in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def table(rows: list[dict]) -> str:
    lines = ["| nodes | pods | Deployments / namespaces | start wall / CPU s | settle wall s | settle CPU s "
             "| pods/s (wall / CPU) | peak RSS | virtual s | startup p50 / p99 (virtual) | writes per pod |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        pods = f"{r['pods']:,}" if r["running"] == r["pods"] else f"{r['running']:,} of {r['pods']:,} Running"
        lines.append(f"| {r['nodes']:,} | {pods} | {r['deployments']} / {r['namespaces']} "
                     f"| {r['start_wall']:.1f} / {r['start_cpu']:.1f} | {r['wall']:.1f} | {r['cpu']:.1f} "
                     f"| {r['running'] / r['wall']:.0f} / {r['running'] / r['cpu']:.0f} | {r['rss_mib']:.0f} MiB "
                     f"| {r['virtual']:.1f} | {r['p50']:.1f} / {r['p99']:.1f} s | {r['store_writes'] / r['pods']:.1f} |")
    return "\n".join(lines)


def breakdown(rows: list[dict]) -> str:
    """Writes per pod by who wrote them, one column per size (deterministic counts)."""
    writers = sorted({name for row in rows for name in row["writes"]},
                     key=lambda name: -max(row["writes"].get(name, 0) / row["pods"] for row in rows))
    lines = ["| writes per pod, by writer | " + " | ".join(f"{row['nodes']:,} nodes" for row in rows) + " |",
             "|---|" + "---|" * len(rows)]
    for name in writers:
        lines.append(f"| {name} | " + " | ".join(f"{row['writes'].get(name, 0) / row['pods']:.2f}" for row in rows) + " |")
    lines.append("| **all** | " + " | ".join(f"**{sum(row['writes'].values()) / row['pods']:.2f}**" for row in rows) + " |")
    return "\n".join(lines)


# Where the CPU goes, by layer: a profiled function's own time, by the first prefix of its file.
LAYERS = [("store", "kubelab/store/"), ("API server", "kubelab/apiserver/"), ("client, informers", "kubelab/client/"),
          ("controllers", "kubelab/controllers/"), ("scheduler", "kubelab/scheduler/"), ("kubelets", "kubelab/kubelet/"),
          ("kube-proxy, DNS", "kubelab/proxy/"), ("kube-proxy, DNS", "kubelab/dns/"), ("objects", "kubelab/objects/"),
          ("JSON", "json/"), ("copies", "copy.py"), ("clock", "kubelab/clock.py")]


def layer_of(filename: str) -> str | None:
    return next((name for name, prefix in LAYERS if prefix in filename), None)


def by_layer(stats: pstats.Stats, pods: int) -> str:
    """Own CPU time by layer; a builtin's (dict.get, pow, json's C scanner) goes to the layers
    of the functions that called it, in proportion to the time each call site spent in it."""
    seconds = Counter()
    for (filename, _, _), (_, _, own, _, callers) in stats.stats.items():
        layer = layer_of(filename)
        if layer is not None or not callers:
            seconds[layer or "other"] += own
            continue
        spent = sum(entry[2] for entry in callers.values()) or 1.0
        for (caller_file, _, _), entry in callers.items():
            seconds[layer_of(caller_file) or "other"] += own * entry[2] / spent
    total = sum(seconds.values())
    lines = ["| layer | CPU s (profiled) | share | ms per pod |", "|---|---|---|---|"]
    for name, spent in seconds.most_common():
        lines.append(f"| {name} | {spent:.1f} | {spent / total:.0%} | {1000 * spent / pods:.2f} |")
    return "\n".join(lines)


def write_results(rows: list[dict], command: str, slope: float | None, note: str) -> None:
    """A dated block at the end of the "## Scale" section (earlier blocks stay: the history)."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=RESULTS.parent).stdout.strip()
    today = datetime.date.today().isoformat()
    load = os.getloadavg()
    section = [f"{today}, commit {commit}{', ' + note if note else ''}: in process (memory store, virtual clock), "
               f"{rows[0]['pods'] // rows[0]['nodes']} pods per node as Deployments, settled until every pod "
               f"Running (or the time budget). Load average at the end {load[0]:.1f}. Reproduce with:", "",
               f"    {command}", "", table(rows), "", breakdown(rows), ""]
    if slope is not None:
        section += [f"Growth exponent of settle CPU seconds against pods (least squares over these sizes): "
                    f"{slope:.2f} (1 is linear; issue 13's target ≤ 1.1 from 500 to 5,000 nodes).", ""]
    append_to_section(RESULTS, "Scale", "\n".join(section))


def append_to_section(results: Path, title: str, block: str) -> None:
    """Add `block` at the end of RESULTS.md's "## <title>" section (made at the end if missing);
    earlier blocks stay: they are the history."""
    text, marker = results.read_text(), f"\n## {title}\n"
    if marker not in text:
        text = text.rstrip("\n") + f"\n\n## {title}\n\n" + block
    else:
        head, tail = text.split(marker, 1)
        after = tail.find("\n## ")
        body, rest = (tail, "") if after < 0 else (tail[:after], tail[after:])
        text = head + marker + body.rstrip("\n") + "\n\n" + block.rstrip("\n") + "\n" + rest
    results.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[10, 30, 50])
    parser.add_argument("--pods-per-node", type=int, default=30)
    parser.add_argument("--pods-per-deployment", type=int, default=300)
    parser.add_argument("--pods-per-namespace", type=int, default=3000)
    parser.add_argument("--image", default=PAUSE, help="the pods' one container image")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="virtual seconds per size at most")
    parser.add_argument("--time-budget", type=float, metavar="S", help="wall seconds of settle per size at most")
    parser.add_argument("--progress", action="store_true", help="a progress bar per size (stderr)")
    parser.add_argument("--profile", type=int, metavar="N", help="profile size N and print where the time goes")
    parser.add_argument("--profile-file", metavar="PATH", help="with --profile: also dump the stats there (pstats)")
    parser.add_argument("--breakdown", type=int, metavar="N",
                        help="size N with cost_breakdown.py's CostBreakdown: writes by resource, CPU by owner, per pod")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)   # a child process: one size, JSON out
    parser.add_argument("--write-results", action="store_true")
    parser.add_argument("--note", default="", help="with --write-results: what changed since the last block")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args)))
        return
    if args.breakdown:
        from cost_breakdown import CostBreakdown   # beside this file (h13c's)
        row = measure(args.breakdown, args, CostBreakdown)
        print(table([row]), breakdown([row]), sep="\n\n")
        return
    if args.profile:
        profiler = cProfile.Profile(time.process_time)   # CPU seconds: the machine is shared, wall time is not ours
        row = profiler.runcall(measure, args.profile, args)
        print(table([row]), breakdown([row]), f"cyclic garbage left by the paused collector: {row['garbage']:,} objects",
              "", sep="\n\n")
        stats = pstats.Stats(profiler)
        if args.profile_file:
            stats.dump_stats(args.profile_file)
        print(by_layer(stats, row["pods"]), "", sep="\n")
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(25)
        return
    rows = []
    passthrough = ["--pods-per-node", str(args.pods_per_node), "--pods-per-deployment", str(args.pods_per_deployment),
                   "--pods-per-namespace", str(args.pods_per_namespace), "--image", args.image,
                   "--max-seconds", str(args.max_seconds)]
    passthrough += ["--time-budget", str(args.time_budget)] if args.time_budget else []
    passthrough += ["--progress"] if args.progress else []
    for nodes in args.nodes:
        child = subprocess.run([sys.executable, __file__, "--one", str(nodes), *passthrough],
                               stdout=subprocess.PIPE, text=True, check=True)   # stderr: the bar
        rows.append(json.loads(child.stdout.strip().splitlines()[-1]))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
        if rows[-1].get("garbage"):
            print(f"  cyclic garbage the paused collector left, freed after the settle: {rows[-1]['garbage']:,} objects",
                  flush=True)
        if rows[-1]["stopped"]:
            print(f"  time budget ({args.time_budget:g} s) spent: {rows[-1]['running']:,} of "
                  f"{rows[-1]['pods']:,} pods Running; larger sizes not started", flush=True)
            break
    finished = [row for row in rows if row["running"] == row["pods"]]
    slope = exponent(finished) if len(finished) > 1 else None
    print(table(rows), breakdown(rows), "", sep="\n\n")
    if slope is not None:
        print(f"growth exponent (settle CPU s against pods, finished sizes): {slope:.2f}")
    if args.write_results:
        write_results(rows, ".venv/bin/python " + " ".join(["benchmarks/scale_bench.py", *sys.argv[1:]]), slope,
                      args.note)


if __name__ == "__main__":
    main()
