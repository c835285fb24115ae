"""Stories about the rules kube-proxy writes (pure: Services and Endpoints in, tables out)."""
import random

from kubelab.proxy.iptables import kernel_probability
from kubelab.proxy.rules import (build_tables, iptables_save, service_port_chain_name,
                                 service_port_endpoint_chain_name)


def service(name, cluster_ip, ports, namespace="default", **spec):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
            "spec": {"type": "ClusterIP", "clusterIP": cluster_ip, "ports": ports, **spec}}


def endpoints(name, ips, ports, namespace="default", not_ready=()):
    subset = {"addresses": [{"ip": ip} for ip in ips], "ports": ports}
    if not_ready:
        subset["notReadyAddresses"] = [{"ip": ip} for ip in not_ready]
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": namespace},
            "subsets": [subset]}


HTTP = [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]
HTTP_ENDPOINT = [{"name": "http", "port": 8080, "protocol": "TCP"}]
NGINX = service("nginx", "10.96.10.10", HTTP)
THREE_PODS = endpoints("nginx", ["10.244.1.5", "10.244.2.7", "10.244.3.9"], HTTP_ENDPOINT)


def lines(text, prefix):
    return [line for line in text.splitlines() if line.startswith(prefix)]


def test_chain_names_are_the_ones_upstream_computes():
    # The names a real cluster shows for the kubernetes Service, and upstream's test fixtures.
    assert service_port_chain_name("default/kubernetes:https", "tcp") == "KUBE-SVC-NPX46M4PTMTKRN6Y"
    assert service_port_chain_name("ns1/svc1:p80", "tcp") == "KUBE-SVC-XPGD46QRK7WJZT7O"
    assert service_port_endpoint_chain_name("ns1/svc1:p80", "tcp", "10.180.0.1:80") == \
        "KUBE-SEP-SXIVWICOYRO3J4NJ"


def test_a_service_with_three_endpoints_goes_services_then_svc_then_sep():
    text = iptables_save(build_tables([NGINX], [THREE_PODS]))
    svc = service_port_chain_name("default/nginx:http", "tcp")
    assert lines(text, "-A KUBE-SERVICES -d") == [
        f'-A KUBE-SERVICES -d 10.96.10.10/32 -p tcp -m comment --comment "default/nginx:http cluster IP" '
        f'-m tcp --dport 80 -j {svc}']
    seps = [service_port_endpoint_chain_name("default/nginx:http", "tcp", f"{ip}:8080")
            for ip in ("10.244.1.5", "10.244.2.7", "10.244.3.9")]
    assert lines(text, f"-A {svc}") == [
        f'-A {svc} -m comment --comment "default/nginx:http -> 10.244.1.5:8080" '
        f'-m statistic --mode random --probability 0.33333333349 -j {seps[0]}',
        f'-A {svc} -m comment --comment "default/nginx:http -> 10.244.2.7:8080" '
        f'-m statistic --mode random --probability 0.50000000000 -j {seps[1]}',
        f'-A {svc} -m comment --comment "default/nginx:http -> 10.244.3.9:8080" -j {seps[2]}']
    assert lines(text, f"-A {seps[0]}") == [
        f'-A {seps[0]} -s 10.244.1.5/32 -m comment --comment "default/nginx:http" -j KUBE-MARK-MASQ',
        f'-A {seps[0]} -p tcp -m comment --comment "default/nginx:http" -m tcp '
        f'-j DNAT --to-destination 10.244.1.5:8080']
    assert f":{svc} - [0:0]" in text and all(f":{sep} - [0:0]" in text for sep in seps)


def test_probabilities_are_printed_as_the_kernel_keeps_them():
    # kube-proxy writes "%0.10f" of 1/n; iptables keeps round(p * 2^31) and prints "%.11f" of it.
    assert kernel_probability(0.3333333333) == "0.33333333349"
    assert kernel_probability(0.5) == "0.50000000000"
    assert kernel_probability(0.1428571429) == "0.14285714272"


def test_endpoints_are_ordered_by_ip_and_port_as_strings_like_upstream():
    pods = endpoints("nginx", ["10.244.1.2", "10.244.1.10"], HTTP_ENDPOINT)
    text = iptables_save(build_tables([NGINX], [pods]))
    svc = service_port_chain_name("default/nginx:http", "tcp")
    comments = [line.split('"')[1] for line in lines(text, f"-A {svc}")]
    assert comments == ["default/nginx:http -> 10.244.1.10:8080", "default/nginx:http -> 10.244.1.2:8080"]


def test_a_service_with_no_ready_endpoints_is_rejected_in_the_filter_table():
    unready = endpoints("nginx", [], HTTP_ENDPOINT, not_ready=["10.244.1.5"])
    tables = build_tables([NGINX], [unready])
    assert [rule.target for rule in tables["filter"].chains["KUBE-SERVICES"].rules] == ["REJECT"]
    assert lines(iptables_save(tables), "-A KUBE-SERVICES -d") == [
        '-A KUBE-SERVICES -d 10.96.10.10/32 -p tcp -m comment --comment "default/nginx:http has no endpoints" '
        '-m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable']
    assert not [name for name in tables["nat"].chains if name.startswith(("KUBE-SVC-", "KUBE-SEP-"))]


def test_rules_are_the_same_whatever_order_the_objects_come_in():
    services = [NGINX, service("api", "10.96.0.20", HTTP, namespace="shop"),
                service("db", "10.96.0.30", [{"port": 5432, "protocol": "TCP"}])]
    all_endpoints = [THREE_PODS, endpoints("api", ["10.244.9.9"], HTTP_ENDPOINT, namespace="shop")]
    first = iptables_save(build_tables(services, all_endpoints))
    rng = random.Random(7)
    for _ in range(5):
        rng.shuffle(services)
        rng.shuffle(all_endpoints)
        assert iptables_save(build_tables(services, all_endpoints)) == first
    # Sorted by namespace, then name: default/db (rejected, filter), default/nginx, shop/api.
    assert [line.split('"')[1] for line in lines(first, "-A KUBE-SERVICES -d")] == [
        "default/db has no endpoints", "default/nginx:http cluster IP", "shop/api:http cluster IP"]


def test_each_service_port_gets_the_endpoints_of_the_port_with_its_name():
    web = service("web", "10.96.0.40", [{"name": "http", "port": 80, "protocol": "TCP"},
                                        {"name": "metrics", "port": 9090, "protocol": "TCP"}])
    pods = endpoints("web", ["10.244.1.5"], [{"name": "http", "port": 8080, "protocol": "TCP"},
                                             {"name": "metrics", "port": 9100, "protocol": "TCP"}])
    text = iptables_save(build_tables([web], [pods]))
    assert len(lines(text, "-A KUBE-SERVICES -d 10.96.0.40/32")) == 2
    assert "--to-destination 10.244.1.5:8080" in text and "--to-destination 10.244.1.5:9100" in text


def test_headless_and_external_name_services_get_no_rules():
    headless = service("db", "None", HTTP)
    external = service("search", "", [], type="ExternalName", externalName="example.com")
    tables = build_tables([headless, external], [endpoints("db", ["10.244.1.5"], HTTP_ENDPOINT)])
    assert [rule.target for rule in tables["nat"].chains["KUBE-SERVICES"].rules] == ["KUBE-NODEPORTS"]  # only the fixed last rule
    assert tables["filter"].chains["KUBE-SERVICES"].rules == []
