"""How fast is the API server? Create, get and list of 1,000 pods, and watch delivery.

    .venv/bin/python benchmarks/apiserver_bench.py [--pods 1000] [--lists 50] [--writes 1000] [--shared 300] [--write-results]

Measures, on a memory store:
  create   POST of 1,000 pods, one after the other: the latency of each
  get      GET of each of those pods
  list     GET of the whole collection (1,000 pods), --lists times
each over HTTP (one keep-alive connection to `kubelab apiserver`'s machinery on 127.0.0.1)
and in-process (a Client over the InProcessTransport, no sockets), as p50 / p99 in ms; and
  watch    1 and 100 HTTP watches on the pods while one client sends --writes pod updates
           back to back: the delay from sending a write to each watcher reading its event
           (p50 / p99), and the events read per second by all watchers together.
  n API servers  `kubelab apiserver` processes (1, 2, 3) sharing one store, as `kubelab up
           --apiservers N` runs them (one keeps the store itself; several share kubelab's
           store server over etcd's protocol): create and get of --shared pods, round robin
           over the instances, p50 / p99 in ms. A regression in the store server's wire (a
           socket waiting for Nagle: 44 ms a GET instead of 1 ms) shows here.
`--write-results` puts the table, the command and the machine's facts under "## API server"
in benchmarks/RESULTS.md (the other sections stay as they are).

The API server here trusts every request (no token checks): authentication is measured by
its own tests; this is the request path, the store and HTTP.
"""
from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kubelab.apiserver.http import start_apiserver  # noqa: E402
from kubelab.apiserver.server import APIServer  # noqa: E402
from kubelab.client import Client  # noqa: E402
from kubelab.client.client import InProcessTransport  # noqa: E402
from kubelab.clock import VirtualClock  # noqa: E402
from kubelab.store import MemoryStore  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
PODS = "/api/v1/namespaces/default/pods"
WATCHER_COUNTS = (1, 100)


def pod(number: int) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"bench-{number}", "namespace": "default", "labels": {"app": "bench"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}}


SERVICE_ACCOUNT = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "default"}}


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def timed(calls) -> list[float]:
    latencies = []
    for call in calls:
        started = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - started)
    return latencies


# -- HTTP -------------------------------------------------------------------------------
class Connection:
    def __init__(self, server=None, port: int = 0):
        host, port = (server.http.host, server.http.port) if server is not None else ("127.0.0.1", port)
        self.connection = http.client.HTTPConnection(host, port, timeout=60)

    def send(self, method: str, path: str, body: dict | None = None, content_type: str = "application/json"):
        self.connection.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                                headers={"Content-Type": content_type})
        response = self.connection.getresponse()
        answer = json.loads(response.read())
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {answer.get('message')}")
        return answer


def measure_http(pods: int, lists: int) -> dict[str, list[float]]:
    server = start_apiserver(port=0)
    try:
        connection = Connection(server)
        connection.send("POST", "/api/v1/namespaces/default/serviceaccounts", SERVICE_ACCOUNT)   # admission wants it
        return {
            "create": timed(lambda number=number: connection.send("POST", PODS, pod(number)) for number in range(pods)),
            "get": timed(lambda number=number: connection.send("GET", f"{PODS}/bench-{number}") for number in range(pods)),
            "list": timed(lambda: connection.send("GET", PODS) for _ in range(lists)),
        }
    finally:
        server.stop()


def measure_in_process(pods: int, lists: int) -> dict[str, list[float]]:
    clock = VirtualClock()
    apiserver = APIServer(MemoryStore(clock), clock)
    apiserver.bootstrap()
    client = Client(InProcessTransport(apiserver), "bench")
    client.create("serviceaccounts", SERVICE_ACCOUNT)
    return {
        "create": timed(lambda number=number: client.create("pods", pod(number)) for number in range(pods)),
        "get": timed(lambda number=number: client.get("pods", f"bench-{number}", "default") for number in range(pods)),
        "list": timed(lambda: client.list("pods", "default") for _ in range(lists)),
    }


