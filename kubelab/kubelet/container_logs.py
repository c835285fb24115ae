"""Container logs: what `kubectl logs` shows, written by the simulated runtime.

A real container runtime captures each container's stdout and stderr into a file on the
node (/var/log/pods/<ns>_<pod>_<uid>/<container>/0.log, one line per write, CRI's format:
"<RFC 3339 nano time> stdout F <text>"). The kubelet reads that file when the API server asks
(GET /containerLogs/<ns>/<pod>/<container> on :10250), honouring tailLines, sinceSeconds,
timestamps and limitBytes.

kubelab's runtime writes what the image would print: an nginx container prints its
entrypoint's start-up lines, then one access-log line per request it serves (in nginx's
"combined" format), all stamped by the virtual clock — so the same seed gives the same logs.
Other images print what their command prints (shell.py); a log keeps its last 5,000 lines.
"""
from __future__ import annotations

import time

from ..objects.timefmt import parse

NGINX_STARTUP = [
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
    "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
    "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
    "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
    "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
]


def _nginx_time(seconds: float, style: str) -> str:
    if style == "error":   # 2025/01/01 00:00:05
        return time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(int(seconds)))
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(int(seconds)))  # access log


MAX_LINES = 5_000  # the runtime rotates a container's log (containerLogMaxSize): memory stays bounded


def write(container, now: float, line: str) -> None:
    """One line the container's process printed."""
    container.logs.append((now, line))
    if len(container.logs) > MAX_LINES:
        del container.logs[:len(container.logs) - MAX_LINES]


def on_start(container, now: float) -> None:
    """The lines a server prints as its process starts (nginx's entrypoint, hello-app's one line)."""
    if "hello-app" in container.image.repository:
        container.logs.append((now, f"{_nginx_time(now, 'error')} Server listening on port 8080"))
        return
    if "nginx" not in container.image.repository:
        return
    container.logs.extend((now, line) for line in NGINX_STARTUP)
    last = container.image.tag.rsplit("/", 1)[-1].split("@")[0]
    version = last.split(":", 1)[1] if ":" in last else "1.27.3"  # untagged: today's "latest"
    for line in ('using the "epoll" event method', f"nginx/{version}", "start worker processes",
                 "start worker process 29"):
        container.logs.append((now, f"{_nginx_time(now, 'error')} [notice] 1#1: {line}"))


def on_request(container, now: float, client_ip: str, path: str = "/",
               user_agent: str = "curl/8.5.0") -> None:
    """One access-log line for a request the container answered."""
    container.logs.append((now, f'{client_ip} - - [{_nginx_time(now, "access")}] "GET {path} HTTP/1.1" '
                                f'200 615 "-" "{user_agent}" "-"'))


def read(container, now: float, options: dict, lines: list | None = None) -> str:
    """The container's log as the kubelet serves it, after tailLines/sinceSeconds/timestamps/limitBytes
    (`lines`: the runtime's (time, text) lines, when they live in a file rather than in memory)."""
    lines = list(container.logs if lines is None else lines)
    if options.get("sinceSeconds") is not None:
        lines = [(t, text) for t, text in lines if t >= now - float(options["sinceSeconds"])]
    if options.get("sinceTime"):
        lines = [(t, text) for t, text in lines if t >= parse(options["sinceTime"])]
    if options.get("tailLines") is not None:
        lines = lines[-int(options["tailLines"]):] if int(options["tailLines"]) > 0 else []
    stamp = str(options.get("timestamps")).lower() == "true"
    text = "".join((f"{_rfc3339_nano(t)} " if stamp else "") + line + "\n" for t, line in lines)
    if options.get("limitBytes") is not None:
        text = text[:int(options["limitBytes"])]
    return text


def _rfc3339_nano(seconds: float) -> str:
    whole = int(seconds)
    nanos = int(round((seconds - whole) * 1e9))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{nanos:09d}Z"
