"""pods/<name>/eviction: "please go", as `kubectl drain` asks each pod on a node.

An Eviction (policy/v1) is a delete that first asks the pod's PodDisruptionBudgets whether
the application can spare one more pod; if it can, the pod is deleted gracefully, exactly as
by DELETE (with the Eviction's deleteOptions), and the answer is 201 with a Success Status.

kubelab serves no PodDisruptionBudgets yet, so every eviction is allowed: real Kubernetes
would answer 429 TooManyRequests ("Cannot evict pod as it would violate the pod's disruption
budget.") when a budget says no, and drain would retry.
"""
from __future__ import annotations

from ...api.request import Request
from .. import decode
from ...api import errors


def create(server, resource, request) -> dict:
    body = request.body or {}
    if not isinstance(body, dict):
        raise errors.bad_request("the body of the request was in an unknown format")
    decode.check_definition("io.k8s.api.policy.v1.Eviction", body, "Eviction", "v1")
    if body.get("kind", "Eviction") != "Eviction":
        raise errors.bad_request(f'expected Eviction, got {body.get("kind")}')
    name = (body.get("metadata") or {}).get("name") or request.name
    if name != request.name:
        raise errors.bad_request("name in URL does not match name in Eviction object")
    options = body.get("deleteOptions") or {}
    params = {k: v for k, v in request.params.items() if k == "dryRun"}
    server.handle_delete(Request("delete", "pods", request.namespace, request.name, body=options,
                                 params=params, user=request.user, user_info=request.user_info))
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
