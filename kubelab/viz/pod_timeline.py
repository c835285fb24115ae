"""A pod's life on a timeline: what `kubectl get pod -w` would have printed, with times.

    timeline = viz.watch_pod(cluster, "web", seconds=60)   # runs the cluster 60 s
    timeline                  # a table: +0s 0/1 Pending 0, +2s 0/1 ContainerCreating 0, ...
    timeline.diagram()        # the same changes as coloured boxes, left to right

The timeline is sampled: the cluster runs `every` seconds at a time (virtual time, so a
minute costs milliseconds) and a row is kept whenever READY, STATUS or RESTARTS changed. A
state that lasts less than one step can be missed, as with a real `kubectl get -w` that
only sees the writes it is sent; a smaller `every` sees more. Times count from the pod's
creation, so a lesson can predict them (CrashLoopBackOff's 10 s, 20 s, 40 s…).

What it leaves out: the container-by-container view (`kubectl describe pod` has it) and the
events (`kubectl get events`), which a lesson prints beside it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kubelab.api.printers.pod_status import pod_summary
from kubelab.objects.timefmt import parse

from .render import Diagram
from .state import COLOURS, legend_entry
from .style import html_label, new_digraph


@dataclass
class PodTimeline:
    """The changes one pod went through: (seconds since creation, READY, STATUS, RESTARTS)."""
    name: str
    rows: list[tuple[float, str, str, str]] = field(default_factory=list)

    def statuses(self) -> list[str]:
        """The STATUS column, in order (a status may come back: Running, Error, Running…)."""
        return [status for _, _, status, _ in self.rows]

    def times(self, status: str) -> list[float]:
        """When the pod entered `status` (seconds after its creation)."""
        return [when for when, _, seen, _ in self.rows if seen == status]

    def __repr__(self) -> str:
        lines = [f"{'TIME':>7}   {'READY':<6} {'STATUS':<26} RESTARTS"]
        lines += [f"{'+' + _seconds(when):>7}   {ready:<6} {status:<26} {restarts}"
                  for when, ready, status, restarts in self.rows]
        return "\n".join(lines)

    def diagram(self) -> Diagram:
        """The changes as boxes left to right, coloured as `viz.draw` colours pods."""
        graph = new_digraph(f"timeline_{self.name}", rankdir="LR")
        for index, (when, ready, status, restarts) in enumerate(self.rows):
            graph.node(f"s{index}", html_label(status, f"+{_seconds(when)}", f"ready {ready}, restarts {restarts}"),
                       fillcolor=COLOURS[legend_entry(status)])
            if index:
                graph.edge(f"s{index - 1}", f"s{index}")
        return Diagram(graph.source, f"pod {self.name} timeline: {len(self.rows)} states, "
                                     f"{' → '.join(self.statuses()[:6])}{' …' if len(self.rows) > 6 else ''}")


def _seconds(value: float) -> str:
    return f"{value:.0f}s" if value < 600 else f"{value // 60:.0f}m{value % 60:02.0f}s"


def watch_pod(cluster, name: str, seconds: float, namespace: str = "default", every: float = 1.0) -> PodTimeline:
    """Run `cluster` for `seconds`, noting each change of the pod's READY/STATUS/RESTARTS."""
    timeline = PodTimeline(name)
    last, origin, elapsed = None, None, 0.0
    while True:
        try:
            pod = cluster.client.get("pods", name, namespace)
        except Exception:   # deleted (or never there): the watch's last word
            pod = None
        now = cluster.clock.now()
        if pod is not None and origin is None:
            origin = parse(pod["metadata"]["creationTimestamp"])
        if pod is None:
            row = ("", "(deleted)", "")
        else:
            ready, status, restarts = pod_summary(pod, now)
            row = (ready, status, restarts.split(" (")[0])   # "3 (45s ago)": the count only
        if row != last:
            timeline.rows.append((round(now - (origin if origin is not None else now)), *row))
            last = row
        if pod is None or elapsed >= seconds:
            return timeline
        cluster.run(every)
        elapsed += every
