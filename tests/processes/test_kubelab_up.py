"""`kubelab up`: the cluster as real processes, driven by the real kubectl and kubelab's own.

One cluster serves the module (two API servers behind the front, two nodes), started on free
ports and bounded twice: `kubelab up --timeout` and coreutils' `timeout` around it, so nothing
outlives a killed test run. These stories use wall-clock waits: they test processes.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kubelab.client import ApiError, Client
from kubelab.client.http import HTTPTransport
from kubelab.clock import RealClock
from kubelab.store.etcd_process import free_ports

ROOT = Path(__file__).resolve().parents[2]
NGINX = ROOT / "kubelab" / "examples" / "nginx-deployment.yaml"
BOUND_SECONDS = 240   # the watchdog: everything is gone after this, whatever happens


def _children(pid: int) -> set[int]:
    """Every descendant of `pid`, read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(parent, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Up:
    """A running `kubelab up`, its output so far, and how to reach it."""

    def __init__(self, tmp: Path, nodes: int, apiservers: int, ready: str = "kubelab is ready"):
        self.dir = tmp
        self.port, = free_ports(1)
        self.process = subprocess.Popen(
            ["timeout", "-k", "5", str(BOUND_SECONDS), sys.executable, "-m", "kubelab", "up",
             "--nodes", str(nodes), "--apiservers", str(apiservers), "--port", str(self.port),
             "--data-dir", str(tmp), "--timeout", str(BOUND_SECONDS - 20)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        self.output = ""
        self.wait_for(ready, 90)
        self.kubeconfig = str(tmp / "kubeconfig")

    def wait_for(self, text: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.output:
            ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            line = self.process.stdout.readline() if ready else ""
            if not line:
                logs = "".join(f"\n--- {p.name}\n{p.read_text()[-1500:]}" for p in (self.dir / "logs").glob("*.log"))
                raise AssertionError(f"no {text!r} from kubelab up:\n{self.output}{logs}")
            self.output += line

    def kubectl(self, *args: str, binary: str = "kubectl") -> str:
        done = subprocess.run([binary, "--kubeconfig", self.kubeconfig, *args], capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)   # `timeout` hands it on to kubelab up
            self.process.wait(30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if shutil.which("kubectl") is None:
        pytest.skip("the real kubectl is not on PATH")
    up = Up(tmp_path_factory.mktemp("up"), nodes=2, apiservers=2)
    yield up
    up.stop()


def _wait(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_real_kubectl_applies_the_docs_deployment_and_sees_three_running_pods(cluster):
    assert "deployment.apps/nginx-deployment created" in cluster.kubectl("apply", "-f", str(NGINX))

    def running():
        pods = json.loads(cluster.kubectl("get", "pods", "-l", "app=nginx", "-o", "json"))["items"]
        return [p for p in pods if p["status"].get("phase") == "Running"] if len(pods) == 3 else []
    pods = _wait(lambda: len(running()) == 3 and running(), 60, "3 Running nginx pods")
    assert {pod["spec"]["nodeName"] for pod in pods} <= {"node-1", "node-2"}
    # Logs come from the kubelet process that runs the pod, through the API server.
    assert "nginx" in cluster.kubectl("logs", f"pod/{pods[0]['metadata']['name']}")
    table = cluster.kubectl("get", "nodes")
    assert "node-1   Ready" in table and "node-2   Ready" in table


def test_kubelab_kubectl_gets_pods_through_the_kubeconfig(cluster):
    _wait(lambda: "Running" in cluster.kubectl("get", "pods"), 60, "a Running pod")
    done = subprocess.run([sys.executable, "-m", "kubelab", "kubectl", "--kubeconfig", cluster.kubeconfig,
                           "get", "pods"], capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("NAME") and "nginx-deployment-" in done.stdout
    missing = subprocess.run([sys.executable, "-m", "kubelab", "kubectl", "--kubeconfig", cluster.kubeconfig,
                              "get", "pod", "missing"], capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert (missing.returncode, missing.stderr) == (1, 'Error from server (NotFound): pods "missing" not found\n')


def test_a_write_through_one_api_server_is_seen_by_a_watch_through_another(cluster):
    instances = cluster.output.split("API server instances: ")[1].split("\n")[0].split(", ")
    token = cluster.kubectl("config", "view", "--raw", "-o", "jsonpath={.users[0].user.token}")
    clock = RealClock()
    watching = Client(HTTPTransport(instances[1], token, clock), "watcher")
    writing = Client(HTTPTransport(instances[0], token), "writer")
    seen = []

    def on_event(event_type, obj):
        if obj.get("metadata", {}).get("name") == "through-one":
            seen.append((event_type, obj["metadata"]["resourceVersion"]))
            clock.stop()
    listed = watching.list("services", "default")
    handle = watching.watch("services", on_event, "default", listed["metadata"]["resourceVersion"])
    created = writing.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "through-one"},
                                          "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}})
    threading.Timer(10, clock.stop).start()   # bound: the event comes long before
    clock.run_forever()
    handle.stop()
    assert seen == [("ADDED", created["metadata"]["resourceVersion"])]
    assert watching.get("services", "through-one")["metadata"]["uid"] == created["metadata"]["uid"]


def test_over_https_a_request_without_a_token_is_refused_and_changes_nothing(cluster):
    authority = (cluster.dir / "apiserver.crt").read_text()
    anonymous = Client(HTTPTransport(f"https://127.0.0.1:{cluster.port}", "", certificate_authority=authority))
    with pytest.raises(ApiError) as refused:
        anonymous.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "sneaky"},
                                      "spec": {"ports": [{"port": 80}]}})
    assert refused.value.code in (401, 403)
    assert "sneaky" not in cluster.kubectl("get", "services")


def test_the_cluster_carries_on_when_one_api_server_stops(cluster):
    first = cluster.output.split("API server instances: ")[1].split(", ")[0]
    port = first.rsplit(":", 1)[1].encode()
    apiserver, = [pid for pid in _children(cluster.process.pid)
                  if b"\0apiserver\0--port\0" + port + b"\0" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    os.kill(apiserver, signal.SIGTERM)
    cluster.wait_for("apiserver-0 exited", 15)
    cluster.kubectl("scale", "deployment", "nginx-deployment", "--replicas=4")   # the front skips the dead one

    def running():
        pods = json.loads(cluster.kubectl("get", "pods", "-l", "app=nginx", "-o", "json"))["items"]
        return sum(1 for pod in pods if pod["status"].get("phase") == "Running") == 4
    _wait(running, 60, "4 Running nginx pods")


def test_the_kubernetes_service_leads_to_the_front_that_serves_the_api_over_https(cluster):
    """The master Endpoints give where a pod reaches the API (the front, the instances' one HTTPS
    address), and its certificate is valid for the names in-cluster clients use, as kubeadm's."""
    import ssl
    admin = Client(HTTPTransport.from_kubeconfig(cluster.kubeconfig), "kubectl")
    endpoints = admin.get("endpoints", "kubernetes", "default")
    assert endpoints["subsets"] == [{"addresses": [{"ip": "127.0.0.1"}],
                                     "ports": [{"name": "https", "port": cluster.port, "protocol": "TCP"}]}]
    service = admin.get("services", "kubernetes", "default")
    assert service["spec"]["ports"][0]["targetPort"] == cluster.port
    context = ssl.create_default_context(cafile=str(cluster.dir / "apiserver.crt"))
    for name in ("kubernetes.default.svc", "kubernetes", service["spec"]["clusterIP"]):
        import socket
        with socket.create_connection(("127.0.0.1", cluster.port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=name) as tls:   # verifies the name
                assert tls.version()


def test_sigterm_stops_every_child_and_leaves_no_orphan(cluster):
    children = _children(cluster.process.pid)
    assert len(children) >= 1 + 1 + 1 + 1 + 2 + 2 * 2   # kubelab up, store, 1 apiserver left, front, cm+sched, nodes
    cluster.stop()
    assert "kubelab stopped" in cluster.process.stdout.read()
    assert [pid for pid in children if _alive(pid)] == []


def test_children_stop_by_themselves_when_kubelab_up_is_killed_outright(tmp_path):
    up = Up(tmp_path, nodes=1, apiservers=1, ready="API server ready")
    kubelab_up = [pid for pid in _children(up.process.pid) if b"\0up\0" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    children = _children(kubelab_up[0])
    assert children
    os.kill(kubelab_up[0], signal.SIGKILL)   # no chance to clean up: the kernel tells the children
    up.process.wait(30)
    _wait(lambda: not any(_alive(pid) for pid in children), 15, "the children to stop")
