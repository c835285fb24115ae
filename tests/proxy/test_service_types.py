"""Stories about NodePort, LoadBalancer, ClientIP affinity and Local traffic policies in the
rules kube-proxy writes (pure: Services and Endpoints in, tables out, packets walked through)."""
import random
from collections import Counter

from kubelab.proxy import DROPPED, ROUTED
from kubelab.proxy.names import external_chain_name, local_chain_name
from kubelab.proxy.rules import build_tables, iptables_save, service_port_chain_name, service_port_endpoint_chain_name
from kubelab.proxy.traffic import route

PODS = [("10.244.1.5", "node-1"), ("10.244.2.7", "node-2"), ("10.244.3.9", "node-3")]
NODE_1 = "10.0.0.11"


def web(type_="NodePort", **spec):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"type": type_, "clusterIP": "10.96.10.10", "externalTrafficPolicy": "Cluster",
                     "internalTrafficPolicy": "Cluster", "sessionAffinity": "None",
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080,
                                "nodePort": 30080}], **spec}}


def endpoints(pods=PODS):
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "default"},
            "subsets": [{"addresses": [{"ip": ip, "nodeName": node} for ip, node in pods],
                         "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]}


SVC = service_port_chain_name("default/web:http", "tcp")
SVL = local_chain_name("default/web:http", "tcp")
EXT = external_chain_name("default/web:http", "tcp")
SEP = [service_port_endpoint_chain_name("default/web:http", "tcp", f"{ip}:8080") for ip, _ in PODS]


def nat_rules(text):
    nat = text[text.index("*nat"):]
    return [line for line in nat.splitlines() if line.startswith("-A KUBE-") and "default/web" in line
            or line.startswith(("-A KUBE-EXT", "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports"))]


def test_a_nodeport_service_with_three_endpoints_has_upstreams_chain_structure():
    text = iptables_save(build_tables([web()], [endpoints()], "node-1"))
    assert nat_rules(text) == [
        f'-A {EXT} -m comment --comment "masquerade traffic for default/web:http external destinations" -j KUBE-MARK-MASQ',
        f'-A {EXT} -j {SVC}',
        f'-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 30080 -j {EXT}',
        *[line for sep, ip in sorted(zip(SEP, [ip for ip, _ in PODS])) for line in (  # chains in name order
            f'-A {sep} -s {ip}/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ',
            f'-A {sep} -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination {ip}:8080')],
        f'-A KUBE-SERVICES -d 10.96.10.10/32 -p tcp -m comment --comment "default/web:http cluster IP" '
        f'-m tcp --dport 80 -j {SVC}',
        '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule '
        'in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
        f'-A {SVC} -m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random '
        f'--probability 0.33333333349 -j {SEP[0]}',
        f'-A {SVC} -m comment --comment "default/web:http -> 10.244.2.7:8080" -m statistic --mode random '
        f'--probability 0.50000000000 -j {SEP[1]}',
        f'-A {SVC} -m comment --comment "default/web:http -> 10.244.3.9:8080" -j {SEP[2]}']
    assert all(f":{chain} - [0:0]" in text for chain in (EXT, SVC, *SEP))


def test_a_client_outside_reaches_every_pod_through_a_node_port_masqueraded():
    tables = build_tables([web()], [endpoints()], "node-1")
    rng = random.Random(1)
    walks = [route(tables, NODE_1, 30080, rng, source_ip="203.0.113.7", local_addresses={NODE_1})
             for _ in range(300)]
    assert {walk.outcome for walk in walks} == {ROUTED} and all(walk.masquerade for walk in walks)
    assert set(Counter(walk.destination[0] for walk in walks)) == {ip for ip, _ in PODS}
    assert walks[0].chains()[:4] == ["PREROUTING", "KUBE-SERVICES", "KUBE-NODEPORTS", EXT]


def test_the_node_port_of_another_node_is_not_captured_here():
    tables = build_tables([web()], [endpoints()], "node-1")
    assert route(tables, "10.0.0.12", 30080, random.Random(0), local_addresses={NODE_1}).outcome == "no route"


def test_client_ip_affinity_sends_a_client_back_to_its_pod_until_the_timeout():
    sticky = web(sessionAffinity="ClientIP", sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}})
    tables = build_tables([sticky], [endpoints()], "node-1")
    text = iptables_save(tables)
    assert (f'-A {SVC} -m comment --comment "default/web:http -> 10.244.1.5:8080" -m recent --rcheck --seconds 60 '
            f'--reap --name {SEP[0]} --mask 255.255.255.255 --rsource -j {SEP[0]}') in text
    assert (f'-A {SEP[0]} -p tcp -m comment --comment "default/web:http" -m recent --set --name {SEP[0]} '
            f'--mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.1.5:8080') in text
    rng, recent = random.Random(3), {}
    first = route(tables, "10.96.10.10", 80, rng, source_ip="10.244.9.9", recent=recent, now=0.0).destination
    again = {route(tables, "10.96.10.10", 80, rng, source_ip="10.244.9.9", recent=recent, now=float(t)).destination
             for t in range(0, 60, 5)}
    assert again == {first}       # each connection refreshes the entry with --set
    others = {route(tables, "10.96.10.10", 80, rng, source_ip=f"10.244.8.{n}", recent=recent, now=60.0).destination
              for n in range(30)}
    assert len(others) == 3       # other clients are still spread
    later = {route(tables, "10.96.10.10", 80, rng, source_ip="10.244.9.9", recent={}, now=0.0).destination
             for _ in range(30)}
    assert len(later) > 1         # forgotten (a fresh kernel): random again


