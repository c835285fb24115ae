"""A pod's defaults, upstream's SetDefaults_Pod / SetDefaults_PodSpec / SetDefaults_Container (v1.32).

What `kubectl get -o yaml` shows after `apply` includes these, so kubelab sets the same ones.
`pod_spec` is shared by every kind with a pod template (its strategy defaults
`spec.template.spec` with it). Some pod fields come from admission plugins upstream rather
than defaulting: DefaultTolerationSeconds' and ServiceAccount's live in admission/;
Priority's default (priority 0, PreemptLowerPriority) is set here.
"""
from __future__ import annotations

from ....objects import quantity


def _container(container: dict) -> None:
    image = container.get("image", "")
    tag = image.rsplit("/", 1)[-1]
    untagged = ":" not in tag and "@" not in tag
    container.setdefault("imagePullPolicy",
                         "Always" if untagged or tag.endswith(":latest") else "IfNotPresent")
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    resources = container.setdefault("resources", {})
    limits = resources.get("limits") or {}
    if limits:
        # A limit without a request means "request the limit" (SetDefaults_Pod).
        requests = resources.setdefault("requests", {})
        for name, amount in limits.items():
            requests.setdefault(name, amount)
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")


def pod_spec(spec: dict) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for container in spec.get("initContainers") or []:
        _container(container)
    for container in spec.get("containers") or []:
        _container(container)


def pod(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    pod_spec(spec)
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    status = obj.setdefault("status", {})
    status.setdefault("phase", "Pending")
    status["qosClass"] = qos_class(spec)
    if spec.get("schedulingGates") and not any(c.get("type") == "PodScheduled"
                                               for c in status.get("conditions") or []):
        # upstream's applySchedulingGatedCondition: the scheduler won't look at it, so say why here
        status.setdefault("conditions", []).append({
            "type": "PodScheduled", "status": "False", "lastProbeTime": None, "lastTransitionTime": None,
            "reason": "SchedulingGated", "message": "Scheduling is blocked due to non-empty scheduling gates"})


def qos_class(spec: dict) -> str:
    """Guaranteed, Burstable or BestEffort, from the containers' requests and limits."""
    containers = (spec.get("containers") or []) + (spec.get("initContainers") or [])
    any_set, guaranteed = False, True
    for container in containers:
        resources = container.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        if requests or limits:
            any_set = True
        for name in ("cpu", "memory"):
            if name not in limits or (name in requests and
                                      quantity.parse(requests[name]) != quantity.parse(limits[name])):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"
