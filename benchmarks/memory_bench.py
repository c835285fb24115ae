"""Where does a Running pod's memory go? Bytes per pod, by owner, in a settled cluster.

    .venv/bin/python benchmarks/memory_bench.py [--nodes 30 100] [--pods-per-node 30]
        [--top 15] [--write-results [--note TEXT]]

The same cluster as scale_bench.py (its plan, its Deployments of the pause image, 30 pods per
node), each size in two fresh processes:
  1. peak RSS: start, create, settle until every pod is Running — nothing else running, so the
     figure is the cluster's own (`ru_maxrss`), and RSS per pod = (peak − the idle cluster's
     RSS) / pods;
  2. the breakdown, under `tracemalloc`: the bytes Python holds (tracemalloc's traced memory)
     after the idle cluster has settled and again after every pod runs; the difference per pod
     is the "all in" figure (issue 13's 4 GiB for 150,000 pods is ≈ 28 KiB per pod), and it is
     split by owner: the objects each owner can reach (sys.getsizeof of every object, walked
     through gc.get_referents), each object charged once, to the first owner in this order —
     the store's current values (pods, events, the rest), the store's history, the API
     server's watch caches, its request records and trace, the store's watchers, the informers' caches of
     each component, each component's own state (kubelets, their runtimes, the scheduler,
     the controller manager, kube-proxies, CoreDNS), the clients (event recorders), the
     clock's queue. "not attributed" is what tracemalloc counts and no walk reached: code
     imported after the idle point (a fixed cost), and bytes sys.getsizeof does not see (an
     OrderedDict's links, an instance's attribute values kept beside it). Freed blocks that
     CPython keeps in its pools are in RSS but not in tracemalloc.
A walk stops at the other owners (each component, informer, client, the API server, the
store, the clock), and never enters modules, classes or functions, so a kubelet's walk is its
own state and not the cluster it can reach. The benchmark's own informer (to know when every
pod runs) is its own row and left out of the per-pod total.

`--top N` also prints the N source lines that allocated most of what the settle kept
(tracemalloc's statistics by line). `--write-results` adds a dated block under "## Memory" in
benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import datetime
import gc
import json
import resource
import subprocess
import sys
import time
import tracemalloc
import types
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_bench import PAUSE, append_to_section, deployment, plan, running  # noqa: E402

from kubelab.apiserver.watch_cache import WatchCache  # noqa: E402
from kubelab.client.client import Client  # noqa: E402
from kubelab.client.informer import Informer  # noqa: E402
from kubelab.cluster import Cluster  # noqa: E402

BENCH = "benchmark's own informer"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SKIP = (types.ModuleType, type, types.CodeType, types.FrameType, types.BuiltinFunctionType)


def walk(roots, seen: set, stops: set) -> int:
    """Bytes of every object reachable from `roots` not yet in `seen` (which it fills), not
    entering `stops` (ids of other owners) nor modules, classes and functions."""
    total, stack = 0, list(roots)
    while stack:
        obj = stack.pop()
        ident = id(obj)
        if ident in seen or ident in stops or isinstance(obj, SKIP):
            continue
        seen.add(ident)
        total += sys.getsizeof(obj)
        if isinstance(obj, types.FunctionType):   # what a callback closes over, not its module
            stack.extend((obj.__closure__ or ()) + (obj.__defaults__ or ()))
            continue
        stack.extend(gc.get_referents(obj))
        if isinstance(obj, dict):   # a dict of str keys shows the gc only its values
            stack.extend(obj)
    return total


def component_of(user_agent: str) -> str:
    """A client's user agent as a row: the N kubelets (and proxies) as one."""
    for prefix, row in (("kubelet/", "kubelets"), ("kube-proxy/", "kube-proxies"), ("kube-scheduler", "scheduler"),
                        ("coredns", "CoreDNS"), ("kubectl", "benchmark")):
        if user_agent.startswith(prefix):
            return row
    return "controller manager"


