"""What a DaemonSet's pod on one node looks like, and whether a node should have one.

Pure functions of a DaemonSet, a node and pods (no API calls), after upstream's
pkg/controller/daemon/util and NodeShouldRunDaemonPod (v1.32):

- **The pod** is the template plus the labels `controller-revision-hash` and
  `pod-template-generation`, the daemon tolerations below, and a required node affinity
  `matchFields: metadata.name In [<node>]` that replaces the template's required terms (the
  controller has already checked them): since 1.12 the default scheduler binds daemon pods,
  so they go through the same queue, preemption and events as any pod.
- **The tolerations** every daemon pod gets, so a daemon keeps running where ordinary pods
  are kept away: `node.kubernetes.io/not-ready` and `unreachable` (NoExecute, no
  tolerationSeconds: never evicted), `disk-pressure`, `memory-pressure`, `pid-pressure`,
  `unschedulable` (NoSchedule), and `network-unavailable` for hostNetwork pods.
- **Should a node run one?** The pod (with those tolerations) must match the node's name if
  the template names one, the nodeSelector and required node affinity, and tolerate every
  NoSchedule and NoExecute taint. A pod already there may *continue* running unless its
  affinity no longer matches or a NoExecute taint is not tolerated (NoSchedule only keeps new
  pods away).

Left out: resource-fit checks (upstream leaves them to the scheduler too since 1.12).
"""
from __future__ import annotations

import copy

from ..objects import meta, taints
from ..objects.node_selector import RequiredNodeAffinity

HASH_LABEL = "controller-revision-hash"
GENERATION_LABEL = "pod-template-generation"   # deprecated upstream, still set

DAEMON_TOLERATIONS = [
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
]
HOST_NETWORK_TOLERATION = ("node.kubernetes.io/network-unavailable", "NoSchedule")


def add_daemon_tolerations(spec: dict) -> None:
    """Add the daemon tolerations a pod spec lacks (upstream's AddOrUpdateDaemonPodTolerations)."""
    wanted = DAEMON_TOLERATIONS + ([HOST_NETWORK_TOLERATION] if spec.get("hostNetwork") else [])
    tolerations = spec.setdefault("tolerations", [])
    for key, effect in wanted:
        toleration = {"key": key, "operator": "Exists", "effect": effect}
        if not any(t.get("key") == key and t.get("effect") == effect for t in tolerations):
            tolerations.append(toleration)


def pin_to_node(spec: dict, node_name: str) -> None:
    """Require the node by name (matchFields metadata.name), keeping preferred terms."""
    node_affinity = spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}]}


def template_pod(daemonset: dict) -> dict:
    """The pod the template describes, with the daemon tolerations (what the checks run on)."""
    template = daemonset["spec"].get("template") or {}
    spec = copy.deepcopy(template.get("spec") or {})
    add_daemon_tolerations(spec)
    return {"metadata": copy.deepcopy(template.get("metadata") or {}), "spec": spec}


def new_pod(daemonset: dict, node_name: str, revision_hash: str) -> dict:
    """The daemon pod for one node, owned by the DaemonSet."""
    pod = template_pod(daemonset)
    template_metadata = pod["metadata"]
    labels = dict(template_metadata.get("labels") or {})
    labels[HASH_LABEL] = revision_hash
    labels[GENERATION_LABEL] = str(daemonset["metadata"].get("generation", 1))
    metadata = {"generateName": f"{meta.name(daemonset)}-", "namespace": meta.namespace(daemonset),
                "labels": labels, "ownerReferences": [meta.owner_reference(daemonset)]}
    for field in ("annotations", "finalizers"):
        if template_metadata.get(field):
            metadata[field] = template_metadata[field]
    pin_to_node(pod["spec"], node_name)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod["spec"]}


def should_run(daemonset: dict, node: dict) -> tuple[bool, bool]:
    """(should a daemon pod be created on this node, may one already there keep running)."""
    pod = template_pod(daemonset)
    wanted_node = pod["spec"].get("nodeName")
    if wanted_node and wanted_node != meta.name(node):
        return False, False
    if not RequiredNodeAffinity(pod).match(meta.labels(node), meta.name(node)):
        return False, False
    node_taints = (node.get("spec") or {}).get("taints") or []
    tolerations = pod["spec"].get("tolerations") or []
    if taints.find_untolerated_taint(node_taints, tolerations,
                                     lambda taint: taint.get("effect") == taints.NO_EXECUTE):
        return False, False
    blocked = taints.find_untolerated_taint(node_taints, tolerations,
                                            lambda taint: taint.get("effect") == taints.NO_SCHEDULE)
    return blocked is None, True


def target_node(pod: dict) -> str | None:
    """The node a daemon pod is for: its nodeName, or the node its affinity pins it to."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return spec["nodeName"]
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or []:
        for field in term.get("matchFields") or []:
            if field.get("key") == "metadata.name" and field.get("operator") == "In" \
                    and len(field.get("values") or []) == 1:
                return field["values"][0]
    return None
