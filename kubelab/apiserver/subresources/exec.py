"""pods/<name>/exec: a command in a running container, on its node — the API server only connects.

    kubectl exec web -- ls /      GET /api/v1/namespaces/default/pods/web/exec?command=ls&command=/
                                      &container=web&stdout=true   (Upgrade: websocket)
    API server                    authenticates, authorizes (pods/exec), finds the pod's node,
                                  then passes the upgraded connection through to
                                  http://<node>:<kubelet port>/exec/<ns>/<pod>/<container>?…
    kubelet                       runs the command through the runtime (CRI ExecSync) and answers
                                  on the WebSocket (processes/kubelet_server.py)

This handler does the API server's part that is not plumbing: which container, and where its
kubelet listens. It answers with an `Upgrade` marker naming the kubelet's URL; the HTTP layer
(http/server.py) then copies bytes both ways until either side closes, as upstream's
UpgradeAwareHandler does. Only a kubelet that runs as a process (`kubelab up`) has a URL;
in a notebook `cluster.exec(pod, command)` asks the runtime directly.
"""
from __future__ import annotations

from ...api import errors
from .log import KUBELET_PORT, _node_address


def connect(server, resource, request) -> dict:
    """Validate the exec and name the kubelet URL to pass the connection to."""
    pod = server.read(resource, request.namespace, request.name)[1]
    if request.subresource == "portforward":   # the whole pod, not a container: /portForward/<ns>/<pod>
        return _kubelet(server, pod, f"/portForward/{request.namespace}/{request.name}")
    containers = [c["name"] for c in pod["spec"].get("containers") or []]
    init_containers = [c["name"] for c in pod["spec"].get("initContainers") or []]
    container = request.params.get("container") or (containers[0] if len(containers) == 1 else "")
    if not container:   # upstream's streamLocation: only a one-container pod names it by default
        message = f"a container name must be specified for pod {request.name}"
        if containers:
            message += f", choose one of: [{' '.join(containers)}]"
            message += f" or one of the init containers: [{' '.join(init_containers)}]" if init_containers else ""
        raise errors.bad_request(message)
    if container not in containers + init_containers:
        raise errors.bad_request(f"container {container} is not valid for pod {request.name}")
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        raise errors.bad_request(f"cannot exec into a container in a completed pod; current phase is "
                                 f"{pod['status']['phase']}")
    kind = "attach" if request.subresource == "attach" else "exec"
    return _kubelet(server, pod, f"/{kind}/{request.namespace}/{request.name}/{container}")


def _kubelet(server, pod: dict, path: str) -> dict:
    """The Upgrade marker: the pod's kubelet's address and the path to ask there."""
    node_name = pod["spec"].get("nodeName")
    if not node_name:
        raise errors.bad_request(f"pod {pod['metadata']['name']} does not have a host assigned")
    node = server.read(server.resources["nodes"], "", node_name)[1]
    port = (((node.get("status") or {}).get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port")
    host = server.node_connections.dial_host
    if not host or not port or port == KUBELET_PORT:
        address = _node_address(server, node_name)
        raise errors.ApiError(errors.status(
            500, "InternalError", f'error dialing backend: dial tcp {address}:{KUBELET_PORT}: connect: connection '
                                  f'refused'))
    return {"kind": "Upgrade", "host": host, "port": port, "path": path}