def owners(cluster) -> tuple[list[tuple[str, list]], list]:
    """(row, roots) in charging order (an object reachable from two owners goes to the first),
    and every informer (a walk stops at them: their handlers lead to their components)."""
    store, apiserver = cluster.store, cluster.apiserver
    values: dict[str, list] = {"pods": [], "events": [], "the rest": []}
    for key, kv in store._current.items():
        kind = key.split("/")[2] if key.count("/") > 2 else ""
        values[kind if kind in ("pods", "events") else "the rest"].append(kv)
    rows = [(f"store: current values ({kind})", kvs) for kind, kvs in values.items()]
    rows += [("store: current keys index", [store._keys]),
             ("store: history (old versions, log)", [store._log, store._log_revisions])]
    objects = gc.get_objects()
    rows.append(("API server: watch caches", [o for o in objects if isinstance(o, WatchCache)]))
    chain = getattr(apiserver, "chain", None)
    rows.append(("API server: request records, trace",
                 [apiserver.trace] + ([chain.records] if hasattr(chain, "records") else [])))
    rows.append(("store: watchers (and what their callbacks reach)", [store.watchers]))
    informers: dict[str, list] = {}
    clients: list = []
    for obj in objects:
        if isinstance(obj, Informer):
            informers.setdefault(component_of(obj.client.user_agent), []).append(obj)
        elif isinstance(obj, Client):
            clients.append(obj)
    cached = lambda row: [part for informer in informers.get(row, []) for part in (informer.cache, informer.indices)]  # noqa: E731
    for row in ("controller manager", "scheduler", "kubelets", "kube-proxies", "CoreDNS"):
        rows.append((f"informers: {row}", cached(row)))
    rows += [("kubelets: container runtimes", [k.runtime for k in cluster.kubelets.values()]),
             ("kubelets: own state", list(cluster.kubelets.values())),
             ("scheduler: own state", [c for n, c in cluster.running.items() if n.startswith("scheduler")]),
             ("controller manager: own state",
              [c for n, c in cluster.running.items() if n.startswith("controller-manager")]),
             ("kube-proxies: own state", list(cluster.proxies.values())),
             ("CoreDNS: own state", [cluster.running["coredns"]] if "coredns" in cluster.running else []),
             ("clients (event recorders, correlators)", clients),
             ("API server: the rest", [apiserver]),
             ("clock: timers", [cluster.clock]),
             (BENCH, cached("benchmark"))]
    return rows, [informer for group in informers.values() for informer in group]


def breakdown(cluster) -> dict[str, int]:
    """Bytes by owner, each object charged to the first owner that reaches it."""
    gc.collect()
    rows, informers = owners(cluster)
    stops = {id(root) for _, roots in rows for root in roots if not isinstance(root, (list, dict))}
    stops |= {id(informer) for informer in informers}   # their handlers lead to their components
    stops |= {id(cluster), id(cluster.store), id(cluster.clock), id(cluster.apiserver), id(cluster.transport),
              id(cluster.fault)}
    stops |= {id(o) for o in cluster.connections.values()}
    seen: set = set()
    sizes = {}
    for row, roots in rows:
        own = {id(root) for root in roots}
        sizes[row] = walk(roots, seen, stops - own)
    return sizes


def measure(nodes: int, args, traced: bool) -> dict:
    """One size: the idle cluster, then every pod created and settled Running."""
    if traced:
        tracemalloc.start(1)
    cluster = Cluster(nodes=nodes, seed=0, progress=False)
    pods = nodes * args.pods_per_node
    started = set()
    informer = Informer(cluster.client, "pods", cluster.clock)

    def observe(pod: dict) -> None:
        if running(pod):
            started.add((pod["metadata"]["namespace"], pod["metadata"]["name"]))
    informer.add_handlers(on_add=observe, on_update=lambda old, new: observe(new))
    informer.start()
    cluster.settle(progress=False)
    gc.collect()
    idle_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    before = breakdown(cluster) if traced else {}
    idle_snapshot = tracemalloc.take_snapshot() if traced and args.top else None
    idle_traced = tracemalloc.get_traced_memory()[0] if traced else 0   # the snapshot included
    cpu = time.process_time()
    work = plan(pods, 300, 3000)
    for namespace in sorted({namespace for namespace, _, _ in work}):
        cluster.client.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    for namespace, name, replicas in work:
        cluster.client.create("deployments", deployment(name, namespace, replicas, PAUSE), namespace)
    clock = cluster.clock
    while len(started) < pods and clock.pending_work():
        if not clock.step(clock.now() + 3600):
            break
    cpu = time.process_time() - cpu
    gc.collect()
    row = {"nodes": nodes, "pods": pods, "running": len(started), "cpu": cpu,
           "idle_rss_mib": idle_rss, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "revisions": cluster.store.revision, "compacted": cluster.store.compacted_revision,
           "log": len(cluster.store._log)}
    if traced:
        row["traced"] = tracemalloc.get_traced_memory()[0] - idle_traced
        after = breakdown(cluster)
        row["owners"] = {name: after[name] - before.get(name, 0) for name in after}
        if idle_snapshot is not None:
            stats = tracemalloc.take_snapshot().compare_to(idle_snapshot, "lineno")
            row["top"] = [(str(stat.traceback[0]), stat.size_diff) for stat in stats[:args.top]]
    return row


