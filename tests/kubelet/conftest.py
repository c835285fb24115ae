"""A kubelet for node-1 on the bare control plane, and pods to bind to it."""
import random

import pytest

from kubelab.kubelet import Kubelet


def publish_root_ca(client, namespace="default"):
    """What the root-ca-cert-publisher (not running on the bare control plane) makes in a namespace."""
    client.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": "kube-root-ca.crt", "namespace": namespace},
                                 "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\n"}})


@pytest.fixture
def kubelet(client, clock):
    publish_root_ca(client)
    kubelet = Kubelet(client.for_component("kubelet/node-1"), clock, "node-1", pod_cidr="10.244.1.0/24",
                      internal_ip="10.0.0.11", capacity={"cpu": "2", "memory": "4Gi", "pods": "110"},
                      rng=random.Random(1))
    kubelet.start()
    clock.settle()
    return kubelet


@pytest.fixture
def run_pod(client, clock):
    """Create a pod, bind it to node-1 (what the scheduler would do), return it."""
    def run(name="web", image="nginx:1.27", ports=(80,), node="node-1", **spec):
        container = {"name": "nginx", "image": image}
        if ports:
            container["ports"] = [{"containerPort": port} for port in ports]
        pod = client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                                     "spec": {"containers": [container], **spec}})
        client.bind(pod, node)
        return pod
    return run

