"""`kubectl describe pod`, and the pod template that deployments and replica sets describe.

Top to bottom as kubectl v1.32 prints it: who and where (Name, Namespace, Priority, Service
Account, Node as `node/hostIP`, Start Time), labels and annotations, Status (or `Terminating
(lasts ...)`), IPs, Controlled By, then each container (image, ports, State / Last State,
Ready, Restart Count, resources, probes, environment, mounts), Conditions, Volumes, QoS Class,
Node-Selectors, Tolerations and the events.

Left out: ephemeral containers, sidecar details, seccomp and topology spread constraints,
and the rarer volume types (they print as `<unknown>`).
"""
from __future__ import annotations

from fractions import Fraction

from kubelab.objects import quantity

from . import quantities
from .describe_volumes import volumes
from .describe_writer import (Writer, annotations_multiline, events_section, labels_multiline,
                              tolerations_multiline)
from .timestamps import rfc1123z, since


def describe_pod(client, pod: dict, events: list[dict] | None, now: float) -> str:
    """The description of one pod; `events` None leaves the Events section out."""
    metadata, spec, status = pod.get("metadata", {}), pod.get("spec") or {}, pod.get("status") or {}
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    w.line(0, f"Namespace:\t{metadata.get('namespace', '')}")
    if spec.get("priority") is not None:
        w.line(0, f"Priority:\t{spec['priority']}")
    if spec.get("priorityClassName"):
        w.line(0, f"Priority Class Name:\t{spec['priorityClassName']}")
    if spec.get("runtimeClassName"):
        w.line(0, f"Runtime Class Name:\t{spec['runtimeClassName']}")
    if spec.get("serviceAccountName"):
        w.line(0, f"Service Account:\t{spec['serviceAccountName']}")
    node = f"{spec['nodeName']}/{status.get('hostIP', '')}" if spec.get("nodeName") else "<none>"
    w.line(0, f"Node:\t{node}")
    if status.get("startTime"):
        w.line(0, f"Start Time:\t{rfc1123z(status['startTime'])}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    if metadata.get("deletionTimestamp") and status.get("phase") not in ("Failed", "Succeeded"):
        w.line(0, f"Status:\tTerminating (lasts {since(metadata['deletionTimestamp'], now)})")
        w.line(0, f"Termination Grace Period:\t{metadata.get('deletionGracePeriodSeconds', 0)}s")
    else:
        w.line(0, f"Status:\t{status.get('phase', '')}")
    if status.get("reason"):
        w.line(0, f"Reason:\t{status['reason']}")
    if status.get("message"):
        w.line(0, f"Message:\t{status['message']}")
    w.line(0, f"IP:\t{status.get('podIP', '')}")
    pod_ips = status.get("podIPs") or []
    if pod_ips:
        w.line(0, "IPs:")
        for entry in pod_ips:
            w.line(1, f"IP:\t{entry.get('ip', '')}")
    else:
        w.line(0, "IPs:\t<none>")
    owner = next((ref for ref in metadata.get("ownerReferences") or [] if ref.get("controller")), None)
    if owner:
        w.line(0, f"Controlled By:\t{owner.get('kind')}/{owner.get('name')}")
    if status.get("nominatedNodeName"):
        w.line(0, f"NominatedNodeName:\t{status['nominatedNodeName']}")
    if spec.get("initContainers"):
        containers(w, "Init Containers", spec["initContainers"], status.get("initContainerStatuses"), pod)
    containers(w, "Containers", spec.get("containers") or [], status.get("containerStatuses"), pod)
    if spec.get("readinessGates"):
        w.line(0, "Readiness Gates:\n  Type\tStatus")
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        for gate in spec["readinessGates"]:
            w.line(1, f"{gate.get('conditionType')} \t{conditions.get(gate.get('conditionType'), '<none>')} ")
    if status.get("conditions"):
        w.line(0, "Conditions:\n  Type\tStatus")
        for condition in status["conditions"]:
            w.line(1, f"{condition.get('type')} \t{condition.get('status')} ")
    volumes(w, spec.get("volumes"))
    w.line(0, f"QoS Class:\t{status.get('qosClass') or qos_class(spec)}")
    labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "Tolerations", spec.get("tolerations"))
    if events is not None:
        events_section(w, events, now)
    return str(w)


