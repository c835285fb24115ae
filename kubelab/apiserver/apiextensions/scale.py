"""<custom>/<name>/scale: a CRD's scale subresource, where its paths say the replicas are.

A CRD that declares `subresources.scale` names three JSON paths: `specReplicasPath`
(`.spec.replicas`), `statusReplicasPath` (`.status.replicas`) and optionally
`labelSelectorPath` (`.status.selector`). `kubectl scale` and a HorizontalPodAutoscaler then
read and write an autoscaling/v1 Scale for the custom kind without knowing it, exactly as for
a Deployment (subresources/scale.py).
"""
from __future__ import annotations

from ..patch import apply_patch
from ..subresources import scale as builtin_scale
from .strategy import json_path


def _to_scale(strategy, obj: dict) -> dict:
    paths = strategy.scale
    metadata = obj["metadata"]
    selector = json_path(obj, paths["labelSelectorPath"]) if paths.get("labelSelectorPath") else None
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {key: metadata[key] for key in ("name", "namespace", "uid", "resourceVersion",
                                                        "creationTimestamp") if key in metadata},
            "spec": {"replicas": json_path(obj, paths["specReplicasPath"]) or 0},
            "status": {"replicas": json_path(obj, paths["statusReplicasPath"]) or 0,
                       **({"selector": selector} if isinstance(selector, str) else {})}}


def get(server, strategy, resource, request) -> dict:
    return _to_scale(strategy, server.read(resource, request.namespace, request.name)[1])


def update(server, strategy, resource, request, body: dict | None = None) -> dict:
    *parents, leaf = strategy.scale["specReplicasPath"].lstrip(".").split(".")

    def set_replicas(obj: dict, replicas: int) -> None:
        node = obj
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = replicas
    return _to_scale(strategy, builtin_scale.write_replicas(server, resource, request, body, set_replicas))


def patch(server, strategy, resource, request) -> dict:
    current = get(server, strategy, resource, request)
    return update(server, strategy, resource, request,
                  apply_patch(request.params.get("patchType"), current, request.body))


VERBS = {"get": get, "update": update, "patch": patch}
