"""`kubelab demo`: the walking skeleton's story, told in a terminal.

A cluster starts; a Deployment and a Service are applied; every write any component makes
is printed the moment the API server accepts it; requests are spread over the pods by
kube-proxy's rules; a pod is deleted and its ReplicaSet replaces it. Everything runs on the
virtual clock, so the story is the same every time (`--seed` changes it) and `--pause`
only adds real seconds between acts, for a classroom.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from .cluster import Cluster
from .cluster.trace import who

EXAMPLES = Path(__file__).resolve().parent / "examples"


def _printer(cluster: Cluster, out: Callable[[str], None]):
    shown = len(cluster.trace)

    def flush() -> None:
        nonlocal shown
        entries = cluster.trace.entries
        while shown < len(entries):
            entry = entries[shown]
            shown += 1
            if entry.resource == "events" or (entry.resource == "nodes" and entry.verb == "update"
                                              and not entry.summary):
                continue
            line = f"  [+{entry.time - cluster.started_at:6.1f}s] {who(entry.user):<26} {entry.verb:<7} {entry.target}"
            out(line + (f"  ({entry.summary})" if entry.summary else ""))
    return flush


def _settle_live(cluster: Cluster, flush) -> None:
    """Run the clock one timer at a time, printing each write as it happens."""
    deadline = cluster.clock.now() + 600
    while cluster.clock.pending_work() and cluster.clock.step(deadline):
        flush()
    flush()


def run_demo(seed: int = 0, nodes: int = 3, pause: float = 0.0, out: Callable[[str], None] = print) -> None:
    def act(title: str) -> None:
        if pause:
            time.sleep(pause)  # real time between acts, for a classroom; the cluster's time is virtual
        out(f"\n== {title}")

    act(f"A cluster starts: {nodes} kubelets register their nodes with the API server")
    cluster = Cluster(nodes=nodes, seed=seed)
    flush = _printer(cluster, out)
    for entry in cluster.trace.story():
        if entry.resource == "nodes":
            out(f"  [+{entry.time - cluster.started_at:6.1f}s] {who(entry.user):<26} {entry.verb:<7} {entry.target}")
    out(cluster.kubectl("get nodes"))

    deployment = (EXAMPLES / "nginx-deployment.yaml").read_text()
    service = (EXAMPLES / "nginx-service.yaml").read_text()
    act("kubectl apply -f nginx-deployment.yaml -f nginx-service.yaml — and who reacts")
    out(cluster.apply(deployment).rstrip())
    out(cluster.apply(service).rstrip())
    _settle_live(cluster, flush)

    act("kubectl get deployments,replicasets,pods -o wide")
    out(cluster.kubectl("get deployments"))
    out(cluster.kubectl("get replicasets"))
    out(cluster.kubectl("get pods -o wide"))
    out(cluster.kubectl("get endpoints nginx"))

    svc = cluster.get("services", "nginx", "default")
    act(f"100 requests to Service nginx ({svc['spec']['clusterIP']}:80), routed by kube-proxy's rules")
    answered = cluster.requests("nginx", count=100)
    for pod, count in answered.items():
        out(f"  {pod:<36} {count:>3}  {'█' * (count // 2)}")

    victim = sorted(answered)[0]
    act(f"kubectl delete pod {victim} — the ReplicaSet notices and replaces it")
    out(cluster.kubectl(f"delete pod {victim}").rstrip())
    _settle_live(cluster, flush)
    out(cluster.kubectl("get pods -o wide"))
    out("\nEvery line above was a write through the API server; no component called another.")
