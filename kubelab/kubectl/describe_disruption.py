"""`kubectl describe` for PodDisruptionBudgets and EndpointSlices, as kubectl 1.32's describers
(describePodDisruptionBudget, describeEndpointSliceV1) write them.

    Name:           web                 Name:         web-x7k2p
    Namespace:      default             ...
    Min available:  2                   AddressType:  IPv4
    Selector:       app=web             Ports:
    Status:                               Name     Port  Protocol
        Allowed disruptions:  1           ----     ----  --------
        Current:              3           <unset>  80    TCP
        Desired:              2         Endpoints:
        Total:                3           - Addresses:  10.244.1.2
    Events:  <none>                           Conditions:
                                                Ready:    true
                                              Hostname:   <unset>
                                              TargetRef:  Pod/web-...
                                              NodeName:   node-1
                                              Zone:       <unset>
"""
from __future__ import annotations

from kubelab.objects import selector

from .describe_writer import Writer, annotations_multiline, events_section, labels_multiline


def describe_poddisruptionbudget(client, budget: dict, events: list[dict] | None, now: float) -> str:
    metadata, spec, status = budget.get("metadata", {}), budget.get("spec") or {}, budget.get("status") or {}
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    w.line(0, f"Namespace:\t{metadata.get('namespace', '')}")
    if spec.get("minAvailable") is not None:
        w.line(0, f"Min available:\t{spec['minAvailable']}")
    elif spec.get("maxUnavailable") is not None:
        w.line(0, f"Max unavailable:\t{spec['maxUnavailable']}")
    w.line(0, f"Selector:\t{selector.to_string(selector.from_label_selector(spec.get('selector')))}")
    w.line(0, "Status:")
    w.line(2, f"Allowed disruptions:\t{status.get('disruptionsAllowed', 0)}")
    w.line(2, f"Current:\t{status.get('currentHealthy', 0)}")
    w.line(2, f"Desired:\t{status.get('desiredHealthy', 0)}")
    w.line(2, f"Total:\t{status.get('expectedPods', 0)}")
    if events is not None:
        events_section(w, events, now)
    return str(w)


def describe_endpointslice(client, endpoint_slice: dict, events: list[dict] | None, now: float) -> str:
    metadata = endpoint_slice.get("metadata", {})
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    w.line(0, f"Namespace:\t{metadata.get('namespace', '')}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    w.line(0, f"AddressType:\t{endpoint_slice.get('addressType', '')}")
    ports = endpoint_slice.get("ports") or []
    if not ports:
        w.line(0, "Ports: <unset>")
    else:
        w.line(0, "Ports:")
        w.line(1, "Name\tPort\tProtocol")
        w.line(1, "----\t----\t--------")
        for port in ports:
            number = port.get("port")
            w.line(2, f"{port.get('name') or '<unset>'}\t{'<unset>' if number is None else number}\t"
                      f"{port.get('protocol', '')}")
    endpoints = endpoint_slice.get("endpoints") or []
    if not endpoints:
        w.line(0, "Endpoints: <none>")
    else:
        w.line(0, "Endpoints:")
        for endpoint in endpoints:
            conditions = endpoint.get("conditions") or {}
            w.line(1, f"- Addresses:\t{','.join(endpoint.get('addresses') or [])}")
            w.line(2, "Conditions:")
            ready = conditions.get("ready")
            w.line(3, f"Ready:\t{'<unset>' if ready is None else str(ready).lower()}")
            w.line(2, f"Hostname:\t{endpoint.get('hostname') or '<unset>'}")
            if endpoint.get("targetRef"):
                w.line(2, f"TargetRef:\t{endpoint['targetRef'].get('kind', '')}/{endpoint['targetRef'].get('name', '')}")
            w.line(2, f"NodeName:\t{endpoint.get('nodeName') or '<unset>'}")
            w.line(2, f"Zone:\t{endpoint.get('zone') or '<unset>'}")
    if events is not None:
        events_section(w, events, now)
    return str(w)
