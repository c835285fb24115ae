"""deployments|replicasets/<name>/scale: the replica count alone (autoscaling/v1 Scale).

`kubectl scale` and the HorizontalPodAutoscaler change how many replicas a workload wants
without knowing what kind of workload it is: they read and write a Scale, and the API
server maps it onto the object's spec.replicas (and status.replicas, status.selector).
"""
from __future__ import annotations

import copy

from ...objects import selector
from .. import decode
from ...api import errors
from ..patch import apply_patch


def to_scale(obj: dict) -> dict:
    metadata = obj["metadata"]
    match = (obj["spec"].get("selector") or {})
    if obj.get("kind") == "ReplicationController":   # a plain map of labels
        match = {"matchLabels": match}
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {key: metadata[key] for key in ("name", "namespace", "uid", "resourceVersion",
                                                        "creationTimestamp") if key in metadata},
            "spec": {"replicas": obj["spec"].get("replicas", 0)},
            "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                       "selector": selector.to_string(selector.from_label_selector(match))}}


def get(server, resource, request) -> dict:
    return to_scale(server.read(resource, request.namespace, request.name)[1])


def update(server, resource, request, body: dict | None = None) -> dict:
    def set_replicas(obj: dict, replicas: int) -> None:
        obj["spec"]["replicas"] = replicas
    return to_scale(write_replicas(server, resource, request, body, set_replicas))


def write_replicas(server, resource, request, body: dict | None, set_replicas) -> dict:
    """Check a Scale body, then write its replicas into the object with `set_replicas(obj, n)`
    (a built-in kind's spec.replicas, a custom kind's specReplicasPath); the updated object."""
    scale = body if body is not None else request.body
    if not isinstance(scale, dict):
        raise errors.bad_request("the body of the request was in an unknown format")
    decode.check_definition("io.k8s.api.autoscaling.v1.Scale", scale, "Scale", "v1")
    replicas = (scale.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or replicas < 0:
        raise errors.invalid("Scale", "autoscaling", request.name, [
            errors.invalid_value("spec.replicas", replicas, "must be greater than or equal to 0")])
    kv, obj = server.read(resource, request.namespace, request.name)
    wanted_version = (scale.get("metadata") or {}).get("resourceVersion")
    if wanted_version and wanted_version != obj["metadata"]["resourceVersion"]:
        raise errors.conflict(resource.plural, resource.group, request.name, errors.STALE)
    new = copy.deepcopy(obj)
    set_replicas(new, replicas)
    return server.update_object(resource, request, kv, obj, new)


def patch(server, resource, request) -> dict:
    current = get(server, resource, request)
    patched = apply_patch(request.params.get("patchType"), current, request.body)
    return update(server, resource, request, patched)
