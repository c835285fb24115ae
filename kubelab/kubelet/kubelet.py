"""The kubelet: the agent on each node that turns pods bound to it into running containers.

The scheduler only writes `spec.nodeName`. Everything after that happens on the node:

    register the Node ──▶ every 10 s: report node status (the heartbeat)

    watch pods with spec.nodeName=<me> ──▶ WorkQueue ──▶ sync_pod(key):
        get the pod → compare with the runtime → act → write status
          no sandbox             run_pod_sandbox (the pod gets its IP)
          a container missing    Pulling → Pulled → Created → Started
          deletionTimestamp set  Killing → stop containers → delete with grace period 0
          pod gone from the API  remove its sandbox

The kubelet is a controller whose "actual state" is the container runtime: it keeps no
memory of its own about pods beyond what is in flight, so a restarted kubelet finds the
running containers, computes the same status and leaves them alone. One runtime operation
per pod is in flight at a time (upstream's pod workers serialize each pod the same way);
while one is, sync_pod returns early and the operation's callback enqueues the pod again.

The Lease in kube-node-lease is renewed every 10 s (node_lease.py), beside the node status.
What it does with each pod is pod_sync.py (admission, init containers, restarts with
CrashLoopBackOff, image pull back-off, env and volumes, termination with preStop in
lifecycle.py). Left out: nodeStatusReportFrequency (upstream writes unchanged status only
every 5 min), static pods and eviction under node pressure.
"""
from __future__ import annotations

import random

from ..client import ApiError, Client, Controller, EventRecorder, Informer
from ..client.events import NORMAL, WARNING
from ..objects import meta
from ..objects.meta import Key
from ..api import errors
from .container_logs import read as read_logs
from .dns import CLUSTER_DNS
from .node_lease import RENEW_INTERVAL, NodeLease
from .node_status import Machine, initial_node, node_status, reconcile_registration, status_inputs
from .pod_status import Waiting
from .pod_sync import PodSync
from .runtime import ContainerRuntime

NODE_STATUS_UPDATE_FREQUENCY = 10.0  # seconds (nodeStatusUpdateFrequency: how often status is computed)
NODE_STATUS_REPORT_FREQUENCY = 300.0  # seconds (nodeStatusReportFrequency: how often an unchanged one is sent)


def _without_heartbeats(status: dict) -> dict:
    """A NodeStatus minus what moves on every report (upstream's nodeStatusHasChanged ignores it)."""
    return {**status, "conditions": [{k: v for k, v in condition.items() if k != "lastHeartbeatTime"}
                                     for condition in status.get("conditions") or []]}
DEFAULT_CAPACITY = {"cpu": "2", "memory": "4Gi", "pods": "110"}


def go_duration(seconds: float) -> str:
    """A duration as Go prints a time.Duration truncated to milliseconds ("2.134s", "850ms")."""
    millis = int(seconds * 1000 + 1e-6)
    if millis < 1000:
        return f"{millis}ms" if millis else "0s"
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    text = f"{rest // 1000}.{rest % 1000:03d}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{hours}h{minutes}m{text}"
    return f"{minutes}m{text}" if minutes else text


