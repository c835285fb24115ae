"""Helpers for the controller stories: a started controller manager, manifests, a fake kubelet.

There is no scheduler or kubelet in these tests: pods stay unscheduled unless a story binds
them, and a story makes pods ready by writing their status through the API, as a kubelet
would (phase Running, podIP, the Ready condition).
"""
import itertools

import pytest

from kubelab.client import ApiError
from kubelab.controllers import ControllerManager
from kubelab.objects import meta
from kubelab.objects.timefmt import rfc3339


@pytest.fixture
def manager(client, clock):
    """Every registered controller, started on the bare control plane."""
    controller_manager = ControllerManager(client, clock)
    controller_manager.start()
    return controller_manager


def pod_template(app: str, image: str = "nginx:1.27", ports=None) -> dict:
    container = {"name": app, "image": image}
    if ports:
        container["ports"] = ports
    return {"metadata": {"labels": {"app": app}}, "spec": {"containers": [container]}}


def replicaset_manifest(name: str, replicas: int, app: str | None = None) -> dict:
    app = app or name
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}},
                     "template": pod_template(app)}}


def deployment_manifest(name: str, replicas: int, image: str = "nginx:1.27", strategy=None) -> dict:
    spec = {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": pod_template(name, image)}
    if strategy:
        spec["strategy"] = strategy
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": spec}


def make_ready(client, clock, pod: dict, ip: str, ready: bool = True) -> dict:
    """Write the status a kubelet would: Running, an IP, and Ready True (or False)."""
    fresh = client.get("pods", meta.name(pod), meta.namespace(pod))
    now = rfc3339(clock.now())
    fresh["status"].update({
        "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "10.0.0.1",
        "startTime": now,
        "conditions": [
            {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": now},
            {"type": "Ready", "status": "True" if ready else "False", "lastProbeTime": None,
             "lastTransitionTime": now},
            {"type": "ContainersReady", "status": "True" if ready else "False", "lastProbeTime": None,
             "lastTransitionTime": now},
            {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": now},
        ]})
    return client.update_status("pods", fresh)


class FakeKubelet:
    """Every new pod becomes Running and Ready `delay` seconds after it appears."""

    def __init__(self, client, clock, delay: float = 2.0):
        self.client, self.clock, self.delay = client.for_component("kubelet/fake"), clock, delay
        self.addresses = (f"10.244.0.{n}" for n in itertools.count(2))
        self.watch = self.client.watch("pods", self.on_event)

    def on_event(self, event_type: str, pod: dict) -> None:
        if event_type == "ADDED":
            self.clock.call_later(self.delay, self.start, meta.namespace(pod), meta.name(pod))

    def start(self, namespace: str, name: str) -> None:
        try:
            pod = self.client.get("pods", name, namespace)
        except ApiError:
            return  # deleted before it started
        if not meta.is_being_deleted(pod):
            make_ready(self.client, self.clock, pod, next(self.addresses))


def active_pods(client, label_selector: str) -> list[dict]:
    return [pod for pod in client.list("pods", "default", label_selector=label_selector)["items"]
            if not meta.is_being_deleted(pod)]


def events(client, reason: str) -> list[str]:
    """The messages of the Events with this reason, oldest first."""
    return [event["message"] for event in client.list("events", "default")["items"]
            if event["reason"] == reason]
