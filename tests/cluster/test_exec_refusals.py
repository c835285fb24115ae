"""`Cluster.exec` refuses as `kubectl exec` does: the API server's checks (a container the pod
does not have, a pod with no node yet), then the kubelet's (no running container: no sandbox
yet, or the container not started) — `container not found ("app")`, never "not valid"."""
import pytest

from kubelab import Cluster
from kubelab.client import ApiError


def pod(name, node_name="", image="nginx:1.27", **spec):
    spec = {"containers": [{"name": "app", "image": image}], **spec}
    if node_name:
        spec["nodeName"] = node_name
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def refusal(cluster, name, container=None) -> str:
    with pytest.raises(ApiError) as refused:
        cluster.exec(name, "ls", container=container)
    assert refused.value.code == 400
    return refused.value.message


@pytest.fixture
def cluster():
    return Cluster(nodes=1, seed=0)


def test_a_bound_pod_whose_kubelet_has_made_no_sandbox_yet_has_no_container_to_exec_in(cluster):
    cluster.client.create("pods", pod("early", node_name="node-1"))   # bound, not yet seen by its kubelet
    assert cluster.kubelets["node-1"].runtime.sandbox_for_pod(cluster.get("pods", "early")["metadata"]["uid"]) is None
    assert refusal(cluster, "early") == 'unable to upgrade connection: container not found ("app")'
    assert cluster.kubectl("exec early -- ls") == "error: " + refusal(cluster, "early")   # the same words
    cluster.run(10)
    assert cluster.exec("early", "hostname") == "early\n"


def test_a_container_that_never_started_is_not_found_either(cluster):
    cluster.apply(pod("stuck", image="registry.example/none:1"))   # its image pull fails: sandbox, no container
    cluster.run(10)
    assert cluster.get("pods", "stuck")["status"]["phase"] == "Pending"
    assert refusal(cluster, "stuck") == 'unable to upgrade connection: container not found ("app")'
    assert cluster.kubectl("exec stuck -- ls") == "error: " + refusal(cluster, "stuck")


def test_the_api_servers_refusals_come_first(cluster):
    cluster.apply(pod("web"))
    cluster.apply(pod("nowhere", nodeSelector={"disk": "none"}))   # never scheduled
    cluster.run(10)
    assert refusal(cluster, "web", container="nope") == "container nope is not valid for pod web"
    assert refusal(cluster, "nowhere") == "pod nowhere does not have a host assigned"
    assert cluster.kubectl("exec nowhere -- ls") == "Error from server (BadRequest): " + refusal(cluster, "nowhere")
    assert refusal(cluster, "nowhere", container="nope") == "container nope is not valid for pod nowhere"
