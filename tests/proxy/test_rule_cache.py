"""Stories about the rule fragments in-process kube-proxies share (proxy/rule_cache.py): the
tables are those of build_tables, the readable reference, and only what changed is computed."""
from kubelab.proxy.iptables import iptables_save
from kubelab.proxy.rule_cache import RuleCache
from kubelab.proxy.rules import build_tables

PODS = [("10.244.1.5", "node-1"), ("10.244.2.7", "node-2"), ("10.244.3.9", "node-3")]
NODES = ["node-1", "node-2", "node-3", "node-4"]


def service(name, version="1", cluster_ip="10.96.10.10", **spec):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "resourceVersion": version},
            "spec": {"type": "ClusterIP", "clusterIP": cluster_ip,
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080},
                               {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53}], **spec}}


def endpoints(name, pods=PODS, version="1"):
    return {"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-ep-{name}", "resourceVersion": version},
            "subsets": [{"addresses": [{"ip": ip, "nodeName": node} for ip, node in pods],
                         "ports": [{"name": "http", "port": 8080, "protocol": "TCP"},
                                   {"name": "dns", "port": 53, "protocol": "UDP"}]}]}


SERVICES = [
    service("web"),
    service("sticky", cluster_ip="10.96.10.11", sessionAffinity="ClientIP"),
    service("local", cluster_ip="10.96.10.12", type="NodePort", externalTrafficPolicy="Local",
            healthCheckNodePort=32000),
    service("internal", cluster_ip="10.96.10.13", internalTrafficPolicy="Local"),
    service("empty", cluster_ip="10.96.10.14"),
    service("headless", cluster_ip="None"),
]
ENDPOINTS = [endpoints(name) for name in ("web", "sticky", "local", "internal", "headless")] + \
    [endpoints("empty", pods=[])]


def same_rules(a, b):
    return {name: {chain: table.chains[chain].rules for chain in table.chains} for name, table in a.items()} == \
        {name: {chain: table.chains[chain].rules for chain in table.chains} for name, table in b.items()}


def test_every_node_gets_from_shared_fragments_the_tables_build_tables_writes():
    cache = RuleCache()
    for node in NODES:
        shared = cache.build(SERVICES, ENDPOINTS, node)
        reference = build_tables(SERVICES, ENDPOINTS, node)
        assert iptables_save(shared) == iptables_save(reference)
        assert same_rules(shared, reference)


def test_a_second_node_computes_only_the_local_policy_services_rules():
    cache = RuleCache()
    cache.build(SERVICES, ENDPOINTS, "node-1")
    first = cache.computed
    assert first == 10   # five proxied Services, two ports each
    cache.build(SERVICES, ENDPOINTS, "node-2")
    assert cache.computed == first + 4   # "local" and "internal" hold node-2's own endpoints
    cache.build(SERVICES, ENDPOINTS, "node-2")
    assert cache.computed == first + 4   # a sync with nothing changed computes nothing


def test_without_local_policies_every_node_shares_one_picture():
    cache = RuleCache()
    services, objects = SERVICES[:2], ENDPOINTS[:2]
    tables = [cache.build(services, objects, node) for node in NODES]
    assert cache.computed == 4
    assert all(table is tables[0] for table in tables)
    assert iptables_save(tables[0]) == iptables_save(build_tables(services, objects, "node-4"))


def test_a_changed_endpoints_object_recomputes_only_its_own_service():
    cache = RuleCache()
    cache.build(SERVICES[:2], ENDPOINTS[:2], "node-1")
    moved = endpoints("web", PODS[:1], version="7")
    tables = cache.build(SERVICES[:2], [moved, ENDPOINTS[1]], "node-1")
    assert cache.computed == 4 + 2   # web's two ports again; sticky's from the cache
    assert iptables_save(tables) == iptables_save(build_tables(SERVICES[:2], [moved, ENDPOINTS[1]], "node-1"))


def test_objects_without_a_resource_version_are_never_cached():
    cache = RuleCache()
    bare = {**SERVICES[0], "metadata": {"name": "web", "namespace": "default"}}
    first = cache.build([bare], [ENDPOINTS[0]], "node-1")
    changed = {**bare, "spec": {**bare["spec"], "clusterIP": "10.96.99.99"}}
    second = cache.build([changed], [ENDPOINTS[0]], "node-1")
    assert cache.computed == 4
    assert "10.96.99.99" in iptables_save(second) and "10.96.99.99" not in iptables_save(first)


def test_the_same_objects_again_are_the_same_tables_without_a_key_computed():
    cache = RuleCache()
    services, objects = SERVICES[:2], ENDPOINTS[:2]
    first = cache.build(list(services), list(objects), "node-1")
    cache.fragments.clear(), cache.tables.clear()   # only the identity of the objects can answer now
    assert cache.build(list(services), list(objects), "node-2") is first
    assert cache.computed == 4
    local = cache.build(SERVICES, ENDPOINTS, "node-3")   # node-local rules: never answered by identity
    assert iptables_save(local) == iptables_save(build_tables(SERVICES, ENDPOINTS, "node-3"))
    assert cache.build(SERVICES, ENDPOINTS, "node-4") is not local
