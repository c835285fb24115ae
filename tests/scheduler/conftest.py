"""A small world for scheduler stories: nodes and pods made with the client, no kubelet needed."""
import random

import pytest

from kubelab.scheduler import Scheduler


class World:
    """Creates Nodes and Pods through the API, starts a scheduler, and reads the outcome back."""

    def __init__(self, client, clock):
        self.client, self.clock = client, clock

    def node(self, name, cpu="2", memory="4Gi", pods="110", taints=(), unschedulable=False, labels=None):
        resources = {"cpu": cpu, "memory": memory, "pods": pods}
        return self.client.create("nodes", {
            "apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels or {}},
            "spec": {"taints": list(taints), **({"unschedulable": True} if unschedulable else {})},
            "status": {"capacity": dict(resources), "allocatable": dict(resources),
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                       "message": "kubelet is posting ready status"}]}})

    def pod(self, name, cpu=None, memory=None, tolerations=(), priority_class=None, node_name=None,
            preemption_policy=None):
        requests = {k: v for k, v in {"cpu": cpu, "memory": memory}.items() if v is not None}
        spec = {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                "resources": {"requests": requests} if requests else {}}],
                "tolerations": list(tolerations)}
        if priority_class is not None:
            spec["priorityClassName"] = priority_class  # the Priority admission plugin sets spec.priority
        if node_name:
            spec["nodeName"] = node_name
        if preemption_policy:
            spec["preemptionPolicy"] = preemption_policy
        return self.client.create("pods", {"apiVersion": "v1", "kind": "Pod",
                                           "metadata": {"name": name, "namespace": "default"}, "spec": spec})

    def scheduler(self, seed=0):
        scheduler = Scheduler(self.client.for_component("kube-scheduler"), self.clock, random.Random(seed))
        scheduler.start()
        return scheduler

    def node_of(self, pod_name):
        return self.client.get("pods", pod_name, "default")["spec"].get("nodeName")

    def events(self, pod_name, reason):
        return [e for e in self.client.list("events", "default")["items"]
                if e["involvedObject"]["name"] == pod_name and e["reason"] == reason]

    def condition(self, pod_name, type_="PodScheduled"):
        pod = self.client.get("pods", pod_name, "default")
        return next((c for c in pod["status"].get("conditions") or [] if c["type"] == type_), None)


@pytest.fixture
def world(client, clock):
    return World(client, clock)