def measure_watch(watchers: int, writes: int) -> tuple[list[float], float]:
    """(delivery delays, events read per second by all watchers) for `writes` pod updates."""
    server = start_apiserver(port=0)
    try:
        writer = Connection(server)
        writer.send("POST", "/api/v1/namespaces/default/serviceaccounts", SERVICE_ACCOUNT)
        writer.send("POST", PODS, pod(0))
        since = writer.send("GET", PODS)["metadata"]["resourceVersion"]
        sent_at: dict[str, float] = {}          # the label value of each write -> when it was sent
        delays: list[float] = []
        lock, ready, finished = threading.Lock(), threading.Semaphore(0), threading.Barrier(watchers + 1)

        def watch() -> None:
            connection = http.client.HTTPConnection(server.http.host, server.http.port, timeout=120)
            connection.request("GET", f"{PODS}?watch=true&resourceVersion={since}&timeoutSeconds=120")
            response = connection.getresponse()
            ready.release()
            mine = []
            for _ in range(writes):
                event = json.loads(response.readline())
                mine.append((time.perf_counter(), event["object"]["metadata"]["labels"]["step"]))
            connection.close()
            with lock:
                delays.extend(at - sent_at[step] for at, step in mine)
            finished.wait()

        threads = [threading.Thread(target=watch, daemon=True) for _ in range(watchers)]
        for thread in threads:
            thread.start()
        for _ in threads:
            ready.acquire()
        started = time.perf_counter()
        for step in range(writes):
            sent_at[str(step)] = time.perf_counter()
            writer.send("PATCH", f"{PODS}/bench-0", {"metadata": {"labels": {"step": str(step)}}},
                        "application/merge-patch+json")
        finished.wait(timeout=300)
        elapsed = time.perf_counter() - started
        return delays, watchers * writes / elapsed
    finally:
        server.stop()


# -- n API servers on one store (separate processes, as `kubelab up --apiservers N`) ----------
APISERVER_COUNTS = (1, 2, 3)


def _wait_answers(port: int, path: str, method: str = "GET") -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request(method, path, body=b"{}" if method == "POST" else None)
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}{path}")


