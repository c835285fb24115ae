"""`kubectl describe service` and `kubectl describe endpoints`.

A Service's description joins what was asked for (selector, type, cluster IP, each port with
its target port and node port) with what the endpoints controller found: for each port, the
`ip:port` addresses of the ready pods behind it (the first three, then `+ N more...`).

Real kubectl v1.32 reads those addresses from EndpointSlices; kubelab has only the older
Endpoints object, which holds the same addresses, so it reads them there (a Service with no
Endpoints object at all shows `<none>`, one whose Endpoints lists nobody ready shows nothing,
as an empty EndpointSlice would).
"""
from __future__ import annotations

from kubelab.client import ApiError

from .describe_writer import Writer, annotations_multiline, events_section, labels_multiline
from .printers import format_endpoints, format_labels


def describe_service(client, service: dict, events: list[dict] | None, now: float) -> str:
    metadata, spec = service.get("metadata", {}), service.get("spec") or {}
    try:
        endpoints = client.get("endpoints", metadata.get("name", ""), metadata.get("namespace"))
    except ApiError:
        endpoints = None
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    w.line(0, f"Namespace:\t{metadata.get('namespace', '')}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    w.line(0, f"Selector:\t{format_labels(spec.get('selector'))}")
    w.line(0, f"Type:\t{spec.get('type', '')}")
    if spec.get("ipFamilyPolicy"):
        w.line(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}")
    w.line(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}")
    w.line(0, f"IP:\t{spec.get('clusterIP', '')}")
    w.line(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}")
    if spec.get("externalIPs"):
        w.line(0, f"External IPs:\t{','.join(spec['externalIPs'])}")
    if spec.get("loadBalancerIP"):
        w.line(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}")
    if spec.get("externalName"):
        w.line(0, f"External Name:\t{spec['externalName']}")
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        w.line(0, "LoadBalancer Ingress:\t" + ", ".join(
            (i["ip"] + (f" ({i['ipMode']})" if i.get("ipMode") else "")) if i.get("ip") else i.get("hostname", "")
            for i in ingress))
    for port in spec.get("ports") or []:
        name = port.get("name") or "<unset>"
        protocol = port.get("protocol", "")
        w.line(0, f"Port:\t{name}\t{port.get('port')}/{protocol}")
        w.line(0, f"TargetPort:\t{port.get('targetPort', port.get('port'))}/{protocol}")
        if port.get("nodePort"):
            w.line(0, f"NodePort:\t{name}\t{port['nodePort']}/{protocol}")
        addresses = "<none>" if endpoints is None else \
            format_endpoints(endpoints, {port.get("name", "")}, empty="")
        w.line(0, f"Endpoints:\t{addresses}")
    w.line(0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}")
    if spec.get("externalTrafficPolicy"):
        w.line(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}")
    if spec.get("internalTrafficPolicy"):
        w.line(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}")
    if spec.get("healthCheckNodePort"):
        w.line(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}")
    if spec.get("loadBalancerSourceRanges"):
        w.line(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}")
    if events is not None:
        events_section(w, events, now)
    return str(w)


def describe_endpoints(client, endpoints: dict, events: list[dict] | None, now: float) -> str:
    metadata = endpoints.get("metadata", {})
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    w.line(0, f"Namespace:\t{metadata.get('namespace', '')}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    w.line(0, "Subsets:")
    for subset in endpoints.get("subsets") or []:
        ready = ",".join(a.get("ip", "") for a in subset.get("addresses") or [])
        not_ready = ",".join(a.get("ip", "") for a in subset.get("notReadyAddresses") or [])
        w.line(1, f"Addresses:\t{ready or '<none>'}")
        w.line(1, f"NotReadyAddresses:\t{not_ready or '<none>'}")
        if subset.get("ports"):
            w.line(1, "Ports:")
            w.line(2, "Name\tPort\tProtocol")
            w.line(2, "----\t----\t--------")
            for port in subset["ports"]:
                w.line(2, f"{port.get('name') or '<unset>'}\t{port.get('port')}\t{port.get('protocol', '')}")
        w.write(0, "\n")
    if events is not None:
        events_section(w, events, now)
    return str(w)