def pod_template(w: Writer, template: dict | None) -> None:
    """The `Pod Template:` section of deployments and replica sets."""
    w.line(0, "Pod Template:")
    if template is None:
        w.write(1, "<unset>")
        return
    metadata, spec = template.get("metadata") or {}, template.get("spec") or {}
    labels_multiline(w, "  Labels", metadata.get("labels"))
    if metadata.get("annotations"):
        annotations_multiline(w, "  Annotations", metadata["annotations"])
    if spec.get("serviceAccountName"):
        w.line(1, f"Service Account:\t{spec['serviceAccountName']}")
    if spec.get("initContainers"):
        containers(w, "Init Containers", spec["initContainers"], None, None, "  ")
    containers(w, "Containers", spec.get("containers") or [], None, None, "  ")
    volumes(w, spec.get("volumes"), "  ")
    if spec.get("priorityClassName"):
        w.line(1, f"Priority Class Name:\t{spec['priorityClassName']}")
    labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "  Tolerations", spec.get("tolerations"))


def containers(w: Writer, label: str, specs: list[dict], statuses: list[dict] | None, pod: dict | None,
               space: str = "") -> None:
    w.line(0, f"{space}{label}:" + ("" if specs else " <none>"))
    by_name = {s.get("name"): s for s in statuses or []}
    for container in specs:
        status = by_name.get(container.get("name"))
        w.line(1, f"{' ' if space else ''}{container.get('name', '')}:")
        if status is not None:
            w.line(2, f"Container ID:\t{status.get('containerID', '')}")
        w.line(2, f"Image:\t{container.get('image', '')}")
        if status is not None:
            w.line(2, f"Image ID:\t{status.get('imageID', '')}")
        ports = container.get("ports") or []
        container_ports = ", ".join(f"{p.get('containerPort', 0)}/{p.get('protocol', '')}" for p in ports)
        host_ports = ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', '')}" for p in ports)
        w.line(2, f"Ports:\t{container_ports}" if "," in container_ports else f"Port:\t{container_ports or '<none>'}")
        w.line(2, f"Host Ports:\t{host_ports}" if "," in host_ports else f"Host Port:\t{host_ports or '<none>'}")
        for title, words in (("Command", container.get("command")), ("Args", container.get("args"))):
            if words:
                w.line(2, f"{title}:")
                for word in words:
                    for part in str(word).split("\n"):
                        w.line(3, part)
        if status is not None:
            _state(w, "State", status.get("state") or {})
            if (status.get("lastState") or {}).get("terminated"):
                _state(w, "Last State", status["lastState"])
            w.line(2, f"Ready:\t{'True' if status.get('ready') else 'False'}")
            w.line(2, f"Restart Count:\t{status.get('restartCount', 0)}")
        _resources(w, container.get("resources") or {})
        for title, field in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"),
                             ("Startup", "startupProbe")):
            if container.get(field):
                w.line(2, f"{title}:\t{describe_probe(container[field])}")
        _environment(w, container, pod)
        mounts = sorted(container.get("volumeMounts") or [], key=lambda m: m.get("mountPath", ""))
        w.line(2, "Mounts:" + ("" if mounts else "\t<none>"))
        for mount in mounts:
            options = ["ro" if mount.get("readOnly") else "rw"]
            if mount.get("subPath"):
                options.append(f'path="{mount["subPath"]}"')
            w.line(3, f"{mount.get('mountPath')} from {mount.get('name')} ({','.join(options)})")


def _state(w: Writer, title: str, state: dict) -> None:
    if state.get("running") is not None:
        w.line(2, f"{title}:\tRunning")
        w.line(3, f"Started:\t{rfc1123z(state['running'].get('startedAt'))}")
    elif state.get("terminated") is not None:
        terminated = state["terminated"]
        w.line(2, f"{title}:\tTerminated")
        if terminated.get("reason"):
            w.line(3, f"Reason:\t{terminated['reason']}")
        if terminated.get("message"):
            w.line(3, f"Message:\t{terminated['message']}")
        w.line(3, f"Exit Code:\t{terminated.get('exitCode', 0)}")
        if terminated.get("signal"):
            w.line(3, f"Signal:\t{terminated['signal']}")
        w.line(3, f"Started:\t{rfc1123z(terminated.get('startedAt'))}")
        w.line(3, f"Finished:\t{rfc1123z(terminated.get('finishedAt'))}")
    else:
        w.line(2, f"{title}:\tWaiting")
        if (state.get("waiting") or {}).get("reason"):
            w.line(3, f"Reason:\t{state['waiting']['reason']}")


