"""Stories of the EndpointSlice controller: a Service's endpoints in slices of at most 100."""
from kubelab.objects import meta

from .conftest import make_ready

SERVICE_NAME = "kubernetes.io/service-name"


def service(name="web"):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": {"tier": "front"}},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}


def ready_pod(client, clock, name, ip, app="web", node="node-1"):
    pod = client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}},
                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    client.bind(pod, node)
    return make_ready(client, clock, pod, ip)


def slices_of(client, name="web"):
    return sorted(client.list("endpointslices", "default", label_selector=f"{SERVICE_NAME}={name}")["items"],
                  key=meta.name)


def test_a_service_gets_a_slice_naming_its_ready_pods(client, clock, manager):
    client.create("services", service())
    ready_pod(client, clock, "web-1", "10.244.1.2")
    ready_pod(client, clock, "web-2", "10.244.2.2", node="node-2")
    clock.settle()
    [endpoint_slice] = slices_of(client)
    assert meta.name(endpoint_slice).startswith("web-") and len(meta.name(endpoint_slice)) == len("web-") + 5
    assert meta.labels(endpoint_slice) == {"tier": "front", SERVICE_NAME: "web",
                                           "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
    assert meta.controller_of(endpoint_slice)["kind"] == "Service"
    assert endpoint_slice["addressType"] == "IPv4"
    assert endpoint_slice["ports"] == [{"name": "", "port": 8080, "protocol": "TCP"}]
    first = endpoint_slice["endpoints"][0]
    assert first["addresses"] == ["10.244.1.2"] and first["nodeName"] == "node-1"
    assert first["conditions"] == {"ready": True, "serving": True, "terminating": False}
    assert first["targetRef"]["name"] == "web-1"


def test_a_terminating_pod_stays_in_the_slice_as_serving_but_not_ready(client, clock, manager):
    client.create("services", service())
    ready_pod(client, clock, "web-1", "10.244.1.2")
    clock.settle()
    client.delete("pods", "web-1")      # graceful: the kubelet has yet to stop it
    clock.settle()
    [endpoint] = slices_of(client)[0]["endpoints"]
    assert endpoint["conditions"] == {"ready": False, "serving": True, "terminating": True}


def test_a_service_without_pods_keeps_one_empty_placeholder_slice(client, clock, manager):
    client.create("services", service())
    clock.settle()
    [placeholder] = slices_of(client)
    assert placeholder["endpoints"] is None and placeholder["ports"] is None
    ready_pod(client, clock, "web-1", "10.244.1.2")
    clock.settle()
    [filled] = slices_of(client)
    assert meta.name(filled) == meta.name(placeholder) and len(filled["endpoints"]) == 1


def test_no_slice_holds_more_than_100_endpoints_and_one_pod_rewrites_one_slice(client, clock, manager):
    client.create("services", service())
    for index in range(230):
        ready_pod(client, clock, f"web-{index}", f"10.244.{1 + index // 200}.{2 + index % 200}")
    clock.settle()
    slices = slices_of(client)
    assert sorted(len(s["endpoints"]) for s in slices) == [30, 100, 100]
    names = [e["targetRef"]["name"] for s in slices for e in s["endpoints"]]
    assert len(names) == len(set(names)) == 230        # every pod in exactly one slice
    versions = {meta.name(s): s["metadata"]["resourceVersion"] for s in slices}
    make_ready(client, clock, client.get("pods", "web-7"), "10.244.1.9", ready=False)
    clock.settle()
    changed = [meta.name(s) for s in slices_of(client) if s["metadata"]["resourceVersion"] != versions[meta.name(s)]]
    assert len(changed) == 1


def test_a_deleted_slice_is_put_back(client, clock, manager):
    client.create("services", service())
    ready_pod(client, clock, "web-1", "10.244.1.2")
    clock.settle()
    client.delete("endpointslices", meta.name(slices_of(client)[0]))
    clock.settle()
    [again] = slices_of(client)
    assert [e["targetRef"]["name"] for e in again["endpoints"]] == ["web-1"]


def test_a_sync_before_the_informer_has_seen_our_last_write_waits_instead_of_duplicating(client, clock, manager):
    controller = manager.controllers["endpointslice"]
    client.create("services", service())
    while controller.services.get("default/web") is None:
        clock.step()
    controller.sync("default/web")      # creates the placeholder slice ...
    controller.sync("default/web")      # ... and, before its watch event arrives, must not create another
    clock.settle()
    assert len(slices_of(client)) == 1
