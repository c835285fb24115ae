"""Stories of the kubelet's log endpoint (kubectl logs) and its node Lease."""
import pytest

from kubelab import Cluster
from kubelab.client import ApiError

WEB = """
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec: {containers: [{name: nginx, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
"""


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster(nodes=1, seed=3)
    cluster.apply(WEB)
    cluster.settle()
    return cluster


def test_logs_show_nginx_starting_then_one_access_line_per_request(cluster):
    cluster.requests("web", 2)
    log = cluster.client.get("pods", "web", subresource="log")
    lines = log.splitlines()
    assert lines[0].startswith("/docker-entrypoint.sh:") and "nginx/1.27" in log
    assert [line.split('"')[1] for line in lines[-2:]] == ["GET / HTTP/1.1", "GET / HTTP/1.1"]
    assert cluster.client.get("pods", "web", subresource="log", tailLines=1).count("\n") == 1
    stamped = cluster.client.get("pods", "web", subresource="log", tailLines=1, timestamps="true")
    assert stamped.startswith("2025-01-01T00:00:") and stamped.split(" ", 1)[0].endswith("Z")


def test_logs_of_a_pod_whose_container_has_not_started_say_so(cluster):
    with pytest.raises(ApiError) as error:
        cluster.client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "later"},
                                       "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
        cluster.client.get("pods", "later", subresource="log")
    assert error.value.code == 400 and "is waiting to start: ContainerCreating" in error.value.message


def test_the_node_lease_is_renewed_every_ten_seconds(cluster):
    before = cluster.client.get("leases", "node-1", "kube-node-lease")
    assert before["spec"]["holderIdentity"] == "node-1" and before["spec"]["leaseDurationSeconds"] == 40
    assert before["metadata"]["ownerReferences"][0]["kind"] == "Node"
    cluster.run(10)
    after = cluster.client.get("leases", "node-1", "kube-node-lease")
    assert after["spec"]["renewTime"] > before["spec"]["renewTime"]
