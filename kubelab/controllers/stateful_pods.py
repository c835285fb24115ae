"""A StatefulSet's pods and claims: names, identity and revision, as pure functions.

After upstream's pkg/controller/statefulset/stateful_set_utils.go (v1.32):

    pod name        "<set>-<ordinal>"                 web-0, web-1, ... (spec.ordinals.start first)
    labels          the template's + statefulset.kubernetes.io/pod-name: web-0
                                   + apps.kubernetes.io/pod-index: "0"
                                   + controller-revision-hash: web-<hash>  (the revision's *name*)
    hostname        the pod's name; subdomain = spec.serviceName, so a headless Service of that
                    name gives each pod the DNS name web-0.nginx.<namespace>.svc.cluster.local
    claims          one PersistentVolumeClaim per volumeClaimTemplate: "<template>-<set>-<ordinal>",
                    mounted as the volume named after the template (replacing one of that name)

A pod is *healthy* for the ordering rules when it is Running and Ready and not terminating.
"""
from __future__ import annotations

import copy
import re

from ..objects import conditions, meta

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
HASH_LABEL = "controller-revision-hash"


def ordinal_of(statefulset: dict, pod: dict) -> int | None:
    """The ordinal in the pod's name if the pod is one of this set's ("web-3" -> 3), else None."""
    match = re.fullmatch(rf"{re.escape(meta.name(statefulset))}-(\d+)", meta.name(pod))
    return int(match.group(1)) if match else None


def claim_name(template: dict, statefulset: dict, ordinal: int) -> str:
    return f"{(template.get('metadata') or {}).get('name', '')}-{meta.name(statefulset)}-{ordinal}"


def new_claims(statefulset: dict, ordinal: int) -> list[dict]:
    """The PersistentVolumeClaims pod `ordinal` mounts, labelled with the set's selector labels."""
    claims = []
    policy = statefulset["spec"].get("persistentVolumeClaimRetentionPolicy") or {}
    for template in statefulset["spec"].get("volumeClaimTemplates") or []:
        claim = copy.deepcopy(template)
        metadata = claim.setdefault("metadata", {})
        metadata["name"] = claim_name(template, statefulset, ordinal)
        metadata["namespace"] = meta.namespace(statefulset)
        labels = metadata.setdefault("labels", {})
        labels.update((statefulset["spec"].get("selector") or {}).get("matchLabels") or {})
        if policy.get("whenDeleted") == "Delete":   # the garbage collector follows the set
            metadata["ownerReferences"] = [meta.owner_reference(statefulset, controller=False)]
        claim.update({"apiVersion": "v1", "kind": "PersistentVolumeClaim"})
        claim.pop("status", None)
        claims.append(claim)
    return claims


def new_pod(statefulset: dict, template: dict, ordinal: int, revision_name: str) -> dict:
    """Pod `ordinal` of the set, from `template` (the current or the update revision's)."""
    name = f"{meta.name(statefulset)}-{ordinal}"
    template_metadata = template.get("metadata") or {}
    labels = dict(template_metadata.get("labels") or {})
    labels.update({POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal), HASH_LABEL: revision_name})
    metadata = {"name": name, "namespace": meta.namespace(statefulset), "labels": labels,
                "ownerReferences": [meta.owner_reference(statefulset)]}
    for field in ("annotations", "finalizers"):
        if template_metadata.get(field):
            metadata[field] = copy.deepcopy(template_metadata[field])
    spec = copy.deepcopy(template.get("spec") or {})
    spec["hostname"] = name
    if statefulset["spec"].get("serviceName"):
        spec["subdomain"] = statefulset["spec"]["serviceName"]
    claims = {(t.get("metadata") or {}).get("name"): claim_name(t, statefulset, ordinal)
              for t in statefulset["spec"].get("volumeClaimTemplates") or []}
    if claims:
        volumes = [v for v in spec.get("volumes") or [] if v.get("name") not in claims]
        spec["volumes"] = volumes + [{"name": volume, "persistentVolumeClaim": {"claimName": claim}}
                                     for volume, claim in claims.items()]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def is_running_and_ready(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and conditions.is_true(pod, "Ready")


def is_healthy(pod: dict) -> bool:
    return is_running_and_ready(pod) and not meta.is_being_deleted(pod)


def is_finished(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded")


def revision_of(pod: dict) -> str:
    return meta.labels(pod).get(HASH_LABEL, "")
