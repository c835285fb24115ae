"""pods/<name>/binding: the scheduler's decision, written as spec.nodeName (once only).

The pod is read as upstream's GuaranteedUpdate reads it when the cacher holds it: the watch
cache's object (server.read_current: no store read, no decode), copied where it changes, and
written with a compare on its mod revision, so a writer in between still makes it 409."""
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
    mod, current = server.read_current(resource, request.namespace, request.name)   # (maybe shared: copied below)
    if current["spec"].get("nodeName"):
        raise errors.conflict("pods/binding", resource.group, request.name,
                              f'pod {request.name} is already assigned to node "{current["spec"]["nodeName"]}"')
    pod = {**current, "metadata": dict(current["metadata"]), "spec": {**current["spec"], "nodeName": target["name"]},
           "status": dict(current.get("status") or {})}
    pod["status"]["conditions"] = conditions.set_condition(
        pod["status"].get("conditions") or [], {"type": "PodScheduled", "status": "True",
                                                "lastProbeTime": None}, server.clock.now())
    server.write(resource, request, pod, mod, "create", f"bound to {target['name']}")
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
