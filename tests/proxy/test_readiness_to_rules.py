"""The whole path from a readiness probe to the packet: a sick pod leaves the Endpoints, then
every node's rules, and comes back when it is well — the kubelet, the endpoints controller and
kube-proxy each doing their one part, through the API."""
from kubelab import Cluster

MANIFESTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
        readinessProbe:
          httpGet: {path: /, port: 80}
          periodSeconds: 5
          failureThreshold: 2
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
"""


def ready_ips(cluster):
    subsets = cluster.get("endpoints", "web").get("subsets") or []
    return sorted(address["ip"] for subset in subsets for address in subset.get("addresses") or [])


def dnat_targets(cluster, node):
    return sorted(line.rsplit(" ", 1)[1].split(":")[0] for line in cluster.proxies[node].rules_text("default/web").splitlines()
                  if "-j DNAT" in line)


def test_a_pod_failing_its_readiness_probe_leaves_the_endpoints_and_the_rules_and_comes_back():
    cluster = Cluster(nodes=3, seed=5)
    cluster.apply(MANIFESTS)
    cluster.run(30)
    pods = sorted(cluster.list("pods", "default", "app=web"), key=lambda pod: pod["metadata"]["name"])
    everyone = sorted(pod["status"]["podIP"] for pod in pods)
    assert ready_ips(cluster) == everyone
    assert all(dnat_targets(cluster, node) == everyone for node in cluster.proxies)

    sick = pods[0]
    cluster.kubelets[sick["spec"]["nodeName"]].runtime.set_sick("default", sick["metadata"]["name"])
    cluster.run(20)   # two failed probes 5 s apart, the Ready condition, the Endpoints, a resync
    rest = [ip for ip in everyone if ip != sick["status"]["podIP"]]
    assert ready_ips(cluster) == rest
    assert all(dnat_targets(cluster, node) == rest for node in cluster.proxies)
    assert sick["metadata"]["name"] not in cluster.requests("web", count=60)
    not_ready = cluster.get("endpoints", "web")["subsets"][0].get("notReadyAddresses") or []
    assert [address["ip"] for address in not_ready] == [sick["status"]["podIP"]]

    cluster.kubelets[sick["spec"]["nodeName"]].runtime.set_sick("default", sick["metadata"]["name"], sick=False)
    cluster.run(20)
    assert ready_ips(cluster) == everyone
    assert all(dnat_targets(cluster, node) == everyone for node in cluster.proxies)
    assert set(cluster.requests("web", count=90)) == {pod["metadata"]["name"] for pod in pods}