def table(rows: list[dict]) -> str:
    """KiB per Running pod by owner, one column per size."""
    names = list(rows[0]["owners"])
    lines = ["| KiB per Running pod | " + " | ".join(f"{r['nodes']:,} nodes / {r['pods']:,} pods" for r in rows) + " |",
             "|---|" + "---|" * len(rows)]
    counted = lambda r: {n: v for n, v in r["owners"].items() if n != BENCH}  # noqa: E731
    for name in names:
        lines.append(f"| {name} | " + " | ".join(f"{r['owners'][name] / r['pods'] / 1024:.1f}" for r in rows) + " |")
    lines.append("| not attributed (traced, no walk reached it) | " + " | ".join(
        f"{(r['traced'] - sum(r['owners'].values())) / r['pods'] / 1024:.1f}" for r in rows) + " |")
    lines.append("| **all in (tracemalloc, less the benchmark's informer)** | " + " | ".join(
        f"**{(r['traced'] - r['owners'].get(BENCH, 0)) / r['pods'] / 1024:.1f}**"
        for r in rows) + " |")
    lines.append("| of which the walks reached | " + " | ".join(
        f"{sum(counted(r).values()) / r['pods'] / 1024:.1f}" for r in rows) + " |")
    lines.append("| peak RSS (untraced run) | " + " | ".join(f"{r['rss_mib']:.0f} MiB" for r in rows) + " |")
    lines.append("| RSS per pod: (peak − idle) / pods | " + " | ".join(
        f"{(r['rss_mib'] - r['idle_rss_mib']) * 1024 / r['pods']:.1f}" for r in rows) + " |")
    return "\n".join(lines)


def write_results(rows: list[dict], command: str, note: str) -> None:
    """A dated block at the end of the "## Memory" section (earlier blocks stay: the history)."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=RESULTS.parent).stdout.strip()
    block = "\n".join([f"{datetime.date.today().isoformat()}, commit {commit}{', ' + note if note else ''}. "
                       "Reproduce with:", "", f"    {command}", "", table(rows), ""])
    append_to_section(RESULTS, "Memory", block)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[30, 100])
    parser.add_argument("--pods-per-node", type=int, default=30)
    parser.add_argument("--top", type=int, default=0, help="the N source lines that allocated most")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)      # a child: one size, JSON out
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write-results", action="store_true")
    parser.add_argument("--note", default="", help="with --write-results: what changed since the last block")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args, args.traced)))
        return
    rows = []
    for nodes in args.nodes:
        child = [sys.executable, __file__, "--one", str(nodes), "--pods-per-node", str(args.pods_per_node),
                 "--top", str(args.top)]
        plain = json.loads(subprocess.run(child, stdout=subprocess.PIPE, text=True, check=True).stdout.splitlines()[-1])
        row = json.loads(subprocess.run(child + ["--traced"], stdout=subprocess.PIPE, text=True,
                                        check=True).stdout.splitlines()[-1])
        row.update(rss_mib=plain["rss_mib"], idle_rss_mib=plain["idle_rss_mib"], cpu=plain["cpu"])
        rows.append(row)
        print(f"{nodes} nodes: {row['running']:,} of {row['pods']:,} pods Running, settle CPU {plain['cpu']:.1f} s, "
              f"peak RSS {plain['rss_mib']:.0f} MiB; store revision {row['revisions']:,}, compacted at "
              f"{row['compacted']:,}, {row['log']:,} changes in its history", flush=True)
        for where, size in row.get("top", []):
            print(f"    {size / row['pods'] / 1024:8.2f} KiB/pod  {where}")
    print(table(rows))
    if args.write_results:
        write_results(rows, "benchmarks/memory_bench.py " + " ".join(sys.argv[1:]).replace(" --write-results", ""),
                      args.note)


if __name__ == "__main__":
    main()
