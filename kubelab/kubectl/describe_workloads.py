"""`kubectl describe deployment` and `kubectl describe replicaset`.

A Deployment's description shows its rollout at a glance: `Replicas: 3 desired | 3 updated |
3 total | 3 available | 0 unavailable`, the strategy, the pod template, the conditions, and
which ReplicaSets it owns — the *new* one (whose pod template equals the Deployment's,
ignoring the pod-template-hash label) and the *old* ones still holding pods.

A ReplicaSet's shows `Replicas: 3 current / 3 desired` and `Pods Status: 3 Running / 0
Waiting / 0 Succeeded / 0 Failed`, counting only the pods it controls (ownerReference with
its uid), as kubectl does by listing pods with the ReplicaSet's selector.
"""
from __future__ import annotations

from kubelab.client import ApiError
from kubelab.objects.timefmt import parse

from .describe_pod import pod_template
from .describe_writer import Writer, annotations_multiline, events_section, labels_multiline
from .printers import format_selector
from .timestamps import rfc1123z

HASH_LABEL = "pod-template-hash"


def describe_deployment(client, deployment: dict, events: list[dict] | None, now: float) -> str:
    metadata, spec, status = deployment.get("metadata", {}), deployment.get("spec") or {}, \
        deployment.get("status") or {}
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    w.line(0, f"Namespace:\t{metadata.get('namespace', '')}")
    w.line(0, f"CreationTimestamp:\t{rfc1123z(metadata.get('creationTimestamp'))}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    w.line(0, f"Selector:\t{format_selector(spec.get('selector'))}")
    w.line(0, f"Replicas:\t{spec.get('replicas', 0)} desired | {status.get('updatedReplicas', 0)} updated | "
              f"{status.get('replicas', 0)} total | {status.get('availableReplicas', 0)} available | "
              f"{status.get('unavailableReplicas', 0)} unavailable")
    strategy = spec.get("strategy") or {}
    w.line(0, f"StrategyType:\t{strategy.get('type', '')}")
    w.line(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}")
    rolling = strategy.get("rollingUpdate")
    if rolling is not None:
        w.line(0, f"RollingUpdateStrategy:\t{rolling.get('maxUnavailable', '')} max unavailable, "
                  f"{rolling.get('maxSurge', '')} max surge")
    pod_template(w, spec.get("template"))
    _conditions(w, status.get("conditions"))
    old, new = _replica_sets(client, deployment)
    if old or new:
        w.line(0, f"OldReplicaSets:\t{_replica_set_list(old)}")
        w.line(0, f"NewReplicaSet:\t{_replica_set_list(new)}")
    if events is not None:
        events_section(w, events, now)
    return str(w)


def describe_replicaset(client, replicaset: dict, events: list[dict] | None, now: float) -> str:
    metadata, spec, status = replicaset.get("metadata", {}), replicaset.get("spec") or {}, \
        replicaset.get("status") or {}
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    w.line(0, f"Namespace:\t{metadata.get('namespace', '')}")
    w.line(0, f"Selector:\t{format_selector(spec.get('selector')) or '<none>'}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    owner = next((ref for ref in metadata.get("ownerReferences") or [] if ref.get("controller")), None)
    if owner:
        w.line(0, f"Controlled By:\t{owner.get('kind')}/{owner.get('name')}")
    w.line(0, f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 0)} desired")
    try:
        counts = _pod_phases(client, replicaset)
        w.line(0, "Pods Status:\t" + " / ".join(f"{counts[phase]} {word}" for phase, word in (
            ("Running", "Running"), ("Pending", "Waiting"), ("Succeeded", "Succeeded"), ("Failed", "Failed"))))
    except ApiError as error:
        w.line(0, f"Pods Status:\terror in fetching pods: {error.message}")
    pod_template(w, spec.get("template"))
    _conditions(w, status.get("conditions"))
    if events is not None:
        events_section(w, events, now)
    return str(w)


def _conditions(w: Writer, conditions: list[dict] | None) -> None:
    if not conditions:
        return
    w.line(0, "Conditions:\n  Type\tStatus\tReason")
    w.line(1, "----\t------\t------")
    for condition in conditions:
        w.line(1, f"{condition.get('type', '')} \t{condition.get('status', '')}\t{condition.get('reason', '')}")


def _owned(objects: list[dict], owner: dict) -> list[dict]:
    uid = owner.get("metadata", {}).get("uid")
    return [obj for obj in objects if any(ref.get("controller") and ref.get("uid") == uid
                                          for ref in obj.get("metadata", {}).get("ownerReferences") or [])]


def _pod_phases(client, replicaset: dict) -> dict[str, int]:
    listed = client.list("pods", replicaset["metadata"].get("namespace"),
                         label_selector=format_selector(replicaset.get("spec", {}).get("selector")) or None)
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in _owned(listed.get("items") or [], replicaset):
        phase = (pod.get("status") or {}).get("phase")
        if phase in counts:
            counts[phase] += 1
    return counts


def _replica_sets(client, deployment: dict) -> tuple[list[dict], list[dict]]:
    """(old ReplicaSets that still want pods, [the new ReplicaSet]) of a Deployment."""
    try:
        listed = client.list("replicasets", deployment["metadata"].get("namespace"),
                             label_selector=format_selector(deployment.get("spec", {}).get("selector")) or None)
    except ApiError:
        return [], []
    owned = sorted(_owned(listed.get("items") or [], deployment),
                   key=lambda rs: (parse(rs["metadata"].get("creationTimestamp") or "1970-01-01T00:00:00Z"),
                                   rs["metadata"].get("name", "")))
    template = _without_hash((deployment.get("spec") or {}).get("template"))
    new = next((rs for rs in owned if _without_hash((rs.get("spec") or {}).get("template")) == template), None)
    old = [rs for rs in owned if rs is not new and (rs.get("spec") or {}).get("replicas", 0) != 0]
    return old, [new] if new else []


def _without_hash(template: dict | None) -> dict:
    """A pod template compared as upstream does: no pod-template-hash label, no empty fields."""
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v not in (None, {}, [], "")}
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value
    template = clean(template or {})
    labels = dict((template.get("metadata") or {}).get("labels") or {})
    labels.pop(HASH_LABEL, None)
    return {**template, "metadata": {**(template.get("metadata") or {}), "labels": labels}}


def _replica_set_list(replicasets: list[dict]) -> str:
    return ", ".join(f"{rs['metadata'].get('name')} ({(rs.get('status') or {}).get('replicas', 0)}/"
                     f"{(rs.get('spec') or {}).get('replicas', 0)} replicas created)"
                     for rs in replicasets) or "<none>"
