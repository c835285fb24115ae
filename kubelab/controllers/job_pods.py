"""A Job's pod, from its template (upstream's GetPodFromTemplate plus the Job's own marks).

    generateName   "<job>-"           ("<job>-<index>-" for an Indexed Job)
    labels         the template's     (+ batch.kubernetes.io/job-completion-index)
    annotations    the template's     (+ batch.kubernetes.io/job-completion-index)
    finalizers     the template's + batch.kubernetes.io/job-tracking (see job.py: counted once)
    ownerReference the Job, controller and blockOwnerDeletion
    Indexed:       env JOB_COMPLETION_INDEX from the annotation in every container, and
                   hostname "<job>-<index>" unless the template sets one
"""
from __future__ import annotations

import copy

from ..objects import meta
from .job_util import COMPLETION_INDEX, TRACKING_FINALIZER


def pod_from_template(job: dict, index: int | None = None) -> dict:
    template = job["spec"]["template"]
    template_metadata = template.get("metadata") or {}
    prefix = f"{meta.name(job)}-" if index is None else f"{meta.name(job)}-{index}-"
    metadata = {"generateName": prefix, "namespace": meta.namespace(job),
                "labels": dict(template_metadata.get("labels") or {}),
                "ownerReferences": [meta.owner_reference(job)],
                "finalizers": list(template_metadata.get("finalizers") or []) + [TRACKING_FINALIZER]}
    if template_metadata.get("annotations"):
        metadata["annotations"] = copy.deepcopy(template_metadata["annotations"])
    spec = copy.deepcopy(template.get("spec") or {})
    if index is not None:
        metadata.setdefault("annotations", {})[COMPLETION_INDEX] = str(index)
        metadata["labels"][COMPLETION_INDEX] = str(index)
        variable = {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
            "apiVersion": "v1", "fieldPath": f"metadata.annotations['{COMPLETION_INDEX}']"}}}
        for kind in ("initContainers", "containers"):
            for container in spec.get(kind) or []:
                if not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in container.get("env") or []):
                    container["env"] = list(container.get("env") or []) + [variable]
        spec.setdefault("hostname", f"{meta.name(job)}-{index}")
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
