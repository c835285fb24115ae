"""Stories about a connection walking the tables, as the kernel walks them."""
import random
from collections import Counter

from kubelab.proxy import NO_ROUTE, REJECTED, ROUTED
from kubelab.proxy.rules import build_tables, service_port_chain_name, service_port_endpoint_chain_name
from kubelab.proxy.traffic import route

PODS = ["10.244.1.5", "10.244.2.7", "10.244.3.9"]
NGINX = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx", "namespace": "default"},
         "spec": {"clusterIP": "10.96.10.10", "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}}
DB = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "default"},
      "spec": {"clusterIP": "10.96.20.20", "ports": [{"port": 5432, "protocol": "TCP"}]}}


def nginx_endpoints(ips):
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "nginx", "namespace": "default"},
            "subsets": [{"addresses": [{"ip": ip} for ip in ips],
                         "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]}


TABLES = build_tables([NGINX, DB], [nginx_endpoints(PODS)])


def test_three_thousand_requests_reach_each_of_three_pods_about_a_third_of_the_time():
    rng = random.Random(0)
    answered = Counter(route(TABLES, "10.96.10.10", 80, rng).destination for _ in range(3000))
    assert set(answered) == {(ip, 8080) for ip in PODS}
    # Binomial(3000, 1/3) has a standard deviation of about 26; the seed makes this exact.
    assert all(900 <= count <= 1100 for count in answered.values()), answered


def test_the_walk_goes_kube_services_then_the_service_chain_then_one_endpoint_chain():
    result = route(TABLES, "10.96.10.10", 80, random.Random(0))
    assert result.outcome == ROUTED
    ip, port = result.destination
    service_chain = service_port_chain_name("default/nginx:http", "tcp")
    endpoint_chain = service_port_endpoint_chain_name("default/nginx:http", "tcp", f"{ip}:{port}")
    assert result.chains("nat")[:4] == ["PREROUTING", "KUBE-SERVICES", service_chain, endpoint_chain]
    assert str(result).endswith(f"=> DNAT to {ip}:{port}")


def test_the_same_seed_picks_the_same_pods():
    rng_a, rng_b, rng_c = random.Random(3), random.Random(3), random.Random(4)
    picks_a = [route(TABLES, "10.96.10.10", 80, rng_a).destination for _ in range(50)]
    picks_b = [route(TABLES, "10.96.10.10", 80, rng_b).destination for _ in range(50)]
    picks_c = [route(TABLES, "10.96.10.10", 80, rng_c).destination for _ in range(50)]
    assert picks_a == picks_b and len(set(picks_a)) == 3
    assert picks_c != picks_a  # the choices really come from the generator


def test_a_service_without_endpoints_refuses_the_connection():
    result = route(TABLES, "10.96.20.20", 5432, random.Random(0))
    assert result.outcome == REJECTED and result.destination is None
    assert result.steps[-1].rule.target == "REJECT"
    assert "connection refused" in result.message


def test_an_address_no_service_has_gets_no_route():
    for ip, port in [("10.96.99.99", 80), ("10.96.10.10", 443)]:  # unknown IP; known IP, wrong port
        result = route(TABLES, ip, port, random.Random(0))
        assert result.outcome == NO_ROUTE and result.destination is None


def test_a_pod_that_reaches_itself_through_its_service_is_masqueraded():
    tables = build_tables([NGINX], [nginx_endpoints(["10.244.1.5"])])
    hairpin = route(tables, "10.96.10.10", 80, random.Random(0), source_ip="10.244.1.5")
    other = route(tables, "10.96.10.10", 80, random.Random(0), source_ip="10.244.2.7")
    assert hairpin.destination == other.destination == ("10.244.1.5", 8080)
    assert hairpin.masquerade and not other.masquerade
    assert "KUBE-MARK-MASQ" in hairpin.chains("nat")
