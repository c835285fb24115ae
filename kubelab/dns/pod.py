"""The CoreDNS container's process: what `registry.k8s.io/coredns/coredns` runs under the process runtime.

    kube-system/coredns Deployment (kubeadm's DNS add-on, 2 replicas)
      └─ pod coredns-…  image registry.k8s.io/coredns/coredns:v1.11.3, args -conf /etc/coredns/Corefile
           └─ python -m kubelab.dns.pod -conf <the ConfigMap's Corefile> --pod-ip 127.244.1.7
                  --serviceaccount <the pod's /var/run/secrets/kubernetes.io/serviceaccount>
                ├─ ClusterDNS: list + watch Services and Endpoints as the pod's service account
                ├─ DNSServer on POD_IP:53, UDP and TCP
                ├─ health  GET POD_IP:8080/health → 200 OK          (the liveness probe)
                └─ ready   GET POD_IP:8181/ready  → 200 once synced (the readiness probe)

The kube-dns Service (ClusterIP 127.96.0.10, the tenth of the service range) selects these
pods, the endpoints controller lists them once ready, and each kube-proxy relays DNS to them —
UDP and TCP — exactly the path a real pod's question takes.

How it reaches the API server: real CoreDNS uses in-cluster config (KUBERNETES_SERVICE_HOST and
the service-account token). kubelab's kubelet sets KUBERNETES_SERVICE_HOST/PORT, but under the
process runtime that ClusterIP's port 443 is bound by the userspace kube-proxy only as root, so the
Corefile's `endpoint` option (which CoreDNS has) names the API server, and the process
authenticates with its pod's own bound service-account token and trusts the ca.crt beside it
(kube-root-ca.crt), re-reading the token as the kubelet rotates it.

Invariant: answers come from the informers only (ClusterDNS), asked on the clock's thread, so
a lookup never reads a cache while a watch event changes it.

On SIGTERM it keeps answering for the Corefile's `health { lameduck 5s }`, as CoreDNS does, so
the questions kube-proxy still sends its way while the endpoint is removed get answers.

Left out: CoreDNS's metrics (:9153), reload, cache, loop detection. A port it cannot bind ends it as CoreDNS ends ("Listen: listen tcp
127.244.1.7:53: bind: permission denied"), and the kubelet restarts it with backoff.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..client import Client
from ..client.http import HTTPTransport
from ..clock import RealClock
from .corefile import CorefileError, parse
from .coredns import ClusterDNS
from .server import DNSServer

VERSION = "CoreDNS-1.11.3"


def _on_clock(clock: RealClock, function, *args, timeout: float = 2.0):
    """Run `function(*args)` on the clock's thread and wait for its answer (SERVFAIL if none)."""
    done, answer = threading.Event(), {}

    def call() -> None:
        try:
            answer["value"] = function(*args)
        finally:
            done.set()
    clock.call_soon_threadsafe(call)
    if not done.wait(timeout) or "value" not in answer:
        return "SERVFAIL", [], []
    return answer["value"]


def _http(ip: str, port: int, path: str, ok) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            healthy = self.path == path and ok()
            body = b"OK" if healthy else b"Not Ready" if self.path == path else b"404 page not found\n"
            self.send_response(200 if healthy else 503 if self.path == path else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass
    server = ThreadingHTTPServer((ip, port), Handler)
    threading.Thread(target=server.serve_forever, args=(0.5,), daemon=True).start()
    return server


def _client(config, serviceaccount: str, kubeconfig: str) -> Client:
    if kubeconfig or config.kubeconfig:
        return Client(HTTPTransport.from_kubeconfig(kubeconfig or config.kubeconfig), VERSION)
    if not config.endpoint:
        raise CorefileError("plugin/kubernetes: unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST "
                            "and KUBERNETES_SERVICE_PORT must be defined (name the API server with `endpoint`)")
    token_path, ca_path = os.path.join(serviceaccount, "token"), os.path.join(serviceaccount, "ca.crt")

    def token() -> str:              # read each time: the kubelet rotates the projected token
        with open(token_path) as file:
            return file.read().strip()
    if config.endpoint.startswith("https://") and not os.path.exists(ca_path):
        raise CorefileError(f"plugin/kubernetes: open {ca_path}: no such file or directory")
    authority = open(ca_path).read() if os.path.exists(ca_path) else ""
    return Client(HTTPTransport(config.endpoint, "", certificate_authority=authority, timeout=10.0), VERSION,
                  token)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="coredns")
    parser.add_argument("-conf", dest="conf", required=True, help="the Corefile")
    parser.add_argument("--pod-ip", required=True)
    parser.add_argument("--serviceaccount", default="/var/run/secrets/kubernetes.io/serviceaccount")
    parser.add_argument("--kubeconfig", default="")
    args = parser.parse_args(argv)
    try:
        with open(args.conf) as file:
            config = parse(file.read())
        client = _client(config, args.serviceaccount, args.kubeconfig)
    except (OSError, CorefileError) as error:
        print(f"[FATAL] {error}", file=sys.stderr, flush=True)
        return 1
    clock = RealClock()
    cluster_dns = ClusterDNS(client, clock, config.zone)
    cluster_dns.pods = config.pods
    server = DNSServer(lambda name, qtype: _on_clock(clock, cluster_dns.lookup, name, qtype), args.pod_ip,
                       config.port, config.zone, config.ttl, **({} if config.forward else {"forward": None}))
    try:
        server.start()
        web = [_http(args.pod_ip, port, path, ok) for port, path, ok in (
            (config.health_port, "/health", lambda: True),
            (config.ready_port, "/ready", lambda: cluster_dns.services.has_synced and cluster_dns.endpoints.has_synced))
            if port]
    except OSError as error:
        print(f"Listen: listen tcp {args.pod_ip}:{config.port}: bind: {os.strerror(error.errno or 0).lower()}",
              file=sys.stderr, flush=True)
        return 1
    print(f".:{config.port}\n{VERSION}\nlinux/amd64, kubelab, {sys.version.split()[0]}", flush=True)
    for name in config.ignored:
        print(f"[WARNING] plugin/{name.split()[0]}: '{name}' is not modelled by kubelab; ignored", flush=True)
    def terminate(*_) -> None:
        # health's lameduck: keep answering while kube-proxy stops sending here, then exit
        print("[INFO] SIGTERM: Shutting down servers then terminating", flush=True)
        if config.lameduck:
            print(f"[INFO] plugin/health: Going into lameduck mode for {config.lameduck:g}s", flush=True)
        clock.call_soon_threadsafe(clock.call_later, config.lameduck, clock.stop)
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)
    clock.call_soon(cluster_dns.start)
    try:
        clock.run_forever()
    finally:
        server.stop()
        for http_server in web:
            http_server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
