"""Where one pod's cost goes: store writes by kind, and CPU by component, per pod.

    .venv/bin/python benchmarks/cost_breakdown.py [--nodes 10] [--pods-per-node 30]
        [--pods-per-deployment 300] [--services]

The same workload as scale_bench.py (Deployments of 30 pods per node, settled until every
pod runs); while it settles, `CostBreakdown` measures, on the measured process's CPU clock:

  - store writes, by resource (a watch on /registry/ counts every event), per pod;
  - CPU by whoever the virtual clock ran: every callback is timed and charged to its owner
    (a controller by its name, the scheduler, a kubelet, kube-proxy, the API server's watch
    delivery, an informer, ...). Everything settle does runs inside some callback, so these
    rows add up to the settle's CPU;
  - "of which", across all owners: the API server's handling of requests (authn, authz,
    admission, validation, the store's transaction), JSON encoding and decoding (the store's
    values, each watcher's decode, the in-process client's copies), and the store itself.

`CostBreakdown` is also what scale_bench.py can call (h13l's; `with CostBreakdown(cluster) as
cost: ...`, then `cost.table(pods)`). It times by wrapping: a few microseconds per callback
and per JSON call, so the total reads a little higher than an unmeasured run.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kubelab.cluster import Cluster  # noqa: E402


def owner_of(callback) -> str:
    """Who a clock callback belongs to, in words a reader knows."""
    target = getattr(callback, "__self__", None)
    if target is None:
        return f"{callback.__module__.removeprefix('kubelab.')}.{getattr(callback, '__qualname__', '?')}"
    name = getattr(target, "name", None)
    module = type(target).__module__.removeprefix("kubelab.")
    if module.startswith("controllers.") and isinstance(name, str):
        return f"controller {name}"
    if module.startswith("kubelet."):
        return "kubelet"
    if module.startswith("proxy."):
        return "kube-proxy"
    if module.startswith("scheduler."):
        return "scheduler"
    if module == "client.informer":
        return f"informer ({getattr(target, 'resource', '?')})"
    if module.startswith("apiserver.watch"):
        return "API server: watch delivery"
    return f"{module}.{type(target).__name__}"


class CostBreakdown:
    """Measure a Cluster while a block runs: writes by resource, CPU by owner and by layer."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.writes: Counter[str] = Counter()
        self.cpu: defaultdict[str, float] = defaultdict(float)
        self.nested: defaultdict[str, float] = defaultdict(float)   # "of which" layers
        self.in_api: defaultdict[str, float] = defaultdict(float)   # owner -> its time in the API server
        self.requests: Counter[tuple[str, str]] = Counter()           # (owner, "verb resource/sub") -> count
        self._owner = "outside the clock"
        self.total = 0.0
        self._undo: list = []

    def _timed_layer(self, layer: str, function):
        depth = [0]

        def timed(*args, **kwargs):
            if depth[0]:
                return function(*args, **kwargs)
            depth[0] += 1
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.process_time() - start
                self.nested[layer] += spent
                if layer.startswith("API server"):
                    self.in_api[self._owner] += spent
                depth[0] -= 1
        return timed

    def _patch(self, owner, attribute: str, replacement) -> None:
        self._undo.append((owner, attribute, getattr(owner, attribute)))
        setattr(owner, attribute, replacement)

    def __enter__(self) -> "CostBreakdown":
        cluster, clock = self.cluster, self.cluster.clock
        self._watch = cluster.store.watch("/registry/", self._on_writes, prefix=True)
        original_call_later = clock.call_later

        def call_later(delay, callback, *args, daemon=False):
            owner = owner_of(callback)

            def charged(*inner):
                start, outer, self._owner = time.process_time(), self._owner, owner
                try:
                    return callback(*inner)
                finally:
                    self.cpu[owner] += time.process_time() - start
                    self._owner = outer
            return original_call_later(delay, charged, *args, daemon=daemon)
        self._patch(clock, "call_later", call_later)
        handle = self._timed_layer("API server: handle", cluster.apiserver.handle)

        def counted(request):
            what = f"{request.verb} {request.resource}" + (f"/{request.subresource}" if request.subresource else "")
            self.requests[(self._owner, what)] += 1
            return handle(request)
        self._patch(cluster.apiserver, "handle", counted)
        self._patch(json, "dumps", self._timed_layer("JSON encode (json.dumps)", json.dumps))
        self._patch(json, "loads", self._timed_layer("JSON decode (json.loads)", json.loads))
        self._patch(cluster.store, "txn", self._timed_layer("store: txn (writes)", cluster.store.txn))
        self._start = time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.total = time.process_time() - self._start
        for owner, attribute, value in reversed(self._undo):
            if attribute in vars(owner) and owner is not json:
                delattr(owner, attribute)   # back to the class's method
            else:
                setattr(owner, attribute, value)
        self._watch.cancel()

    def _on_writes(self, response) -> None:
        for event in response.events:
            parts = event.kv.key.split("/")
            self.writes[parts[2] if len(parts) > 2 else event.kv.key] += 1

    def table(self, pods: int) -> str:
        """Markdown: writes per pod by resource, then CPU ms per pod by owner and by layer."""
        lines = [f"{pods:,} pods, settle CPU {self.total:.2f} s = {self.total / pods * 1e3:.2f} ms per pod; "
                 f"store writes {sum(self.writes.values()):,} = {sum(self.writes.values()) / pods:.2f} per pod", "",
                 "| store writes by resource | total | per pod |", "|---|---|---|"]
        for resource, count in self.writes.most_common():
            lines.append(f"| {resource} | {count:,} | {count / pods:.2f} |")
        lines += ["", "| CPU by clock callback's owner | s | ms per pod | share | of which in the API server, ms per pod |",
                  "|---|---|---|---|---|"]
        for owner, seconds in sorted(self.cpu.items(), key=lambda item: -item[1]):
            if seconds >= 0.001 * self.total:
                lines.append(f"| {owner} | {seconds:.2f} | {seconds / pods * 1e3:.2f} | {seconds / self.total:.0%} "
                             f"| {self.in_api[owner] / pods * 1e3:.2f} |")
        lines += ["", "| API requests by owner | request | total | per pod |", "|---|---|---|---|"]
        for (owner, what), count in sorted(self.requests.items(), key=lambda item: (-self.cpu[item[0][0]], -item[1])):
            if count >= 0.01 * pods:
                lines.append(f"| {owner} | {what} | {count:,} | {count / pods:.2f} |")
        lines += ["", "| of which, across owners | s | ms per pod | share |", "|---|---|---|---|"]
        for layer, seconds in sorted(self.nested.items(), key=lambda item: -item[1]):
            lines.append(f"| {layer} | {seconds:.2f} | {seconds / pods * 1e3:.2f} | {seconds / self.total:.0%} |")
        return "\n".join(lines)