class Kubelet(PodSync, Controller):
    """One node's kubelet: registers the Node, reports its status, runs the pods bound to it."""
    name = "kubelet"
    cluster_dns = CLUSTER_DNS   # --cluster-dns: the kube-dns ClusterIP every ClusterFirst pod asks

    def __init__(self, client: Client, clock, node_name: str, pod_cidr: str | None = "10.244.1.0/24",
                 internal_ip: str = "10.0.0.11", capacity: dict[str, str] | None = None,
                 rng: random.Random | None = None, runtime: ContainerRuntime | None = None,
                 labels: dict[str, str] | None = None):
        """`runtime`: hand over the old kubelet's runtime to model a kubelet restart."""
        super().__init__(client, clock, factory=None)
        rng = rng or random.Random(0)
        self.node_name = node_name
        self.machine = Machine.describe(node_name, internal_ip, pod_cidr, capacity or DEFAULT_CAPACITY,
                                        rng, labels)
        self.runtime = runtime or ContainerRuntime(clock, node_name, pod_cidr,
                                                   random.Random(rng.getrandbits(64)))
        self.recorder = EventRecorder(client, clock, "kubelet", host=node_name)
        self.pods = Informer(client, "pods", clock, field_selector=f"spec.nodeName={node_name}")
        self.pods.add_handlers(on_add=self.enqueue, on_update=lambda old, new: self.enqueue(new),
                               on_delete=self.enqueue)
        # Services for the containers' environment (service_env.py), as upstream's serviceLister.
        self.services = Informer(client, "services", clock)
        # Its own Node (upstream's nodeLister: fieldSelector metadata.name=<node>): each status
        # update reads it here first, not with a GET (tryUpdateNodeStatus' first try).
        self.node_lister = Informer(client, "nodes", clock, field_selector=f"metadata.name={node_name}")
        self.in_flight: dict[Key, str] = {}           # pods with a runtime operation under way
        self.waiting: dict[Key, dict[str, Waiting]] = {}  # why a pod's container can't start
        self.node_lease = NodeLease(client, clock, node_name)
        self._init_pod_sync()
        self.registered = False
        self.running = False
        self._heartbeat = None
        self._last_status_report = float("-inf")  # when NodeStatus was last sent (report frequency)
        self._unchanged_inputs = None   # node_status.status_inputs of the last tick with nothing to send
        self._lease_timer = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Register the node, start the heartbeat, watch this node's pods."""
        self.running = True
        self.recorder.event(self._node_reference(), NORMAL, "Starting", "Starting kubelet.")
        self.runtime.subscribe(self._on_container_event)
        try:
            self.register_node()
        except ApiError:
            pass  # the heartbeat tries again
        self.node_lister.start()
        self.services.start()
        self.pods.start()
        for sandbox in self.runtime.list_pod_sandboxes():  # including pods deleted while we were down
            self.enqueue(f"{sandbox.namespace}/{sandbox.name}")
        self._heartbeat = self.clock.call_later(NODE_STATUS_UPDATE_FREQUENCY, self._node_status_tick,
                                                daemon=True)
        self._lease_tick()

    def stop(self) -> None:
        """Stop the kubelet process; the runtime and its containers keep running."""
        self.running = False
        self.pods.stop()
        self.services.stop()
        self.node_lister.stop()
        self.runtime.unsubscribe(self._on_container_event)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        if self._lease_timer is not None:
            self._lease_timer.cancel()

    def _on_container_event(self, sandbox, container) -> None:
        self.enqueue(f"{sandbox.namespace}/{sandbox.name}")

    # -- the node ----------------------------------------------------------------------------
    def _node_reference(self) -> dict:
        # The kubelet's events about its node use the node's name as uid, as upstream's nodeRef.
        return {"kind": "Node", "metadata": {"name": self.node_name, "uid": self.node_name}}

    def register_node(self) -> None:
        """Create this node's Node, or take over the one already registered under its name."""
        node = initial_node(self.machine)
        node["status"], changed = node_status(self.machine, {}, self.runtime.list_images(),
                                              self.clock.now())
        try:
            self.client.create("nodes", node)
            self.registered = True
            self._last_status_report = self.clock.now()
            self._record_node_events(changed)
        except ApiError as error:
            if error.reason != "AlreadyExists":
                raise
            existing = self.client.get("nodes", self.node_name)
            self._learn_pod_cidr(self.client.update("nodes", reconcile_registration(existing, self.machine)))
            self.registered = True
            self.update_node_status()

    def update_node_status(self) -> None:
        """Report the node's status (lastHeartbeatTime moves; transitions keep their time) — only if
        something in it changed or nodeStatusReportFrequency (5 min) has passed since the last
        report, as upstream's kubelet does since node Leases carry the heartbeat (tryUpdateNodeStatus):
        the Node from the lister first, and from a GET if that one was stale (409)."""
        try:
            self._try_update_node_status(self.node_lister.get(self.node_name))
        except ApiError as error:
            if error.code != 409:
                raise
            self._try_update_node_status(self.client.get("nodes", self.node_name))

    def _try_update_node_status(self, node: dict | None) -> None:
        if node is None:   # not in the lister (yet): ask the API server
            node = self.client.get("nodes", self.node_name)
        self._learn_pod_cidr(node)
        old = node.get("status") or {}
        now = self.clock.now()
        images = self.runtime.list_images()
        inputs = status_inputs(self.machine, node, images)
        due = now >= self._last_status_report + NODE_STATUS_REPORT_FREQUENCY
        if not due and inputs is not None and inputs == self._unchanged_inputs:
            return   # what the last tick found had nothing new: the same inputs, the same answer
        status, changed = node_status(self.machine, old, images, now)
        if not changed and not due and _without_heartbeats(old) == _without_heartbeats(status):
            self._unchanged_inputs = inputs
            return
        self._unchanged_inputs = None
        node = {**node, "status": status}   # a new top level: the lister's object is shared
        self.client.update_status("nodes", node)
        self._last_status_report = now
        self._record_node_events(changed)

    def _learn_pod_cidr(self, node: dict) -> None:
        """Take the podCIDR the node IPAM controller wrote, if we had none (upstream's updatePodCIDR)."""
        cidr = (node.get("spec") or {}).get("podCIDR")
        if cidr and self.runtime.network is None:
            self.machine.pod_cidr = cidr
            self.runtime.update_pod_cidr(cidr)

    def _record_node_events(self, reasons: list[str]) -> None:
        for reason in reasons:
            self.recorder.event(self._node_reference(), NORMAL, reason,
                                f"Node {self.node_name} status is now: {reason}")

    def _node_status_tick(self) -> None:
        if not self.running:
            return
        try:
            if self.registered:
                self.update_node_status()
            else:
                self.register_node()
        except ApiError:
            pass  # a missed heartbeat; the next tick tries again
        self._heartbeat = self.clock.call_later(NODE_STATUS_UPDATE_FREQUENCY, self._node_status_tick,
                                                daemon=True)

    def container_logs(self, namespace: str, pod_name: str, container_name: str, options: dict) -> str:
        """GET /containerLogs/<namespace>/<pod>/<container> (the :10250 endpoint the API server
        proxies `kubectl logs` to): the container's output from the runtime."""
        sandboxes = sorted(self.runtime.list_pod_sandboxes(namespace, pod_name), key=lambda s: s.created_at)
        container = sandboxes[-1].containers.get(container_name) if sandboxes else None
        if str(options.get("previous")).lower() == "true":
            previous = sandboxes[-1].previous.get(container_name) if sandboxes else None
            if previous is None:
                raise errors.bad_request(f'previous terminated container "{container_name}" in pod "{pod_name}" '
                                         f"not found")
            return read_logs(previous, self.clock.now(), options, self.runtime.log_lines(previous))
        if container is None or container.started_at is None:
            raise errors.bad_request(f'container "{container_name}" in pod "{pod_name}" is waiting to start: '
                                     f"ContainerCreating")
        return read_logs(container, self.clock.now(), options, self.runtime.log_lines(container))

    def exec_in_container(self, namespace: str, pod_name: str, container_name: str, argv: list[str],
                          on_done, timeout: float | None = None, stdin: str | None = None) -> None:
        """GET /exec/<namespace>/<pod>/<container>?command=…: CRI ExecSync in the pod's running
        container; `on_done(ExecResult)`, or an ApiError raised at once when it isn't running."""
        sandboxes = sorted(self.runtime.list_pod_sandboxes(namespace, pod_name), key=lambda s: s.created_at)
        container = sandboxes[-1].containers.get(container_name) if sandboxes else None
        if container is None or container.state != "running":
            raise errors.bad_request(f'unable to upgrade connection: container not found ("{container_name}")')
        self.runtime.exec_sync(container.id, argv, timeout, on_done, stdin)

    def _lease_tick(self) -> None:
        if not self.running:
            return
        try:
            self.node_lease.renew()
        except ApiError:
            pass  # a missed renewal; the next tick tries again
        self._lease_timer = self.clock.call_later(RENEW_INTERVAL, self._lease_tick, daemon=True)

    # -- pods --------------------------------------------------------------------------------
    def sync(self, key: Key) -> None:
        """The Controller worker's entry point: for the kubelet, a key is a pod (pod_sync.py)."""
        self.sync_pod(key)
