"""Stories about NodePort allocation: 30000-32767, upstream's messages, released on delete."""
import random

import pytest

from kubelab.apiserver import APIServer
from kubelab.client import ApiError


def service(name="web", type_="NodePort", ports=None, **spec):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": type_, "selector": {"app": name}, "ports": ports or [{"port": 80}], **spec}}


def refusal(client, body) -> str:
    with pytest.raises(ApiError) as error:
        client.create("services", body)
    assert error.value.code == 422
    return error.value.message


def test_a_nodeport_service_gets_a_port_from_30000_to_32767(client):
    created = client.create("services", service(ports=[{"name": "http", "port": 80}, {"name": "https", "port": 443}]))
    node_ports = [port["nodePort"] for port in created["spec"]["ports"]]
    assert all(30000 <= port <= 32767 for port in node_ports) and len(set(node_ports)) == 2
    assert "healthCheckNodePort" not in created["spec"]


def test_a_taken_or_out_of_range_port_is_refused_in_upstreams_words(client, apiserver):
    client.create("services", service(ports=[{"port": 80, "nodePort": 30080}]))
    assert refusal(client, service("other", ports=[{"port": 80, "nodePort": 30080}])) == (
        'Service "other" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated')
    assert refusal(client, service("other", ports=[{"port": 80, "nodePort": 8080}])) == (
        'Service "other" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the '
        'valid range. The range of valid ports is 30000-32767')
    assert refusal(client, service("other", "ClusterIP", ports=[{"port": 80, "nodePort": 30081}])) == (
        "Service \"other\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'")
    assert apiserver.node_ports.taken == {30080}   # nothing half-allocated by the refusals


def test_deleting_a_service_releases_its_node_port_for_the_next(client, apiserver):
    client.create("services", service(ports=[{"port": 80, "nodePort": 30080}]))
    client.delete("services", "web")
    assert apiserver.node_ports.taken == set()
    assert client.create("services", service("again", ports=[{"port": 80, "nodePort": 30080}]))


def test_a_load_balancer_gets_node_ports_and_with_local_policy_a_health_check_port(client):
    spec = client.create("services", service("lb", "LoadBalancer", externalTrafficPolicy="Local"))["spec"]
    assert spec["allocateLoadBalancerNodePorts"] is True
    assert 30000 <= spec["ports"][0]["nodePort"] <= 32767
    assert 30000 <= spec["healthCheckNodePort"] <= 32767 != spec["ports"][0]["nodePort"]
    bare = client.create("services", service("bare", "LoadBalancer", allocateLoadBalancerNodePorts=False))["spec"]
    assert "nodePort" not in bare["ports"][0]


def test_an_update_keeps_its_node_port_and_changing_to_clusterip_gives_it_back(client, apiserver):
    created = client.create("services", service())
    port = created["spec"]["ports"][0]["nodePort"]
    created["spec"]["ports"][0].pop("nodePort")       # `kubectl apply` of the manifest without it
    created["spec"]["ports"][0]["name"] = "http"
    updated = client.update("services", created)
    assert updated["spec"]["ports"][0]["nodePort"] == port
    updated["spec"]["type"] = "ClusterIP"
    updated.pop("status", None)
    cluster_ip = client.update("services", updated)
    assert "nodePort" not in cluster_ip["spec"]["ports"][0] and apiserver.node_ports.taken == set()


def test_a_restarted_api_server_knows_which_ports_are_taken(client, store, clock):
    client.create("services", service(ports=[{"port": 80, "nodePort": 30080}]))
    restarted = APIServer(store, clock, random.Random(1))
    assert 30080 in restarted.node_ports.taken


def test_client_ip_affinity_defaults_to_three_hours_and_refuses_a_timeout_out_of_range(client):
    sticky = client.create("services", service("sticky", "ClusterIP", sessionAffinity="ClientIP"))
    assert sticky["spec"]["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    assert refusal(client, service("long", "ClusterIP", sessionAffinity="ClientIP",
                                   sessionAffinityConfig={"clientIP": {"timeoutSeconds": 86401}})) == (
        'Service "long" is invalid: spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: '
        'must be greater than 0 and less than 86400')
    assert refusal(client, service("loose", "ClusterIP", sessionAffinity="None",
                                   sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}})) == (
        'Service "loose" is invalid: spec.sessionAffinityConfig: Forbidden: must not be set when session '
        'affinity is None')


def test_load_balancer_source_ranges_are_refused_not_ignored(client, apiserver):
    body = service("lb", "LoadBalancer", loadBalancerSourceRanges=["10.0.0.0/8"])
    assert refusal(client, body) == ('Service "lb" is invalid: spec.loadBalancerSourceRanges: Forbidden: '
                                      'kubelab does not model load balancer source ranges')
    assert apiserver.node_ports.taken == set()   # nothing allocated for the refused Service
