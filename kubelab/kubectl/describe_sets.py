"""`kubectl describe` for the pod-owning kinds beyond Deployments: ReplicationControllers,
DaemonSets and StatefulSets, in kubectl 1.32's layout (k8s.io/kubectl/pkg/describe).

    ReplicationController  Replicas: 3 current / 3 desired
    DaemonSet              Desired Number of Nodes Scheduled: 3, ... Number of Nodes Misscheduled: 0
    StatefulSet            Replicas: 3 desired | 3 total, Update Strategy (+ Partition), Volume Claims

Each shows `Pods Status: R Running / W Waiting / S Succeeded / F Failed` over the pods it
controls, the pod template, and its events. (Upstream's DaemonSet description has no
Namespace line; neither has this one.)
"""
from __future__ import annotations

from kubelab.client import ApiError

from .describe_pod import pod_template
from .describe_workloads import _pod_phases
from .describe_writer import Writer, annotations_multiline, events_section, labels_multiline
from .printers import format_selector
from .timestamps import rfc1123z


def _pods_status(w: Writer, client, owner: dict, label_selector: dict | None) -> None:
    probe = {"metadata": owner.get("metadata", {}), "spec": {"selector": label_selector}}
    try:
        counts = _pod_phases(client, probe)
        w.line(0, "Pods Status:\t" + " / ".join(f"{counts[phase]} {word}" for phase, word in (
            ("Running", "Running"), ("Pending", "Waiting"), ("Succeeded", "Succeeded"), ("Failed", "Failed"))))
    except ApiError as error:
        w.line(0, f"Pods Status:\terror in fetching pods: {error.message}")


def _format_labels(labels: dict | None) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted((labels or {}).items())) or "<none>"


def describe_replicationcontroller(client, controller: dict, events: list[dict] | None, now: float) -> str:
    metadata, spec, status = controller.get("metadata", {}), controller.get("spec") or {}, \
        controller.get("status") or {}
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    w.line(0, f"Namespace:\t{metadata.get('namespace', '')}")
    w.line(0, f"Selector:\t{_format_labels(spec.get('selector'))}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    w.line(0, f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 0)} desired")
    _pods_status(w, client, controller, {"matchLabels": spec.get("selector") or {}})
    pod_template(w, spec.get("template"))
    if events is not None:
        events_section(w, events, now)
    return str(w)


def describe_daemonset(client, daemonset: dict, events: list[dict] | None, now: float) -> str:
    metadata, spec, status = daemonset.get("metadata", {}), daemonset.get("spec") or {}, \
        daemonset.get("status") or {}
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    w.line(0, f"Selector:\t{format_selector(spec.get('selector'))}")
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector")
    w.line(0, f"Node-Selector:\t{_format_labels(node_selector)}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    for words, field in (("Desired Number of Nodes Scheduled", "desiredNumberScheduled"),
                         ("Current Number of Nodes Scheduled", "currentNumberScheduled"),
                         ("Number of Nodes Scheduled with Up-to-date Pods", "updatedNumberScheduled"),
                         ("Number of Nodes Scheduled with Available Pods", "numberAvailable"),
                         ("Number of Nodes Misscheduled", "numberMisscheduled")):
        w.line(0, f"{words}: {status.get(field, 0)}")
    _pods_status(w, client, daemonset, spec.get("selector"))
    pod_template(w, spec.get("template"))
    if events is not None:
        events_section(w, events, now)
    return str(w)


def describe_statefulset(client, statefulset: dict, events: list[dict] | None, now: float) -> str:
    metadata, spec, status = statefulset.get("metadata", {}), statefulset.get("spec") or {}, \
        statefulset.get("status") or {}
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    w.line(0, f"Namespace:\t{metadata.get('namespace', '')}")
    w.line(0, f"CreationTimestamp:\t{rfc1123z(metadata.get('creationTimestamp'))}")
    w.line(0, f"Selector:\t{format_selector(spec.get('selector'))}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    w.line(0, f"Replicas:\t{spec.get('replicas', 0)} desired | {status.get('replicas', 0)} total")
    strategy = spec.get("updateStrategy") or {}
    w.line(0, f"Update Strategy:\t{strategy.get('type', '')}")
    if (strategy.get("rollingUpdate") or {}).get("partition") is not None:
        w.line(1, f"Partition:\t{strategy['rollingUpdate']['partition']}")
    _pods_status(w, client, statefulset, spec.get("selector"))
    pod_template(w, spec.get("template"))
    claims = spec.get("volumeClaimTemplates") or []
    if not claims:
        w.line(0, "Volume Claims:\t<none>")
    else:
        w.line(0, "Volume Claims:")
        for claim in claims:
            claim_metadata, claim_spec = claim.get("metadata") or {}, claim.get("spec") or {}
            w.line(1, f"Name:\t{claim_metadata.get('name', '')}")
            w.line(1, f"StorageClass:\t{claim_spec.get('storageClassName', '')}")
            labels_multiline(w, "Labels", claim_metadata.get("labels"), indent="  ")
            labels_multiline(w, "Annotations", claim_metadata.get("annotations"), indent="  ")
            capacity = ((claim_spec.get("resources") or {}).get("requests") or {}).get("storage", "<default>")
            w.line(1, f"Capacity:\t{capacity}")
            w.line(1, f"Access Modes:\t[{' '.join(claim_spec.get('accessModes') or [])}]")
    if events is not None:
        events_section(w, events, now)
    return str(w)
