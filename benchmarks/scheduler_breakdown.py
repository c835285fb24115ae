"""Where does each microsecond of a scheduled pod go? scheduler_bench's measured phase, taken apart.

    .venv/bin/python benchmarks/scheduler_breakdown.py [--only SchedulingBasic] [--nodes 5000]

Runs scheduler_bench's workload once with the cyclic collector paused (so no collection lands
inside a part; the collector's own share is scheduler_bench's "GC s", measured with it on) and
times, in CPU seconds, the functions each part of a pod's path begins in: the scheduling cycle
and its steps, the Binding and Event writes, the watch delivering the pod's two changes (the new
pending pod, then the bound one) to the scheduler's informer, and the handlers the scheduler runs
then. A part is what its function spends minus the parts inside it, so the rows add up to the
phase's CPU time ("clock and the rest": what no timed function covers — the clock's callbacks,
the queue's wake-ups, and the timers' own cost around the top parts). A timer costs about a
microsecond itself: its calibrated cost is taken from the part it ran inside.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scheduler_bench  # noqa: E402
from kubelab.clock import VirtualClock  # noqa: E402

# (part, "module:Class.function" it starts in, the part it sits inside)
PARTS = [
    ("scheduling cycle: queue pop, snapshot, bookkeeping", "kubelab.scheduler.scheduler:Scheduler.schedule_one", None),
    ("decision: PreFilter", "kubelab.scheduler.runtime:Framework.run_pre_filter_plugins", "decision: the rest"),
    ("decision: Filter (percentageOfNodesToScore)", "kubelab.scheduler.schedule_one:find_nodes_that_fit",
     "decision: the rest"),
    ("decision: PreScore", "kubelab.scheduler.runtime:Framework.run_pre_score_plugins", "decision: the rest"),
    ("decision: Score, normalize, select", "kubelab.scheduler.schedule_columns:score", "decision: the rest"),
    ("decision: the rest", "kubelab.scheduler.schedule_one:schedule_pod",
     "scheduling cycle: queue pop, snapshot, bookkeeping"),
    ("assume in the cache, Reserve, Permit", "kubelab.scheduler.binding:BindingCycle.assume_and_reserve",
     "scheduling cycle: queue pop, snapshot, bookkeeping"),
    ("binding cycle: PreBind, PostBind, bookkeeping", "kubelab.scheduler.binding:BindingCycle.binding_cycle", None),
    ("Binding POST (client, API server, store)", "kubelab.scheduler.runtime:Framework.run_bind_plugins",
     "binding cycle: PreBind, PostBind, bookkeeping"),
    ("Scheduled Event: recorder", "kubelab.scheduler.scheduler:Scheduler.record_scheduled",
     "binding cycle: PreBind, PostBind, bookkeeping"),
    ("Scheduled Event: EventCorrelator", "kubelab.client.event_correlator:EventCorrelator.correlate",
     "Scheduled Event: recorder"),
    ("Scheduled Event POST (client, API server, store)", "kubelab.client.client:Client.create",
     "Scheduled Event: recorder"),
    ("watch delivery (API server's watch to the informer)", "kubelab.apiserver.watch:Watch._flush", None),
    ("informer (cache, indexes)", "kubelab.client.informer:Informer._on_event",
     "watch delivery (API server's watch to the informer)"),
    ("scheduler's handlers: new pod (queue)", "kubelab.scheduler.scheduler:Scheduler.on_pod_add",
     "informer (cache, indexes)"),
    ("scheduler's handlers: bound pod (cache confirms, queue)", "kubelab.scheduler.scheduler:Scheduler.on_pod_update",
     "informer (cache, indexes)"),
]
REST = "clock and the rest"


class Timers:
    """Inclusive CPU time and calls per part."""

    def __init__(self):
        self.on = False
        self.inclusive: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, part: str, target: str) -> None:
        module_name, _, attribute = target.partition(":")
        module = importlib.import_module(module_name)
        owner_name, _, name = attribute.rpartition(".")
        owner = getattr(module, owner_name) if owner_name else module
        function = getattr(owner, name, None)
        if function is None:
            return   # (renamed by someone's change: that part is then counted in its parent)
        timers, clock = self, time.process_time

        def timed(*args, **kwargs):
            if not timers.on:
                return function(*args, **kwargs)
            start = clock()
            try:
                return function(*args, **kwargs)
            finally:
                timers.inclusive[part] = timers.inclusive.get(part, 0.0) + clock() - start
                timers.calls[part] = timers.calls.get(part, 0) + 1
        setattr(owner, name, timed)
        if not owner_name:  # a module function: callers that imported it by name use it too
            for other in list(sys.modules.values()):
                if getattr(other, "__name__", "").startswith("kubelab") and getattr(other, name, None) is function:
                    setattr(other, name, timed)


def calibrate(rounds: int = 20000) -> float:
    """What one timer adds: a timed call of nothing, minus the call itself."""
    clock = time.process_time
    start = clock()
    for _ in range(rounds):
        begin = clock()
        clock() - begin
    return (clock() - start) / rounds


def breakdown(workload: str, nodes: int, init_pods: int, pods: int) -> tuple[dict, list[tuple[str, float]]]:
    timers = Timers()
    for part, target, _ in PARTS:
        timers.wrap(part, target)
    settle, settled = VirtualClock.settle, []

    def measured_settle(self, *args, **kwargs):   # the bench's third settle is the measured phase
        settled.append(1)
        timers.on = len(settled) == 3
        try:
            return settle(self, *args, **kwargs)
        finally:
            timers.on = False
    VirtualClock.settle = measured_settle
    try:
        result = scheduler_bench.run(workload, nodes, init_pods, pods, 0, "paused")
    finally:
        VirtualClock.settle = settle
    overhead = calibrate()
    # a part's own time: its inclusive time minus its direct children's, and minus what their
    # timers added around them; the top parts (with their timers) against the phase's CPU time
    exclusive = {part: timers.inclusive.get(part, 0.0) for part, _, _ in PARTS}
    for part, _, parent in PARTS:
        if parent is not None:
            exclusive[parent] -= timers.inclusive.get(part, 0.0) + timers.calls.get(part, 0) * overhead
    top = sum(timers.inclusive.get(part, 0.0) + timers.calls.get(part, 0) * overhead
              for part, _, parent in PARTS if parent is None)
    exclusive[REST] = result["cpu"] - top
    bound = max(result["bound"], 1)
    rows = [(part, exclusive[part] / bound * 1e6) for part in [*(p for p, _, _ in PARTS), REST]]
    return result, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--init-pods", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--only", choices=scheduler_bench.WORKLOADS, default="SchedulingBasic")
    args = parser.parse_args(argv)
    result, rows = breakdown(args.only, args.nodes, args.init_pods, args.pods)
    print(f"{args.only}: {result['bound']} pods bound, {result['cpu']:.2f} CPU s with the collector paused "
          f"({result['per_cpu']:.0f} pods/CPU-s)")
    print(f"{'part':<58} {'µs per pod':>10}")
    for part, microseconds in rows:
        print(f"{part:<58} {microseconds:>10.1f}")
    print(f"{'total':<58} {sum(m for _, m in rows):>10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
