"""`kubectl describe` for StorageClasses, PersistentVolumes and PersistentVolumeClaims, as
kubectl 1.32's describers write them (StorageClassDescriber, PersistentVolumeDescriber,
PersistentVolumeClaimDescriber).

A claim names its class, phase and volume, its capacity and access modes once bound, and which
pods use it ("Used By", from the pods of its namespace); a volume shows its claim, reclaim
policy, node affinity ("Required Terms" with "Term 0: topology.kubernetes.io/zone in [...]") and
its source; a class whether it is the default. Left out: the VolumeAttributesClass lines and
data sources (kubelab refuses them), conditions (kubelab writes none).
"""
from __future__ import annotations

from kubelab.client import ApiError
from kubelab.objects import volumes

from .describe_writer import Writer, annotations_multiline, events_section, labels_multiline
from .timestamps import since


def _status(obj: dict, now: float) -> str:
    deleted = obj.get("metadata", {}).get("deletionTimestamp")
    return f"Terminating (lasts {since(deleted, now)})" if deleted else volumes.phase(obj)


def _finalizers(obj: dict) -> str:
    return "[" + " ".join(obj.get("metadata", {}).get("finalizers") or []) + "]"   # Go's %v of a slice


def _format_labels(values: dict | None) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted((values or {}).items())) or "<none>"


def describe_storageclass(client, storage_class: dict, events: list[dict] | None, now: float) -> str:
    w = Writer()
    w.line(0, f"Name:\t{storage_class['metadata']['name']}")
    w.line(0, f"IsDefaultClass:\t{'Yes' if volumes.is_default_class(storage_class) else 'No'}")
    w.line(0, f"Annotations:\t{_format_labels(storage_class['metadata'].get('annotations'))}")
    w.line(0, f"Provisioner:\t{storage_class.get('provisioner', '')}")
    w.line(0, f"Parameters:\t{_format_labels(storage_class.get('parameters'))}")
    expansion = storage_class.get("allowVolumeExpansion")
    w.line(0, f"AllowVolumeExpansion:\t{'<unset>' if expansion is None else str(bool(expansion))}")
    options = storage_class.get("mountOptions") or []
    w.line(0, f"MountOptions:\t{'<none>' if not options else ''}")
    for option in options:
        w.line(1, option)
    for field in ("reclaimPolicy", "volumeBindingMode"):
        if storage_class.get(field):
            w.line(0, f"{field[0].upper() + field[1:]}:\t{storage_class[field]}")
    if storage_class.get("allowedTopologies") is not None:
        w.line(0, "AllowedTopologies:\t")
        for index, term in enumerate(storage_class["allowedTopologies"]):
            expressions = term.get("matchLabelExpressions") or []
            w.line(1, f"Term {index}:\t" + ", ".join(f"{e.get('key')} in [{', '.join(e.get('values') or [])}]"
                                                     for e in expressions))
    if events is not None:
        events_section(w, events, now)
    return str(w)


