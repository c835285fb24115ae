"""Running one probe (upstream's pkg/kubelet/prober: exec, httpGet, tcpSocket, grpc).

    exec        run the command in the container (exec_sync.py); exit 0 is success
    httpGet     GET http://<podIP>:<port><path>; 200–399 is success
    tcpSocket   connect to <podIP>:<port>; accepted is success
    grpc        grpc.health.v1 Check on <podIP>:<port>; SERVING is success

Each answers (success, output) on the clock; a probe that takes longer than timeoutSeconds
fails. The words of a failure are upstream's, so the Unhealthy event reads as on a real node:
"HTTP probe failed with statuscode: 500", `Get "http://10.244.1.2:8080/healthz": dial tcp
10.244.1.2:8080: connect: connection refused`, "dial tcp 10.244.1.2:3306: connect: connection
refused", `service unhealthy (responded with "NOT_SERVING")`.

What a simulated app answers: its image's server listens on its ports (images.py) and answers
200 on any path — nginx only on / and the files under /usr/share/nginx/html (404 otherwise,
as a real nginx) — unless it is *sick* (`runtime.set_sick(...)`, 500; a gRPC app answers
NOT_SERVING). registry.k8s.io/liveness answers /healthz with 200 for its first 10 s, then 500,
as in the Kubernetes docs' liveness example.
"""
from __future__ import annotations

from typing import Callable

from .cri import ExecResult

Result = tuple[bool, str]   # (success, output)


def _port(container_spec: dict, port) -> int | None:
    if isinstance(port, int):
        return port
    for declared in container_spec.get("ports") or []:
        if declared.get("name") == port:
            return declared["containerPort"]
    return None


def http_answer(container, port: int, path: str, now: float) -> int | None:
    """The status code the container's app answers on port/path, or None: connection refused."""
    if port not in container.listening:
        return None
    if container.sick:
        return 500
    health = container.process.image.health if container.process else "always"
    if health == "liveness-demo" and path == "/healthz":
        return 200 if now - container.started_at < 10 else 500
    if "nginx" in container.image.repository:
        relative = path.split("?")[0].lstrip("/") or "index.html"
        if relative == "index.html" or container.files.read(f"/usr/share/nginx/html/{relative}") is not None:
            return 200
        return 404
    return 200


def run_probe(runtime, pod_ip: str, container, container_spec: dict, probe: dict,
              on_result: Callable[[bool, str], None]) -> None:
    """Run `probe` against `container` once; `on_result(success, output)` later on the clock."""
    clock = runtime.clock
    timeout = float(probe.get("timeoutSeconds", 1))
    if "exec" in probe:
        command = probe["exec"].get("command") or []

        def done(result: ExecResult) -> None:
            if result.timed_out:
                on_result(False, f"command {command!r} timed out".replace("'", '"'))
            else:
                on_result(result.exit_code == 0, result.output)
        runtime.exec_sync(container.id, command, timeout, done)
        return
    if "httpGet" in probe:
        get = probe["httpGet"]
        port, path = _port(container_spec, get.get("port")), get.get("path", "/")
        host = get.get("host") or pod_ip
        scheme = get.get("scheme", "HTTP").lower()
        url = f"{scheme}://{host}:{port}{path}"
        if port is None:
            code = None
        elif hasattr(runtime, "http_status"):    # a runtime of real processes: a real GET
            code = runtime.http_status(host, port, path, timeout)
        else:
            code = http_answer(container, port, path, clock.now())
        if code is None:
            outcome = (False, f'Get "{url}": dial tcp {host}:{port}: connect: connection refused')
        elif 200 <= code < 400:
            outcome = (True, "")
        else:
            outcome = (False, f"HTTP probe failed with statuscode: {code}")
        clock.call_soon(on_result, *outcome)
        return
    if "tcpSocket" in probe:
        port = _port(container_spec, probe["tcpSocket"].get("port"))
        host = probe["tcpSocket"].get("host") or pod_ip
        reachable = runtime.tcp_open(host, port, timeout) if hasattr(runtime, "tcp_open") else \
            port in container.listening
        if reachable:
            clock.call_soon(on_result, True, "")
        else:
            clock.call_soon(on_result, False, f"dial tcp {host}:{port}: connect: connection refused")
        return
    if "grpc" in probe:
        port = probe["grpc"].get("port")
        if port not in container.listening:
            seconds = f"{timeout:g}s"
            clock.call_later(timeout, on_result, False,
                             f'timeout: failed to connect service "{pod_ip}:{port}" within {seconds}')
        elif container.sick:
            clock.call_soon(on_result, False, 'service unhealthy (responded with "NOT_SERVING")')
        else:
            clock.call_soon(on_result, True, "")
        return
    clock.call_soon(on_result, False, "unknown probe handler")
