"""How fast does the scheduler place pods? scheduler_perf's shape, at 5,000 nodes.

    .venv/bin/python benchmarks/scheduler_bench.py [--nodes 5000] [--init-pods 1000] [--pods 1000]
                                                   [--only SchedulingBasic] [--percentage 0]
                                                   [--collector frozen|paused|running]

Workloads, after upstream's test/integration/scheduler_perf config (performance-config.yaml):
  SchedulingBasic     plain pods (100m cpu, 500Mi) on plain nodes (4 cpu, 32Gi, 110 pods)
  NodeAffinity        nodes labelled zone1; every pod requires zone1 by node affinity
  TopologySpreading   nodes spread over 3 zones; pods spread (maxSkew 5, DoNotSchedule) by zone
  PodAntiAffinity     pods with required anti-affinity to their own label, per hostname
  PodAffinity         pods with required affinity to their own label, per zone (one zone)
Each: --init-pods pods are created and placed first (not measured), then --pods more are
created, and the clock runs until every one is bound. The scheduler runs as in the cluster:
its informers hear the pods from the API server's watch, its queue orders them, each cycle
filters and scores, and DefaultBinder POSTs the Binding through the API (in process: the same
API server code, no sockets). No kubelets: nobody runs the pods, as in scheduler_perf.

Reported: pods per CPU-second of this process (time.process_time) and per wall second, over the
measured phase only. On a shared machine the wall figure is the noisier one. Also the CPU spent
in Python's garbage collector during the phase ("GC s"): the simulated cluster keeps ~10^6
objects in this one process; with the collector simply running, whether a full collection
(~0.15 s) falls inside the measured phase or just before it moved a figure by 10-20 %.

Garbage collection, a harness choice (`--collector`):
  frozen (default)  once the cluster is built and the measured pods are created, `gc.freeze()`
                    moves every object alive into CPython's permanent generation: the collector
                    stays on, but its passes during the phase walk only what the phase allocates,
                    as a long-running scheduler process whose start-up heap is frozen would. Its
                    passes over the phase's own objects are what "GC s" counts.
  paused            as `Cluster(nodes=5000)` itself runs (cluster/collector.py pauses the cyclic
                    collector during a big cluster's runs): no collection inside the phase.
  running           the collector as it comes, full passes over the ~10^6 objects of the
                    simulated cluster included (the figures before 2026-12-03 evening).
"""
from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kubelab.apiserver import APIServer  # noqa: E402
from kubelab.client import Client, InProcessTransport  # noqa: E402
from kubelab.clock import VirtualClock  # noqa: E402
from kubelab.scheduler import Scheduler  # noqa: E402
from kubelab.store import MemoryStore  # noqa: E402

ZONE = "topology.kubernetes.io/zone"


def node(index: int, workload: str) -> dict:
    labels = {"kubernetes.io/hostname": f"node-{index}"}
    if workload in ("NodeAffinity", "PodAffinity"):
        labels[ZONE] = "zone1"
    if workload == "TopologySpreading":
        labels[ZONE] = f"zone{index % 3}"
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"node-{index}", "labels": labels},
            "status": {"capacity": {"cpu": "4", "memory": "32Gi", "pods": "110"},
                       "allocatable": {"cpu": "4", "memory": "32Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def pod(name: str, workload: str) -> dict:
    spec: dict = {"containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10",
                                  "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}}}]}
    labels = {}
    if workload == "NodeAffinity":
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [{"key": ZONE, "operator": "In", "values": ["zone1"]}]}]}}}
    elif workload == "TopologySpreading":
        labels = {"color": "blue"}
        spec["topologySpreadConstraints"] = [{"maxSkew": 5, "topologyKey": ZONE, "whenUnsatisfiable": "DoNotSchedule",
                                              "labelSelector": {"matchLabels": labels}}]
    elif workload == "PodAntiAffinity":
        labels = {"color": "green"}
        spec["affinity"] = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": labels}, "topologyKey": "kubernetes.io/hostname"}]}}
    elif workload == "PodAffinity":
        labels = {"color": "blue"}
        spec["affinity"] = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": labels}, "topologyKey": ZONE}]}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default", "labels": labels},
            "spec": spec}


def run(workload: str, nodes: int, init_pods: int, pods: int, percentage: int, collector: str = "frozen") -> dict:
    clock = VirtualClock()
    apiserver = APIServer(MemoryStore(clock), clock, random.Random(0))
    apiserver.bootstrap()
    client = Client(InProcessTransport(apiserver), "bench")
    client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}})
    for index in range(nodes):
        client.create("nodes", node(index, workload))
    config = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
              "percentageOfNodesToScore": percentage}
    scheduler = Scheduler(client.for_component("kube-scheduler"), clock, random.Random(0), config=config)
    scheduler.start()
    clock.settle()
    for index in range(init_pods):
        client.create("pods", pod(f"init-{index}", workload))
    clock.settle()
    for index in range(pods):
        client.create("pods", pod(f"measured-{index}", workload))
    collecting = {"since": 0.0, "total": 0.0}

    def count_collection(phase: str, info: dict) -> None:
        if phase == "start":
            collecting["since"] = time.process_time()
        else:
            collecting["total"] += time.process_time() - collecting["since"]
    if collector == "frozen":
        gc.collect()
        gc.freeze()
    was_enabled = gc.isenabled()
    if collector == "paused":
        gc.disable()
    gc.callbacks.append(count_collection)
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        clock.settle()
    finally:
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        gc.callbacks.remove(count_collection)
        gc.unfreeze()  # (the next workload's cluster starts from an ordinary heap)
        if was_enabled:
            gc.enable()
    bound = sum(1 for p in client.list("pods", "default")["items"]
                if p["metadata"]["name"].startswith("measured-") and p["spec"].get("nodeName"))
    return {"workload": workload, "bound": bound, "cpu": cpu, "wall": wall, "gc": collecting["total"],
            "per_cpu": bound / cpu if cpu else 0.0, "per_wall": bound / wall if wall else 0.0}


WORKLOADS = ("SchedulingBasic", "NodeAffinity", "TopologySpreading", "PodAntiAffinity", "PodAffinity")
TARGETS = {"SchedulingBasic": 2700, "NodeAffinity": 2200, "TopologySpreading": 850, "PodAntiAffinity": 600,
           "PodAffinity": 350}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--init-pods", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--percentage", type=int, default=0, help="percentageOfNodesToScore (0: adaptive)")
    parser.add_argument("--only", action="append", choices=WORKLOADS)
    parser.add_argument("--collector", choices=("frozen", "paused", "running"), default="frozen",
                        help="the cyclic garbage collector during the measured phase (see above)")
    args = parser.parse_args(argv)
    print(f"{'workload':<18} {'bound':>6} {'CPU s':>7} {'GC s':>6} {'wall s':>7} {'pods/CPU-s':>11} "
          f"{'pods/s wall':>12} {'target':>7}")
    for workload in args.only or WORKLOADS:
        result = run(workload, args.nodes, args.init_pods, args.pods, args.percentage, args.collector)
        print(f"{workload:<18} {result['bound']:>6} {result['cpu']:>7.2f} {result['gc']:>6.2f} {result['wall']:>7.2f} "
              f"{result['per_cpu']:>11.1f} {result['per_wall']:>12.1f} {TARGETS[workload]:>7}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
