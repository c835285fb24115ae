"""What one request costs on the API server's generic in-process path, by verb.

    .venv/bin/python benchmarks/write_path_bench.py [--requests 1000] [--profile create-event]

A `Cluster(nodes=3)` is built and settled (the secure chain: bearer tokens, Node + RBAC
authorization, the default admission plugins), then the clock is held still and each phase
sends `--requests` requests through a `Client` on the cluster's in-process transport, as the
component that makes them in a running cluster:

  create pod      the admin creates pods (NamespaceLifecycle, ServiceAccount, Priority, ...)
  bind pod        kube-scheduler POSTs each pod's Binding
  status pod      kubelet/node-1 PUTs each pod's status (Node authorizer, NodeRestriction)
  token           kubelet/node-1 asks a service-account token bound to each pod (TokenRequest)
  get configmap   kubelet/node-1 GETs kube-root-ca.crt (the Node authorizer's graph decides)
  create event    kubelet/node-1 POSTs an Event about each pod
  patch pod       the admin merge-patches a label onto each pod
  get pod         kubelet/node-1 GETs each pod

Reported: microseconds of this process's CPU per request (time.process_time), the median of
the least of five rounds of the whole sequence (each round on fresh pods; on a shared
machine the minimum is the steadiest figure). No clock callback runs while
measuring, so the figure is the request path alone: the transport, the handler chain,
admission, decode, validation, the store's transaction, the watch cache's update and the
offering of each event to the watches (their delivery is the clock's, and is not counted).
`--profile PHASE` runs that phase once more under cProfile and prints its top functions.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kubelab.client import Client  # noqa: E402
from kubelab.cluster import Cluster  # noqa: E402

PHASES = ("create-pod", "bind-pod", "status-pod", "token", "get-configmap", "create-event", "patch-pod", "get-pod")


def pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "bench"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                                     "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}}


def event(pod_name: str, index: int) -> dict:
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{pod_name}.{index:x}", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "namespace": "default", "name": pod_name, "apiVersion": "v1"},
            "reason": "Pulled", "message": 'Container image "nginx:1.27" already present on machine',
            "type": "Normal", "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z", "count": 1,
            "reportingComponent": "kubelet", "reportingInstance": "node-1"}


class Bench:
    """The cluster, its three clients, and one round's pods."""

    def __init__(self):
        self.cluster = Cluster(nodes=3)
        self.cluster.settle()
        transport = self.cluster.transport
        credentials = self.cluster.credentials
        self.admin = Client(transport, "kubectl", credentials.admin)
        self.scheduler = Client(transport, "kube-scheduler", credentials.scheduler)
        self.kubelet = Client(transport, "kubelet/node-1", credentials.node("node-1"))
        self.round = 0
        self.names: list[str] = []
        self.pods: dict[str, dict] = {}

    def start_round(self, count: int) -> None:
        self.round += 1
        self.names = [f"bench-{self.round}-{index}" for index in range(count)]

    def run(self, phase: str) -> None:
        for index, name in enumerate(self.names):
            if phase == "create-pod":
                self.pods[name] = self.admin.create("pods", pod(name), "default")
            elif phase == "bind-pod":
                self.scheduler.bind(self.pods[name], "node-1")
            elif phase == "status-pod":
                current = self.kubelet.get("pods", name, "default")
                current["status"]["phase"] = "Pending"
                current["status"]["conditions"] = [{"type": "PodScheduled", "status": "True"},
                                                   {"type": "Initialized", "status": "True"}]
                self.pods[name] = current
                # (the GET above is in get-pod's figure; subtracted below)
                self.kubelet.update_status("pods", current, "default")
            elif phase == "token":
                self.kubelet.request_token("default", "default", expiration_seconds=3607, bound_object_ref={
                    "kind": "Pod", "apiVersion": "v1", "name": name, "uid": self.pods[name]["metadata"]["uid"]})
            elif phase == "get-configmap":
                self.kubelet.get("configmaps", "kube-root-ca.crt", "default")
            elif phase == "create-event":
                self.kubelet.create("events", event(name, self.round), "default")
            elif phase == "patch-pod":
                self.admin.patch("pods", name, {"metadata": {"labels": {"round": str(self.round)}}}, "default")
            elif phase == "get-pod":
                self.kubelet.get("pods", name, "default")


def measure(bench: Bench, count: int, rounds: int) -> dict[str, float]:
    """Microseconds of CPU per request, by phase (the least over rounds)."""
    samples: dict[str, list[float]] = {phase: [] for phase in PHASES}
    for _ in range(rounds):
        bench.start_round(count)
        for phase in PHASES:
            started = time.process_time()
            bench.run(phase)
            samples[phase].append((time.process_time() - started) / count * 1e6)
    figures = {phase: min(values) for phase, values in samples.items()}   # the least disturbed round
    figures["status-pod"] -= figures["get-pod"]   # its phase GETs each pod first
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=PHASES)
    args = parser.parse_args(argv)
    bench = Bench()
    figures = measure(bench, args.requests, args.rounds)
    print(f"{args.requests} requests per phase, least of {args.rounds} rounds, Cluster(nodes=3), secure chain\n")
    print("| request | µs of CPU per request |\n|---|---|")
    for phase in PHASES:
        print(f"| {phase} | {figures[phase]:.0f} |")
    if args.profile:
        bench.start_round(args.requests)
        for phase in PHASES[:PHASES.index(args.profile)]:
            bench.run(phase)
        profiler = cProfile.Profile()
        profiler.enable()
        bench.run(args.profile)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("tottime")
        stats.print_stats(30)
        stats.sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
