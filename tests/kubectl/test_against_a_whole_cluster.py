"""kubectl against a whole in-process cluster: apply a Deployment and a Service, then look.

The exact names and IPs belong to the other components (and their seeds), so this story
checks the shape of what kubectl shows rather than every character (and Cluster.kubectl may
trim the final newline for notebooks).
"""
import re

from kubelab import Cluster

WEB = """\
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
      - {name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


def test_applying_a_deployment_and_looking_at_what_the_cluster_made_of_it():
    cluster = Cluster(nodes=3, seed=0)
    assert cluster.kubectl("apply -f -", stdin=WEB).rstrip("\n") == "deployment.apps/web created\nservice/web created"
    cluster.settle()

    pods = cluster.kubectl("get pods -o wide").splitlines()
    assert pods[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED",
                               "NODE", "READINESS", "GATES"]
    rows = [re.match(r"(web-\S+)\s+1/1\s+Running\s+0\s+\S+\s+(10\.244\.\d+\.\d+)\s+(node-\d)\s+<none>\s+<none>$",
                     line) for line in pods[1:]]
    assert len(rows) == 3 and all(rows)
    assert len({row.group(3) for row in rows}) == 3            # spread over the three nodes

    assert cluster.kubectl("get deploy web").splitlines()[1].split()[:4] == ["web", "3/3", "3", "3"]
    service = cluster.kubectl("describe svc web")
    endpoints = re.search(r"^Endpoints:\s+(\S+)$", service, re.MULTILINE).group(1)
    assert sorted(endpoints.split(",")) == sorted(f"{row.group(2)}:80" for row in rows)

    assert cluster.kubectl("apply -f -", stdin=WEB).rstrip("\n") == \
        "deployment.apps/web unchanged\nservice/web unchanged"
    assert cluster.kubectl("scale deploy web --replicas=1").rstrip("\n") == "deployment.apps/web scaled"
    cluster.settle()
    assert len(cluster.kubectl("get pods").splitlines()) == 2
    assert "ScalingReplicaSet" in cluster.kubectl("describe deploy web")
