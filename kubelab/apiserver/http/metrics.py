"""/metrics: how many requests, of what, with which answer, and how long they took.

Two of kube-apiserver's own metrics, in the Prometheus text format:

    apiserver_request_total{verb="LIST",group="",version="v1",resource="pods",...,code="200"} 3
    apiserver_request_duration_seconds_bucket{verb="LIST",...,le="0.005"} 3   (a histogram)

Verbs are upstream's metric verbs: LIST and WATCH for collections, GET, POST, PUT, PATCH,
DELETE. Long-running requests (WATCH) count in the total but not in the latency histogram,
as upstream leaves them out of its SLO latencies. Requests that name no resource
(discovery, health) are counted with resource="" as upstream's non-resource requests are.

Real kube-apiserver exports hundreds of metrics (etcd latencies, watch cache, admission
steps, ...); kubelab keeps these two because they answer the questions a lesson asks: which
requests does kubectl make, and how fast are they.
"""
from __future__ import annotations

import threading
from bisect import bisect_left

# upstream's buckets for apiserver_request_duration_seconds
BUCKETS = (0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30,
           45, 60)

_METRIC_VERBS = {"get": "GET", "list": "LIST", "watch": "WATCH", "create": "POST", "update": "PUT",
                 "patch": "PATCH", "delete": "DELETE", "deletecollection": "DELETE"}

Labels = tuple[str, str, str, str, str, str]   # verb, group, version, resource, subresource, scope


class Metrics:
    """Counters and a histogram, safe to update from every HTTP thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.totals: dict[tuple[Labels, int], int] = {}
        self.durations: dict[Labels, list] = {}   # labels -> [bucket counts..., sum, count]

    @staticmethod
    def labels(verb: str, group: str = "", version: str = "", resource: str = "", subresource: str = "",
               scope: str = "") -> Labels:
        return (_METRIC_VERBS.get(verb, verb.upper()), group, version, resource, subresource, scope)

    def observe(self, labels: Labels, code: int, seconds: float | None) -> None:
        """Count one finished request; `seconds` None for long-running ones (watch)."""
        with self._lock:
            self.totals[(labels, code)] = self.totals.get((labels, code), 0) + 1
            if seconds is None:
                return
            histogram = self.durations.setdefault(labels, [0] * len(BUCKETS) + [0.0, 0])
            index = bisect_left(BUCKETS, seconds)
            if index < len(BUCKETS):
                histogram[index] += 1
            histogram[-2] += seconds
            histogram[-1] += 1

    def text(self) -> str:
        """The Prometheus text exposition (format 0.0.4)."""
        lines = ["# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, "
                 "dry run value, group, version, resource, scope, component, and HTTP response code.",
                 "# TYPE apiserver_request_total counter"]
        with self._lock:
            totals = sorted(self.totals.items())
            durations = sorted((labels, list(values)) for labels, values in self.durations.items())
        for (labels, code), count in totals:
            lines.append(f"apiserver_request_total{{{_format(labels)},code=\"{code}\"}} {count}")
        lines += ["# HELP apiserver_request_duration_seconds Response latency distribution in seconds for "
                  "each verb, dry run value, group, version, resource, subresource, scope and component.",
                  "# TYPE apiserver_request_duration_seconds histogram"]
        for labels, values in durations:
            cumulative = 0
            for bound, count in zip(BUCKETS, values):
                cumulative += count
                lines.append(f"apiserver_request_duration_seconds_bucket{{{_format(labels)},le=\"{bound}\"}} "
                             f"{cumulative}")
            lines.append(f"apiserver_request_duration_seconds_bucket{{{_format(labels)},le=\"+Inf\"}} "
                         f"{values[-1]}")
            lines.append(f"apiserver_request_duration_seconds_sum{{{_format(labels)}}} {values[-2]:.6f}")
            lines.append(f"apiserver_request_duration_seconds_count{{{_format(labels)}}} {values[-1]}")
        return "\n".join(lines) + "\n"


def _format(labels: Labels) -> str:
    names = ("verb", "group", "version", "resource", "subresource", "scope")
    return ",".join([f'component="apiserver"', 'dry_run=""'] +
                    [f'{name}="{value}"' for name, value in zip(names, labels)])
