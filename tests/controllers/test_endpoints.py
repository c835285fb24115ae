"""Stories of the Endpoints controller: pods in, addresses out."""
from kubelab.controllers.endpoints import compute_subsets
from kubelab.objects import meta

from .conftest import make_ready


def service(name: str = "web", target_port=80, selector=None, **spec) -> dict:
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": {"tier": "front"}},
            "spec": {"ports": [{"name": "http", "port": 80, "targetPort": target_port}], **spec}}
    if selector is not False:
        body["spec"]["selector"] = selector or {"app": "web"}
    return body


def pod(client, clock, name: str, node: str, ip: str | None, ready: bool = True, app: str = "web") -> dict:
    created = client.create("pods", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                 "ports": [{"name": "http", "containerPort": 8080}]}]}})
    client.bind(created, node)
    return make_ready(client, clock, created, ip, ready) if ip else client.get("pods", name)


def address(pod: dict) -> dict:
    return {"ip": pod["status"]["podIP"], "nodeName": pod["spec"]["nodeName"],
            "targetRef": {"kind": "Pod", "namespace": "default", "name": meta.name(pod), "uid": meta.uid(pod)}}


def endpoints_writes(apiserver) -> int:
    return sum(1 for entry in apiserver.trace if entry.resource == "endpoints" and entry.name == "web")


def test_endpoints_list_ready_pod_ips_and_keep_not_ready_ones_apart(client, clock, manager):
    ready = pod(client, clock, "web-b", "node-2", "10.244.2.7")
    also_ready = pod(client, clock, "web-a", "node-1", "10.244.10.5")
    starting = pod(client, clock, "web-c", "node-3", "10.244.3.9", ready=False)
    pod(client, clock, "web-d", "node-3", None)                    # no IP yet: not listed at all
    pod(client, clock, "other", "node-1", "10.244.1.8", app="db")  # not selected
    client.create("services", service(target_port=8080))
    clock.run(1)

    endpoints = client.get("endpoints", "web")
    assert endpoints["subsets"] == [{
        "addresses": [address(ready), address(also_ready)],          # sorted by IP, numerically
        "notReadyAddresses": [address(starting)],
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]
    assert endpoints["metadata"]["labels"] == {"tier": "front"}
    assert endpoints["metadata"]["annotations"] == {
        "endpoints.kubernetes.io/last-change-trigger-time": client.get("services", "web")["metadata"]["creationTimestamp"]}

    clock.run(10)
    make_ready(client, clock, starting, "10.244.3.9")
    clock.run(1)
    endpoints = client.get("endpoints", "web")
    assert [a["ip"] for a in endpoints["subsets"][0]["addresses"]] == ["10.244.2.7", "10.244.3.9", "10.244.10.5"]
    assert "notReadyAddresses" not in endpoints["subsets"][0]
    assert endpoints["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"] == \
        "2025-01-01T00:00:11Z"  # when web-c became Ready
    assert manager.errors() == []


def test_endpoints_resolve_a_named_target_port_in_each_pod(client, clock, manager):
    first = pod(client, clock, "web-a", "node-1", "10.244.1.5")
    client.create("services", service(target_port="http"))
    clock.run(1)
    assert client.get("endpoints", "web")["subsets"] == [
        {"addresses": [address(first)], "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]


def test_pods_offering_different_ports_get_different_subsets():
    web = {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
    admin = {"name": "admin", "port": 9000, "targetPort": "admin", "protocol": "TCP"}
    def running(name, ip, ports):
        return {"metadata": {"name": name, "namespace": "default", "uid": name},
                "spec": {"nodeName": "node-1", "containers": [{"name": "c", "ports": ports}]},
                "status": {"phase": "Running", "podIP": ip,
                           "conditions": [{"type": "Ready", "status": "True"}]}}
    both = running("both", "10.0.0.2", [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
                                        {"name": "admin", "containerPort": 9090, "protocol": "TCP"}])
    http_only = running("http-only", "10.0.0.3", [{"name": "http", "containerPort": 8080, "protocol": "TCP"}])
    subsets = compute_subsets({"spec": {"selector": {"app": "x"}, "ports": [web, admin]}}, [http_only, both])
    assert [([a["ip"] for a in s["addresses"]], [p["port"] for p in s["ports"]]) for s in subsets] == [
        (["10.0.0.2"], [9090]), (["10.0.0.2", "10.0.0.3"], [8080])]


def test_endpoints_are_not_rewritten_when_nothing_they_show_changed(client, clock, apiserver, manager):
    first = pod(client, clock, "web-a", "node-1", "10.244.1.5")
    client.create("services", service())
    clock.run(1)
    writes = endpoints_writes(apiserver)
    assert writes == 1

    client.patch("pods", meta.name(first), {"metadata": {"annotations": {"note": "hello"}}})
    client.patch("services", "web", {"metadata": {"annotations": {"note": "hello"}}})
    clock.run(1)
    assert endpoints_writes(apiserver) == writes


def test_endpoints_are_removed_when_the_service_is_deleted(client, clock, manager):
    pod(client, clock, "web-a", "node-1", "10.244.1.5")
    client.create("services", service())
    clock.run(1)
    assert client.get("endpoints", "web")

    client.delete("services", "web")
    clock.run(1)
    assert [meta.name(e) for e in client.list("endpoints", "default")["items"]] == ["kubernetes"]


def test_a_service_without_selector_is_left_alone(client, clock, apiserver, manager):
    pod(client, clock, "web-a", "node-1", "10.244.1.5")
    client.create("services", service(selector=False))
    client.create("endpoints", {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
                                "subsets": [{"addresses": [{"ip": "192.168.0.10"}], "ports": [{"port": 80}]}]})
    clock.run(1)
    assert client.get("endpoints", "web")["subsets"][0]["addresses"] == [{"ip": "192.168.0.10"}]
    assert not [e for e in apiserver.trace if e.resource == "endpoints" and e.user == "endpoint-controller"]


def test_a_headless_service_gets_the_headless_label(client, clock, manager):
    pod(client, clock, "web-a", "node-1", "10.244.1.5")
    client.create("services", service(clusterIP="None"))
    clock.run(1)
    assert client.get("endpoints", "web")["metadata"]["labels"] == {
        "tier": "front", "service.kubernetes.io/headless": ""}
