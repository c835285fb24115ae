"""A StatefulSet's pods get stable DNS names through their headless Service (the docs' example):
web-0.nginx.default.svc.cluster.local, the StatefulSet controller setting hostname and
subdomain, the endpoints controller publishing the hostname, the cluster DNS answering."""
from kubelab import Cluster

MANIFESTS = """
apiVersion: v1
kind: Service
metadata: {name: nginx, labels: {app: nginx}}
spec:
  ports: [{port: 80, name: web}]
  clusterIP: None
  selector: {app: nginx}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  selector: {matchLabels: {app: nginx}}
  serviceName: nginx
  replicas: 2
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{name: nginx, image: nginx:1.27, ports: [{containerPort: 80, name: web}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec: {containers: [{name: shell, image: busybox:1.36, command: [sleep, "3600"]}]}
"""


def test_statefulset_pods_resolve_by_their_stable_names_and_keep_them_when_replaced():
    cluster = Cluster(nodes=2, seed=0)
    cluster.apply(MANIFESTS)
    cluster.run(60)
    for name in ("web-0", "web-1"):
        ip = cluster.get("pods", name)["status"]["podIP"]
        assert cluster.exec("client", f"nslookup {name}.nginx").splitlines()[-2:] == [
            f"Name:\t{name}.nginx.default.svc.cluster.local", f"Address: {ip}"]
    cluster.client.delete("pods", "web-0", "default")
    cluster.run(60)
    replaced = cluster.get("pods", "web-0")["status"]["podIP"]
    assert cluster.exec("client", "nslookup web-0.nginx.default.svc.cluster.local").splitlines()[-1] == \
        f"Address: {replaced}"
