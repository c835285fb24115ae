"""Counting what a cluster does as it grows: the figures lesson 11 prints and plots.

    row = scale.measure(nodes=8)                              # every idea on
    row = scale.measure(nodes=8, informer_indexes=False, watch_cache=False)
    scale.growth_plot({"on": rows_on, "off": rows_off}, "scanned")

`measure` starts `Cluster(nodes=N, seed=0)` on a `CountingStore`, creates Deployments of
`pods_per_deployment` pods until there are `pods_per_node` pods per node, settles, and counts
— on the virtual clock, so every figure is the same on every run and every machine:

  writes      store writes (revisions) from the Deployments' creation until all pods run
  lists       prefix reads of the store (a LIST that reached etcd) in that time
  watchers    store watches open (one per client watch without a watch cache; one per
              resource with one)
  delivered   events the store handed to its watchers (the fan-out of every write)
  scanned     cached objects the controller manager's informers looked at to answer reads
  syncs       ReplicaSet syncs (scanned / syncs: objects scanned per sync)
  filtered, scored   nodes the scheduler filtered / scored, summed over its pods
  p50, p99    pod-startup latency: a watch sees the pod created → a watch sees it Running

Wall-clock seconds are deliberately absent: they depend on the machine and its load
(benchmarks/scale_bench.py measures them). What is left out: the kubelets' and proxies' own
informer reads (each looks at its own node's few pods).
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass

from ..client.informer import Informer
from ..cluster import Cluster
from ..store import MemoryStore

IMAGE = "registry.k8s.io/pause:3.10"   # what upstream's scale tests run: no pull to wait for


class CountingStore(MemoryStore):
    """A MemoryStore that counts the reads and watches the API server makes of it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lists = self.watches = self.delivered = 0

    def range(self, key, range_end=None, **options):
        if range_end is not None or options.get("prefix"):
            self.lists += 1
        return super().range(key, range_end, **options)

    def watch(self, key, callback, **options):
        self.watches += 1

        def counted(response):
            self.delivered += len(response.events)
            callback(response)
        watcher = super().watch(key, counted, **options)
        return watcher


@dataclass
class Counts:
    nodes: int
    pods: int
    writes: int
    lists: int
    watchers: int
    delivered: int
    scanned: int
    syncs: int
    filtered: int
    scored: int
    p50: float
    p99: float


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank, as upstream's SLO measurements report."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else float("nan")


def deployment(name: str, replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": name, "image": IMAGE}]}}}}


class _Tally(deque):
    """The scheduler's recent decisions, adding up as they arrive the nodes each filtered and scored."""

    def __init__(self, decisions: deque):
        super().__init__(decisions, maxlen=decisions.maxlen)
        self.filtered = self.scored = 0

    def append(self, decision) -> None:
        self.filtered += decision.processed
        self.scored += len(decision.scores)
        super().append(decision)


def measure(nodes: int, pods_per_node: int = 5, pods_per_deployment: int = 10, pods: int | None = None,
            **switches) -> Counts:
    """Run N nodes × `pods_per_node` pods (or `pods`) as Deployments until all run; count the work.
    `switches`: Cluster's informer_indexes, watch_cache, scheduler_config."""
    store = CountingStore()
    cluster = Cluster(nodes=nodes, seed=0, store=store, progress=False, **switches)   # no bar in a stored output
    seen, running = {}, {}

    def observe(pod: dict) -> None:   # the latency watcher: first seen, first seen Running
        key = pod["metadata"]["namespace"] + "/" + pod["metadata"]["name"]
        seen.setdefault(key, cluster.clock.now())
        if pod.get("status", {}).get("phase") == "Running":
            running.setdefault(key, cluster.clock.now())
    watcher = Informer(cluster.client, "pods", cluster.clock)
    watcher.add_handlers(on_add=observe, on_update=lambda old, new: observe(new))
    watcher.start()
    manager, scheduler = cluster.controller_manager, cluster.scheduler
    scheduler.decisions = tally = _Tally(scheduler.decisions)
    informers = list(manager.factory.informers.values())
    replicasets = manager.controllers["replicaset"]
    revision, lists, delivered = store.revision, store.lists, store.delivered
    scanned, syncs = sum(i.scanned for i in informers), replicasets.syncs
    pods = nodes * pods_per_node if pods is None else pods
    for index in range(0, pods, pods_per_deployment):
        cluster.client.create("deployments", deployment(f"web-{index // pods_per_deployment}",
                                                        min(pods_per_deployment, pods - index)))
    cluster.settle(progress=False)
    latencies = [running[key] - seen[key] for key in running if key.startswith("default/")]
    return Counts(nodes, pods, store.revision - revision, store.lists - lists, store.watches - 1,
                  store.delivered - delivered, sum(i.scanned for i in informers) - scanned,
                  replicasets.syncs - syncs, tally.filtered, tally.scored,
                  percentile(latencies, 0.5), percentile(latencies, 0.99))


def exponent(rows: list[Counts], figure: str) -> float:
    """The slope of log(figure) against log(pods), least squares: 1 linear, 2 quadratic."""
    xs = [math.log(row.pods) for row in rows]
    ys = [math.log(max(getattr(row, figure), 1)) for row in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def table(rows: list[Counts]) -> str:
    """The rows as a text table, one column per count."""
    names = list(asdict(rows[0]))
    lines = ["  ".join(f"{name:>9}" for name in names)]
    for row in rows:
        lines.append("  ".join(f"{value:>9.1f}" if isinstance(value, float) else f"{value:>9,}"
                               for value in asdict(row).values()))
    return "\n".join(lines)


def _round_label(value: float, _position=None) -> str:
    """1, 2 and 5 times a power of ten get a label (plain digits); the other ticks none."""
    return f"{value:,.0f}" if value >= 1 and f"{value:.0f}"[0] in "125" else ""


TITLES = {"writes": "store writes", "delivered": "watch events the store delivered",
          "scanned": "objects informers scanned", "lists": "lists read from the store",
          "scored": "nodes scored", "watchers": "store watchers"}


def growth_plot(series: dict[str, list[Counts]], figures: tuple[str, ...] = ("writes", "delivered", "scanned")):
    """Each figure against pods on log-log axes, one line per series, its slope in the legend."""
    from matplotlib import pyplot   # in a notebook, the inline backend shows the returned figure
    from matplotlib.ticker import FuncFormatter, NullLocator

    figure, axes = pyplot.subplots(1, len(figures), figsize=(4 * len(figures), 3.4), squeeze=False)
    for ax, name in zip(axes[0], figures):
        for (label, rows), style in zip(series.items(), ("o-", "s--", "^:")):
            ax.loglog([row.pods for row in rows], [max(getattr(row, name), 1) for row in rows], style,
                      label=f"{label} (slope {exponent(rows, name):.2f})")
        pods = sorted({row.pods for rows in series.values() for row in rows})
        ax.set_xticks(pods, [f"{count:,}" for count in pods])
        ax.xaxis.set_minor_locator(NullLocator())
        for formatter in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
            formatter(FuncFormatter(_round_label))
        ax.set_title(TITLES.get(name, name), fontsize="medium")
        ax.set_xlabel("pods")
        ax.legend(fontsize="small")
    figure.tight_layout()
    pyplot.close(figure)   # shown once, by the cell's value
    return figure
