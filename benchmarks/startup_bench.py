"""Starting a big idle cluster, and keeping it idle: `Cluster(nodes=N)` and one virtual minute.

What it measures (issue 13, point 4: "`Cluster(nodes=5000)` itself starts in ≤ 5 s"): the CPU
seconds of this process to build and settle `Cluster(nodes=N)` — every kubelet registering its
Node (with its events), creating its Lease, the node IPAM controller giving each a podCIDR,
every kube-proxy listing and writing its rules — then the CPU seconds of 60 idle virtual
seconds (each kubelet renews its Lease and checks its NodeStatus every 10 s: real requests),
peak RSS, and the store's writes. CPU, not wall: the machine is shared.

    .venv/bin/python benchmarks/startup_bench.py --nodes 1000 5000

Each size runs in its own process (peak RSS is per process).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def measure(nodes: int) -> dict:
    """One size, in this process."""
    import kubelab.cluster   # imported before the clock starts: the import is not the start
    from kubelab import Cluster
    started = time.process_time()
    cluster = Cluster(nodes=nodes, progress=False)
    start_cpu = time.process_time() - started
    writes_at_start = cluster.store.revision
    started = time.process_time()
    cluster.run(60.0)
    idle_cpu = time.process_time() - started
    return {"nodes": nodes, "start_cpu_s": round(start_cpu, 2), "idle_minute_cpu_s": round(idle_cpu, 2),
            "start_writes": writes_at_start, "idle_minute_writes": cluster.store.revision - writes_at_start,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)   # a child's single size
    arguments = parser.parse_args(argv)
    if arguments.one:
        print(json.dumps(measure(arguments.one)))
        return
    print("| nodes | start CPU s | idle minute CPU s | writes at start | writes per idle minute | peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    for nodes in arguments.nodes:
        child = subprocess.run([sys.executable, __file__, "--one", str(nodes)], capture_output=True, text=True,
                               check=True)
        row = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"| {row['nodes']:,} | {row['start_cpu_s']} | {row['idle_minute_cpu_s']} | {row['start_writes']:,} "
              f"| {row['idle_minute_writes']:,} | {row['peak_rss_mib']} |", flush=True)


if __name__ == "__main__":
    main()