def main() -> None:
    from scale_bench import PAUSE, deployment, plan
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--pods-per-node", type=int, default=30)
    parser.add_argument("--pods-per-deployment", type=int, default=300)
    parser.add_argument("--pods-per-namespace", type=int, default=3000)
    parser.add_argument("--services", action="store_true",
                        help="a Service in front of each Deployment (the Endpoints and EndpointSlice controllers' work)")
    args = parser.parse_args()
    cluster = Cluster(nodes=args.nodes, seed=0)
    pods = args.nodes * args.pods_per_node
    work = plan(pods, args.pods_per_deployment, args.pods_per_namespace)
    with CostBreakdown(cluster) as cost:
        for namespace in sorted({namespace for namespace, _, _ in work}):
            cluster.client.create("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                 "metadata": {"name": namespace}})
        for namespace, name, replicas in work:
            cluster.client.create("deployments", deployment(name, namespace, replicas, PAUSE), namespace)
            if args.services:
                cluster.client.create("services", {
                    "apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
                    "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}, namespace)
        cluster.settle(3600)
    running = sum(1 for pod in cluster.client.list("pods")["items"] if pod.get("status", {}).get("phase") == "Running")
    print(cost.table(pods))
    print(f"\n{running:,} pods Running of {pods:,} (including the cluster's own)")


if __name__ == "__main__":
    main()
