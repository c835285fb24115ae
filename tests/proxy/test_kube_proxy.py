"""Stories about KubeProxy: informers in, the node's rules out, traffic through them."""
import random

from kubelab.proxy import NO_ROUTE, REJECTED, ROUTED, KubeProxy


def nginx_service():
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx", "namespace": "default"},
            "spec": {"selector": {"app": "nginx"},
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]}}


def nginx_endpoints(ips):
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "nginx", "namespace": "default"},
            "subsets": [{"addresses": [{"ip": ip} for ip in ips],
                         "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]}


def start_proxy(client, clock, node_name="node-1", seed=0):
    proxy = KubeProxy(client.for_component(f"kube-proxy/{node_name}"), clock, node_name, random.Random(seed))
    proxy.start()
    return proxy


def test_kube_proxy_writes_rules_for_what_exists_when_it_starts(client, clock):
    cluster_ip = client.create("services", nginx_service())["spec"]["clusterIP"]
    client.create("endpoints", nginx_endpoints(["10.244.1.5"]))
    proxy = start_proxy(client, clock)
    assert proxy.sync_count == 1
    assert f"-d {cluster_ip}/32" in proxy.rules_text()
    assert proxy.route(cluster_ip, 80).destination == ("10.244.1.5", 8080)


def test_rules_follow_endpoint_changes_through_the_informers(client, clock):
    proxy = start_proxy(client, clock)
    cluster_ip = client.create("services", nginx_service())["spec"]["clusterIP"]
    clock.settle()
    assert proxy.route(cluster_ip, 80).outcome == REJECTED  # a Service, but no endpoints yet

    client.create("endpoints", nginx_endpoints(["10.244.1.5"]))
    clock.settle()
    assert proxy.route(cluster_ip, 80).destination == ("10.244.1.5", 8080)

    endpoints = client.get("endpoints", "nginx")
    endpoints["subsets"][0]["addresses"] = [{"ip": ip} for ip in ("10.244.1.5", "10.244.2.7", "10.244.3.9")]
    client.update("endpoints", endpoints)
    clock.settle()
    assert proxy.rules_text().count("-m statistic --mode random") == 2
    reached = {proxy.route(cluster_ip, 80).destination[0] for _ in range(60)}
    assert reached == {"10.244.1.5", "10.244.2.7", "10.244.3.9"}

    client.delete("services", "nginx")
    clock.settle()
    assert proxy.route(cluster_ip, 80).outcome == NO_ROUTE
    assert "default/nginx" not in proxy.rules_text()


def test_syncs_run_at_most_once_per_min_sync_period(client, clock):
    proxy = start_proxy(client, clock)
    started = clock.now()
    cluster_ip = client.create("services", nginx_service())["spec"]["clusterIP"]
    client.create("endpoints", nginx_endpoints(["10.244.1.5"]))
    clock.run(0.5)
    assert proxy.sync_count == 1  # both changes are waiting for the one sync after the first
    assert proxy.route(cluster_ip, 80).outcome == NO_ROUTE  # the node's rules lag the API
    clock.settle()
    assert proxy.sync_count == 2 and proxy.last_sync == started + 1.0
    assert proxy.route(cluster_ip, 80).outcome == ROUTED


def test_a_change_that_does_not_move_traffic_does_not_sync(client, clock):
    client.create("services", nginx_service())
    proxy = start_proxy(client, clock)
    service = client.get("services", "nginx")
    service["metadata"]["labels"] = {"team": "web"}
    client.update("services", service)
    clock.settle()
    assert proxy.sync_count == 1


def test_every_node_writes_the_same_rules(client, clock):
    client.create("services", nginx_service())
    client.create("endpoints", nginx_endpoints(["10.244.2.7", "10.244.1.5"]))
    proxies = [start_proxy(client, clock, f"node-{index}", seed=index) for index in range(3)]
    clock.settle()
    assert len({proxy.rules_text() for proxy in proxies}) == 1
