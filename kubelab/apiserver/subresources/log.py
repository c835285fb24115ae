"""pods/<name>/log: a container's output — which only its node has.

Logs never go through the store: the API server looks up the pod's node and asks that
node's kubelet (upstream: an HTTPS request to https://<node>:10250/containerLogs/<ns>/<pod>/
<container>, which the kubelet answers from the container runtime's log files) and streams
the answer back. So `kubectl logs` works only while the node is reachable.

kubelab's simplification: the API server keeps a *node connection registry* —
`apiserver.node_connections.register(node_name, provider)` — where each kubelet (in-process:
the Cluster wires it; as processes: the kubelet's :10250 endpoint) offers a function
`provider(namespace, pod, container, options) -> str`; `http_provider(url)` makes one that
calls a kubelet process over HTTP. No registered connection is the "connection refused" you
would get from a real API server whose kubelet is down.

This is the one request whose answer is text (`text/plain`), not a JSON object.
Options understood: container, tailLines, sinceSeconds, timestamps, previous, limitBytes.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Callable

from ...api import errors

LogProvider = Callable[[str, str, str, dict], str]
KUBELET_PORT = 10250


class NodeConnections:
    """Node name → the kubelet's log endpoint (upstream: node address + kubeletEndpoint port)."""

    def __init__(self) -> None:
        self.providers: dict[str, LogProvider] = {}
        # As processes (`kubelab up`) there is nothing to register: the API server dials each
        # kubelet at this host and the port its Node reports (status.daemonEndpoints).
        self.dial_host: str | None = None

    def register(self, node_name: str, provider: LogProvider) -> None:
        self.providers[node_name] = provider

    def unregister(self, node_name: str) -> None:
        self.providers.pop(node_name, None)

    def get(self, node_name: str) -> LogProvider | None:
        return self.providers.get(node_name)


def http_provider(base_url: str, timeout: float = 10.0) -> LogProvider:
    """A node connection over HTTP, for kubelets running as processes: GET
    <base_url>/containerLogs/<ns>/<pod>/<container>?<options> (the kubelet's own path)."""
    def fetch(namespace: str, pod: str, container: str, options: dict) -> str:
        query = urllib.parse.urlencode({k: v for k, v in options.items() if k != "container"})
        url = f"{base_url.rstrip('/')}/containerLogs/{namespace}/{pod}/{container}" + (f"?{query}" if query else "")
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as refused:   # the kubelet's own refusal: its Status, passed on
            body = refused.read().decode("utf-8", "replace")
            try:
                status = json.loads(body)
            except ValueError:
                status = None
            if not isinstance(status, dict) or status.get("kind") != "Status":
                reason = {400: "BadRequest", 404: "NotFound"}.get(refused.code, "InternalError")
                status = errors.status(refused.code, reason, body.strip() or str(refused))
            raise errors.ApiError(status)
        except (urllib.error.URLError, OSError) as error:
            raise errors.ApiError(errors.status(500, "InternalError", f'Get "{url}": {error}'))
    return fetch


def get(server, resource, request) -> str:
    pod = server.read(resource, request.namespace, request.name)[1]
    params = request.params
    containers = [c["name"] for c in pod["spec"].get("containers") or []]
    container = params.get("container")
    if not container:
        if len(containers) != 1:
            raise errors.bad_request(f"a container name must be specified for pod {request.name}, "
                                     f"choose one of: [{' '.join(containers)}]")
        container = containers[0]
    all_containers = containers + [c["name"] for c in pod["spec"].get("initContainers") or []]
    if container not in all_containers:
        raise errors.bad_request(f"container {container} is not valid for pod {request.name}")
    node_name = pod["spec"].get("nodeName")
    if not node_name:
        raise errors.bad_request(f'container "{container}" in pod "{request.name}" is waiting to start: '
                                 f"ContainerCreating")
    provider = server.node_connections.get(node_name)
    if provider is None and server.node_connections.dial_host and params.get("follow") in (True, "true"):
        follow = _follow_through(server, node_name, request.namespace, request.name, container)
        if follow is not None:
            return follow   # the kubelet's streamed answer goes straight through (http/upgrade.py)
    if provider is None and server.node_connections.dial_host:
        provider = _remote_kubelet(server, node_name)
    if provider is None:
        address = _node_address(server, node_name)
        raise errors.ApiError(errors.status(
            500, "InternalError",
            f'Get "https://{address}:{KUBELET_PORT}/containerLogs/{request.namespace}/{request.name}/'
            f'{container}": dial tcp {address}:{KUBELET_PORT}: connect: connection refused'))
    return provider(request.namespace, request.name, container, dict(params))


def _remote_kubelet(server, node_name: str) -> LogProvider | None:
    """GET http://<dial_host>:<the node's kubelet port>/containerLogs/... (a kubelet process)."""
    try:
        node = server.read(server.resources["nodes"], "", node_name)[1]
    except errors.ApiError:
        return None
    port = (((node.get("status") or {}).get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port")
    if not port or port == KUBELET_PORT:
        return None   # a kubelet that serves no logs endpoint of its own
    return http_provider(f"http://{server.node_connections.dial_host}:{port}")


def _follow_through(server, node_name: str, namespace: str, pod: str, container: str) -> dict | None:
    """`kubectl logs -f` against a kubelet process: where to pass the connection through to."""
    try:
        node = server.read(server.resources["nodes"], "", node_name)[1]
    except errors.ApiError:
        return None
    port = (((node.get("status") or {}).get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port")
    if not port or port == KUBELET_PORT:
        return None
    return {"kind": "Upgrade", "host": server.node_connections.dial_host, "port": port,
            "path": f"/containerLogs/{namespace}/{pod}/{container}"}


def _node_address(server, node_name: str) -> str:
    try:
        node = server.read(server.resources["nodes"], "", node_name)[1]
    except errors.ApiError:
        return node_name
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return address["address"]
    return node_name