def measure_apiservers(count: int, pods: int) -> dict[str, list[float]]:
    """create and get latencies through `count` API server processes sharing one store."""
    from kubelab.store.etcd_process import free_ports
    python = [sys.executable, "-m"]
    ports = free_ports(count + 1)
    children = []
    try:
        if count == 1:
            store_args = ["--store", "memory"]
        else:
            children.append(subprocess.Popen([*python, "kubelab.processes.store_server", "--port", str(ports[-1])],
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            _wait_answers(ports[-1], "/v3/maintenance/status", "POST")
            store_args = ["--store", "etcd", "--etcd-endpoint", f"http://127.0.0.1:{ports[-1]}"]
        for index in range(count):
            children.append(subprocess.Popen([*python, "kubelab", "apiserver", "--port", str(ports[index]),
                                              "--seed", str(index + 1), *store_args],
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for port in ports[:count]:
            _wait_answers(port, "/readyz")
        connections = [Connection(port=port) for port in ports[:count]]
        connections[0].send("POST", "/api/v1/namespaces/default/serviceaccounts", SERVICE_ACCOUNT)
        return {
            "create": timed(lambda number=number: connections[number % count].send("POST", PODS, pod(number))
                            for number in range(pods)),
            "get": timed(lambda number=number: connections[(number + 1) % count].send("GET", f"{PODS}/bench-{number}")
                         for number in range(pods)),
        }
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(10)


# -- the report -------------------------------------------------------------------------
def load_average() -> str:
    return ", ".join(f"{load:.2f}" for load in os.getloadavg())


def git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent)
    return done.stdout.strip() or "?"


def report(args, http_latencies, in_process, watch_rows, load_at_start: str, shared_rows=None) -> str:
    lines = [
        "## API server", "",
        f"{datetime.date.today().isoformat()}, commit {git_commit()}, memory store, one client on one keep-alive "
        f"connection (HTTP) or a Client over the InProcessTransport (in-process), no authentication. "
        f"Reproduce with:", "",
        f"    .venv/bin/python benchmarks/apiserver_bench.py --pods {args.pods} --lists {args.lists} "
        f"--writes {args.writes} --shared {args.shared} --write-results", "",
        "| request | HTTP p50 | HTTP p99 | in-process p50 | in-process p99 |",
        "|---|---|---|---|---|",
    ]
    for verb, what in (("create", f"create a pod (POST, {args.pods:,} pods one after another)"),
                       ("get", "get a pod"), ("list", f"list {args.pods:,} pods ({args.lists} lists)")):
        http_p50, http_p99 = percentiles(http_latencies[verb])
        local_p50, local_p99 = percentiles(in_process[verb])
        lines.append(f"| {what} | {http_p50:.2f} ms | {http_p99:.2f} ms | {local_p50:.2f} ms | {local_p99:.2f} ms |")
    lines += ["", f"Watch delivery over HTTP: one client merge-patches one pod {args.writes:,} times back to back; "
                  "each watcher reads every event. Delay: from sending the write to a watcher reading its event. "
                  "With one watcher the rate is the writer's pace; with 100 the fan-out (one JSON encoding "
                  "and one socket write per watcher and event, under the GIL) is the limit.", "",
              "| watchers | delay p50 | delay p99 | events read/s (all watchers) |", "|---|---|---|---|"]
    for watchers, (delays, rate) in watch_rows.items():
        p50, p99 = percentiles(delays)
        lines.append(f"| {watchers} | {p50:.2f} ms | {p99:.2f} ms | {rate:,.0f} |")
    if shared_rows:
        lines += ["", f"n API servers on one store, as `kubelab up --apiservers N` runs them: separate "
                      f"`kubelab apiserver` processes, the first keeping a memory store itself, two or more "
                      f"sharing kubelab's store server (etcd's v3 JSON protocol over HTTP); one client, "
                      f"{args.shared:,} creates then {args.shared:,} gets, round robin over the instances.", "",
                  "| API servers | create p50 | create p99 | get p50 | get p99 |", "|---|---|---|---|---|"]
        for count, latencies in shared_rows.items():
            create, get = percentiles(latencies["create"]), percentiles(latencies["get"])
            lines.append(f"| {count} | {create[0]:.2f} ms | {create[1]:.2f} ms | {get[0]:.2f} ms | {get[1]:.2f} ms |")
    lines += ["", f"- cores: {os.cpu_count()} (nproc {len(os.sched_getaffinity(0))})",
              f"- python: {platform.python_implementation()} {platform.python_version()}",
              f"- os: {platform.platform()}",
              f"- load average (1, 5, 15 min) at the start: {load_at_start}",
              f"- load average at the end: {load_average()}", ""]
    return "\n".join(lines)


def write_results(text: str) -> None:
    """Replace the "## API server" section of RESULTS.md (or add it at the end)."""
    old = RESULTS.read_text()
    start = old.find("\n## API server\n")
    if start < 0:
        RESULTS.write_text(old.rstrip("\n") + "\n\n" + text)
        return
    end = old.find("\n## ", start + 1)
    RESULTS.write_text(old[:start + 1] + text + (old[end:] if end >= 0 else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--lists", type=int, default=50)
    parser.add_argument("--writes", type=int, default=1000, help="pod updates watched")
    parser.add_argument("--shared", type=int, default=300, help="pods per run through n API servers")
    parser.add_argument("--write-results", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    load_at_start = load_average()
    http_latencies = measure_http(args.pods, args.lists)
    in_process = measure_in_process(args.pods, args.lists)
    watch_rows = {watchers: measure_watch(watchers, args.writes) for watchers in WATCHER_COUNTS}
    shared_rows = {count: measure_apiservers(count, args.shared) for count in APISERVER_COUNTS}
    text = report(args, http_latencies, in_process, watch_rows, load_at_start, shared_rows)
    print(text)
    if args.write_results:
        write_results(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