def _resources(w: Writer, resources: dict) -> None:
    for title in ("limits", "requests"):
        amounts = resources.get(title) or {}
        if amounts:
            w.line(2, f"{title.capitalize()}:")
        for name in sorted(amounts):
            w.line(3, f"{name}:\t{quantities.canonical(amounts[name])}")


def describe_probe(probe: dict) -> str:
    """`http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3`."""
    attributes = (f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 0)}s "
                  f"period={probe.get('periodSeconds', 0)}s #success={probe.get('successThreshold', 0)} "
                  f"#failure={probe.get('failureThreshold', 0)}")
    if probe.get("exec"):
        return f"exec [{' '.join(probe['exec'].get('command') or [])}] {attributes}"
    if probe.get("httpGet"):
        get = probe["httpGet"]
        host = f"{get.get('host', '')}:{get['port']}" if str(get.get("port", "")) else get.get("host", "")
        return f"http-get {get.get('scheme', '').lower()}://{host}{get.get('path', '')} {attributes}"
    if probe.get("tcpSocket"):
        socket = probe["tcpSocket"]
        return f"tcp-socket {socket.get('host', '')}:{socket.get('port', '')} {attributes}"
    if probe.get("grpc"):
        return f"grpc <pod>:{probe['grpc'].get('port')} {probe['grpc'].get('service', '')} {attributes}"
    return f"unknown {attributes}"


def _environment(w: Writer, container: dict, pod: dict | None) -> None:
    if container.get("envFrom"):
        w.line(2, "Environment Variables from:")
        for source in container["envFrom"]:
            kind, ref = ("ConfigMap", source["configMapRef"]) if source.get("configMapRef") \
                else ("Secret", source.get("secretRef") or {})
            prefix = f" with prefix '{source['prefix']}'" if source.get("prefix") else ""
            w.line(3, f"{ref.get('name', '')}\t{kind}{prefix}\tOptional: {str(bool(ref.get('optional'))).lower()}")
    env = container.get("env") or []
    w.line(2, "Environment:" + ("" if env else "\t<none>"))
    for variable in env:
        name, source = variable.get("name", ""), variable.get("valueFrom")
        if not source:
            for index, part in enumerate(str(variable.get("value", "")).split("\n")):
                w.line(3, f"{name}:\t{part}" if index == 0 else f"\t{part}")
        elif source.get("fieldRef"):
            field = source["fieldRef"]
            value = _field_value(pod, field.get("fieldPath", "")) if pod else ""
            w.line(3, f"{name}:\t{value} ({field.get('apiVersion', '')}:{field.get('fieldPath', '')})")
        elif source.get("resourceFieldRef"):
            w.line(3, f"{name}:\t ({source['resourceFieldRef'].get('resource', '')})")
        elif source.get("secretKeyRef") or source.get("configMapKeyRef"):
            secret = source.get("secretKeyRef")
            ref = secret or source["configMapKeyRef"]
            where = f"in secret '{ref.get('name', '')}'" if secret else f"of config map '{ref.get('name', '')}'"
            w.line(3, f"{name}:\t<set to the key '{ref.get('key', '')}' {where}>\t"
                      f"Optional: {str(bool(ref.get('optional'))).lower()}")


def _field_value(pod: dict, path: str) -> str:
    """The downward API's view of a pod field (metadata.name, status.podIP, labels['app'])."""
    if path.startswith("metadata.labels[") or path.startswith("metadata.annotations["):
        which, key = path.split("[", 1)
        return (pod.get("metadata", {}).get(which.split(".")[1]) or {}).get(key.strip("]'\""), "")
    node = pod
    for step in path.split("."):
        node = node.get(step, "") if isinstance(node, dict) else ""
    return str(node)


def qos_class(spec: dict) -> str:
    """Guaranteed, Burstable or BestEffort, when the pod's status does not say (GetPodQOS)."""
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        resources = container.get("resources") or {}
        for name, amount in (resources.get("requests") or {}).items():
            if name in ("cpu", "memory") and quantity.parse(amount) > 0:
                requests[name] = requests.get(name, Fraction(0)) + quantity.parse(amount)
        found = set()
        for name, amount in (resources.get("limits") or {}).items():
            if name in ("cpu", "memory") and quantity.parse(amount) > 0:
                found.add(name)
                limits[name] = limits.get(name, Fraction(0)) + quantity.parse(amount)
        if found != {"cpu", "memory"}:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(limits.get(name) == amount for name, amount in requests.items()) \
            and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"
