"""pods/<name>/binding: the scheduler's decision, written as spec.nodeName (once only)."""
from __future__ import annotations

from ...objects import conditions
from .. import decode
from ...api import errors


def create(server, resource, request) -> dict:
    body = request.body or {}
    if not isinstance(body, dict):
        raise errors.bad_request("the body of the request was in an unknown format")
    decode.check_definition("io.k8s.api.core.v1.Binding", body, "Binding", "v1")
    target = body.get("target") or {}
    if not target.get("name"):
        raise errors.invalid("Binding", "", request.name, [errors.required("target.name")])
    kv, pod = server.read(resource, request.namespace, request.name)
    if pod["spec"].get("nodeName"):
        raise errors.conflict("pods/binding", resource.group, request.name,
                              f'pod {request.name} is already assigned to node "{pod["spec"]["nodeName"]}"')
    pod["spec"]["nodeName"] = target["name"]
    pod["status"]["conditions"] = conditions.set_condition(
        pod["status"].get("conditions") or [], {"type": "PodScheduled", "status": "True",
                                                "lastProbeTime": None}, server.clock.now())
    server.write(resource, request, pod, kv.mod_revision, "create", f"bound to {target['name']}")
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
