"""The docs' StatefulSet (kubernetes.io/docs/tutorials/stateful-application/basic-stateful-set) on
kubelab's storage: each replica's claim gets its own volume, and a replica deleted comes back in
the zone of its data."""
from kubelab import Cluster
from kubelab.objects import volumes

WEB = """
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
  serviceName: "nginx"
  replicas: 3
  minReadySeconds: 10
  template:
    metadata: {labels: {app: nginx}}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        ports: [{containerPort: 80, name: web}]
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources: {requests: {storage: 1Gi}}
"""


def zone(cluster, node_name):
    return cluster.get("nodes", node_name)["metadata"]["labels"][volumes.ZONE_LABEL]


def test_each_replica_gets_its_volume_and_a_replaced_replica_returns_to_its_zone():
    cluster = Cluster(nodes=3, seed=0, cloud=True)
    cluster.apply(WEB)
    cluster.run(120)
    claims = {c["metadata"]["name"]: c for c in cluster.list("persistentvolumeclaims", "default")}
    assert sorted(claims) == ["www-web-0", "www-web-1", "www-web-2"]
    assert all(volumes.phase(c) == "Bound" and c["spec"]["storageClassName"] == "standard" for c in claims.values())
    volume = cluster.get("persistentvolumes", claims["www-web-0"]["spec"]["volumeName"])
    first_zone = zone(cluster, cluster.get("pods", "web-0")["spec"]["nodeName"])
    assert volumes.volume_zone(volume) == [first_zone]
    for attempt in range(3):
        cluster.kubectl("delete pod web-0")
        cluster.run(60)
        replaced = cluster.get("pods", "web-0")
        assert replaced["status"]["phase"] == "Running"
        assert zone(cluster, replaced["spec"]["nodeName"]) == first_zone   # where its data is
    assert cluster.get("persistentvolumeclaims", "www-web-0")["spec"]["volumeName"] == volume["metadata"]["name"]
