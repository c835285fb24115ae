"""pods/<name>/exec and attach: the API server's part — which container, on which node.

As upstream's streamLocation: a one-container pod needs no container name; a pod with more
must be told which ("a container name must be specified for pod two, choose one of: [...]"),
an unknown name is refused, and a completed pod cannot be exec'd into. In a notebook no
kubelet listens for the upgrade, so a valid request ends at dialing the node.
"""
import pytest

from kubelab import Cluster
from kubelab.client import ApiError


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster(nodes=1, seed=0)
    box = {"name": "box", "image": "busybox:1.37", "command": ["sleep", "3600"]}
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "one"}, "spec": {"containers": [box]}})
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "two"},
                   "spec": {"initContainers": [{**box, "name": "setup", "command": ["true"]}],
                            "containers": [box, {**box, "name": "side"}]}})
    cluster.run(15)
    return cluster


def refusal(cluster, pod, **params) -> str:
    with pytest.raises(ApiError) as refused:
        cluster.client.get("pods", pod, "default", subresource="exec", command="ls", stdout="true", **params)
    return f"{refused.value.code} {refused.value.message}"


def test_a_pod_with_several_containers_must_be_told_which(cluster):
    assert refusal(cluster, "two") == ("400 a container name must be specified for pod two, choose one of: "
                                       "[box side] or one of the init containers: [setup]")


def test_an_unknown_container_is_not_valid_for_the_pod(cluster):
    assert refusal(cluster, "two", container="nope") == "400 container nope is not valid for pod two"


def test_a_valid_exec_goes_to_the_pods_node(cluster):
    assert refusal(cluster, "one").startswith("500 error dialing backend: dial tcp ")
    assert refusal(cluster, "two", container="side").startswith("500 error dialing backend: dial tcp ")