def describe_persistentvolume(client, volume: dict, events: list[dict] | None, now: float) -> str:
    metadata, spec = volume.get("metadata", {}), volume.get("spec") or {}
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    w.line(0, f"Finalizers:\t{_finalizers(volume)}")
    w.line(0, f"StorageClass:\t{volumes.volume_class(volume)}")
    w.line(0, f"Status:\t{_status(volume, now)}")
    ref = spec.get("claimRef")
    w.line(0, f"Claim:\t{ref.get('namespace', '') + '/' + ref.get('name', '') if ref else ''}")
    w.line(0, f"Reclaim Policy:\t{spec.get('persistentVolumeReclaimPolicy', '')}")
    w.line(0, f"Access Modes:\t{volumes.access_modes_string(spec.get('accessModes'))}")
    if spec.get("volumeMode"):
        w.line(0, f"VolumeMode:\t{spec['volumeMode']}")
    w.line(0, f"Capacity:\t{(spec.get('capacity') or {}).get('storage', '0')}")
    _node_affinity(w, spec.get("nodeAffinity"))
    w.line(0, f"Message:\t{(volume.get('status') or {}).get('message', '')}")
    w.line(0, "Source:")
    if spec.get("hostPath"):
        w.line(2, "Type:\tHostPath (bare host directory volume)")
        w.line(2, f"Path:\t{spec['hostPath'].get('path', '')}")
        w.line(2, f"HostPathType:\t{spec['hostPath'].get('type') or '<none>'}")
    elif spec.get("local"):
        w.line(2, "Type:\tLocalVolume (a persistent volume backed by local storage on a node)")
        w.line(2, f"Path:\t{spec['local'].get('path', '')}")
    elif spec.get("csi"):
        csi = spec["csi"]
        w.line(2, "Type:\tCSI (a Container Storage Interface (CSI) volume source)")
        w.line(2, f"Driver:\t{csi.get('driver', '')}")
        w.line(2, f"FSType:\t{csi.get('fsType', '')}")
        w.line(2, f"VolumeHandle:\t{csi.get('volumeHandle', '')}")
        w.line(2, f"ReadOnly:\t{str(bool(csi.get('readOnly'))).lower()}")
        w.line(2, f"VolumeAttributes:\t{_format_labels(csi.get('volumeAttributes'))}")
    if events is not None:
        events_section(w, events, now)
    return str(w)


def _node_affinity(w: Writer, affinity: dict | None) -> None:
    required = (affinity or {}).get("required")
    if required is None:
        w.line(0, "Node Affinity:\t<none>")
        return
    w.line(0, "Node Affinity:\t")
    terms = required.get("nodeSelectorTerms") or []
    w.line(1, "Required Terms:\t" + ("<none>" if not terms else ""))
    for index, term in enumerate(terms):
        expressions = term.get("matchExpressions") or []
        if not expressions:
            w.line(2, f"Term {index}:\t<none>")
        for position, expression in enumerate(expressions):
            text = f"{expression.get('key')} {str(expression.get('operator', '')).lower()}"
            if expression.get("values"):
                text += f" [{', '.join(expression['values'])}]"
            w.line(2, (f"Term {index}:\t" if position == 0 else "\t") + text)


def describe_persistentvolumeclaim(client, claim: dict, events: list[dict] | None, now: float) -> str:
    metadata, spec, status = claim.get("metadata", {}), claim.get("spec") or {}, claim.get("status") or {}
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    w.line(0, f"Namespace:\t{metadata.get('namespace', '')}")
    w.line(0, f"StorageClass:\t{volumes.claim_class(claim)}")
    w.line(0, f"Status:\t{_status(claim, now)}")
    w.line(0, f"Volume:\t{spec.get('volumeName', '')}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    w.line(0, f"Finalizers:\t{_finalizers(claim)}")
    bound = bool(spec.get("volumeName"))
    w.line(0, f"Capacity:\t{(status.get('capacity') or {}).get('storage', '') if bound else ''}")
    w.line(0, f"Access Modes:\t{volumes.access_modes_string(status.get('accessModes')) if bound else ''}")
    if spec.get("volumeMode"):
        w.line(0, f"VolumeMode:\t{spec['volumeMode']}")
    users = _used_by(client, claim)
    w.line(0, f"Used By:\t{users[0] if users else '<none>'}")
    for user in users[1:]:
        w.line(0, f"\t{user}")
    if events is not None:
        events_section(w, events, now)
    return str(w)


def _used_by(client, claim: dict) -> list[str]:
    """The pods of the claim's namespace whose volumes name it (kubectl lists them the same way)."""
    try:
        pods = client.list("pods", claim["metadata"].get("namespace"))["items"]
    except ApiError:
        return []
    name = claim["metadata"].get("name")
    return sorted(pod["metadata"]["name"] for pod in pods
                  if any((v.get("persistentVolumeClaim") or {}).get("claimName") == name
                         for v in pod.get("spec", {}).get("volumes") or []))
