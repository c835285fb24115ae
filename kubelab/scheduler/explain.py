"""Why did the scheduler choose that node — and what if a plugin were off or weighed more?

    print(explain(cluster.scheduler.last_decision))         # per node: who filtered it, every score
    what_if(cluster.scheduler, "default/web-0", disabled=["NodeResourcesBalancedAllocation"],
            weights={"NodeResourcesFit": 5})                  # the same pod, another profile

`explain` turns a Decision into rows: for each node it visited, the first plugin that rejected
it and why, or, for a feasible node, each Score plugin's raw score, normalized score (0..100)
and weighted score, and the total. `what_if` replays the scheduling of one pod *without touching
the cluster*: it builds a private cache from the scheduler's informers (every node, every
placed pod except this one), a new framework from the pod's profile with your changes, and runs
one cycle — nothing is assumed, reserved or bound, no event is written.
"""
from __future__ import annotations

import random

from ..objects import meta
from .cache import Cache
from .plugins.registry import REGISTRY
from .runtime import Framework, Handle
from .schedule_one import Decision, schedule_pod


def explain(decision: Decision) -> list[dict]:
    """One row per visited node: verdict ("feasible" or "<plugin>: <reason>"), scores, total, chosen."""
    rows = []
    for node, verdicts in decision.filter_results.items():
        failed = next(((name, status) for name, status in verdicts.items() if not status.is_success()), None)
        row = {"node": node, "verdict": "feasible" if failed is None else f"{failed[0]}: {failed[1].message}"}
        for plugin, raw in decision.raw_scores.items():
            if node in raw:
                normalized = decision.normalized_scores[plugin][node]
                row[plugin] = (raw[node], normalized, decision.scores[node].get(plugin, 0))
        row["total"] = decision.total(node)
        row["chosen"] = node == decision.node_name
        rows.append(row)
    return rows


def format_explanation(decision: Decision) -> str:
    """The explanation as text: a line per node, "raw→normalized×weight" per plugin."""
    lines = [f"{decision.pod} ({decision.profile}): " + (f"→ {decision.node_name}" if decision.node_name
                                                         else f"✗ {decision.error or decision.message}")]
    for row in explain(decision):
        mark = "*" if row["chosen"] else " "
        scores = "  ".join(f"{plugin} {raw}→{normalized}×{decision.weights.get(plugin, 1)}"
                           for plugin, value in row.items() if isinstance(value, tuple)
                           for raw, normalized, _ in [value])
        total = "" if row["total"] is None else f"  total {row['total']}"
        lines.append(f"{mark} {row['node']}: {row['verdict']}{total}" + (f"  [{scores}]" if scores else ""))
    return "\n".join(lines)


def replay_framework(profile: Framework, handle: Handle, disabled=(), weights: dict | None = None) -> Framework:
    """A copy of `profile` on another handle, minus `disabled` plugins, with `weights` changed."""
    weights = weights or {}
    unknown = [name for name in [*disabled, *weights] if profile.plugin(name) is None]
    if unknown:
        raise ValueError(f"plugin {unknown[0]!r} is not in profile {profile.profile_name!r}")
    plugins = []
    for plugin in profile.plugins:
        if plugin.name in disabled:
            continue
        copy = REGISTRY[plugin.name](None, handle) if plugin.name in REGISTRY else plugin
        copy.__dict__.update({k: v for k, v in plugin.__dict__.items() if k != "handle"})
        plugins.append((copy, weights.get(plugin.name, profile.weights.get(plugin.name, 1))))
    replay = Framework(plugins, profile.profile_name, profile.percentage_of_nodes_to_score, handle)
    for attribute in [a for a in vars(profile) if a.endswith("_plugins")]:  # keep per-point choices
        names = [p.name for p in getattr(profile, attribute)]
        setattr(replay, attribute, [p for name in names for p, _ in plugins if p.name == name])
    return replay


def what_if(scheduler, pod: dict | str, disabled=(), weights: dict | None = None, seed: int = 0) -> Decision:
    """Schedule `pod` (an object or "namespace/name") again in thought, with a changed profile."""
    if isinstance(pod, str):
        found = scheduler.pods.get(pod)
        if found is None:
            raise ValueError(f"pod {pod!r} not found")
        pod = found
    key = meta.key(pod)
    cache = Cache()
    for node in scheduler.nodes.list():
        cache.add_node(node)
    for placed in scheduler.pods.list():
        if placed["spec"].get("nodeName") and meta.key(placed) != key:
            cache.add_pod(placed)
    handle = Handle(client=None, clock=scheduler.clock, snapshot=cache.snapshot, listers=scheduler.handle.listers)
    profile = scheduler.profile_of(pod) or scheduler.framework
    framework = replay_framework(profile, handle, disabled, weights)
    unbound = {**pod, "spec": {**pod["spec"], "nodeName": None}, "status": {}}
    return schedule_pod(framework, unbound, cache.snapshot().node_info_list, random.Random(seed),
                        scheduler.clock.now())