def test_external_traffic_policy_local_sends_node_port_traffic_only_to_this_nodes_pods():
    local = web(externalTrafficPolicy="Local")
    tables = build_tables([local], [endpoints()], "node-1")
    rng = random.Random(0)
    outside = {route(tables, NODE_1, 30080, rng, source_ip="203.0.113.7", local_addresses={NODE_1}).destination
               for _ in range(50)}
    assert outside == {("10.244.1.5", 8080)}
    walk = route(tables, NODE_1, 30080, rng, source_ip="203.0.113.7", local_addresses={NODE_1})
    assert not walk.masquerade and SVL in walk.chains()   # the client's address is kept
    inside = {route(tables, "10.96.10.10", 80, rng, source_ip="10.244.1.5").destination for _ in range(60)}
    assert len(inside) == 3                               # the ClusterIP still spreads everywhere


def test_a_node_without_a_local_endpoint_drops_external_traffic():
    tables = build_tables([web(externalTrafficPolicy="Local")], [endpoints(PODS[1:])], "node-1")
    walk = route(tables, NODE_1, 30080, random.Random(0), source_ip="203.0.113.7", local_addresses={NODE_1})
    assert walk.outcome == DROPPED
    assert ('-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web:http has no local endpoints" '
            '-m addrtype --dst-type LOCAL -m tcp --dport 30080 -j DROP') in iptables_save(tables)


def test_internal_traffic_policy_local_keeps_cluster_ip_traffic_on_the_node():
    tables = build_tables([web("ClusterIP", internalTrafficPolicy="Local")], [endpoints()], "node-2")
    assert {route(tables, "10.96.10.10", 80, random.Random(n), source_ip="10.244.2.3").destination
            for n in range(20)} == {("10.244.2.7", 8080)}
    none_here = build_tables([web("ClusterIP", internalTrafficPolicy="Local")], [endpoints(PODS[:1])], "node-2")
    assert route(none_here, "10.96.10.10", 80, random.Random(0), source_ip="10.244.2.3").outcome == DROPPED


def test_a_load_balancer_ip_from_the_cloud_is_captured_and_its_health_check_port_accepted():
    balanced = web("LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=32000)
    balanced["status"] = {"loadBalancer": {"ingress": [{"ip": "198.51.100.2", "ipMode": "VIP"}]}}
    tables = build_tables([balanced], [endpoints()], "node-3")
    text = iptables_save(tables)
    assert (f'-A KUBE-SERVICES -d 198.51.100.2/32 -p tcp -m comment --comment "default/web:http loadbalancer IP" '
            f'-m tcp --dport 80 -j {EXT}') in text
    assert ('-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http health check node port" '
            '-m tcp --dport 32000 -j ACCEPT') in text
    walk = route(tables, "198.51.100.2", 80, random.Random(0), source_ip="203.0.113.7", local_addresses={"10.0.0.13"})
    assert walk.destination == ("10.244.3.9", 8080)


def test_a_service_with_no_endpoints_rejects_its_node_port_too():
    tables = build_tables([web()], [endpoints([])], "node-1")
    assert ('-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web:http has no endpoints" '
            '-m addrtype --dst-type LOCAL -m tcp --dport 30080 -j REJECT --reject-with icmp-port-unreachable'
            ) in iptables_save(tables)
    assert route(tables, NODE_1, 30080, random.Random(0), local_addresses={NODE_1}).outcome == "rejected"
