"""Stories about what starting a cluster costs per node (issue 13: `Cluster(nodes=5000)` in
seconds) without a write less: each node's writes, and the work its components share."""
from collections import Counter

from kubelab import Cluster
from kubelab.proxy.rules import build_tables, iptables_save


def test_every_node_still_makes_its_eight_writes_at_start():
    cluster = Cluster(nodes=5)
    writes = Counter((entry.verb, entry.resource) for entry in cluster.apiserver.trace
                     if entry.resource in ("nodes", "leases") or
                     (entry.resource == "events" and entry.user.startswith("system:node:")))
    # its Node, its Lease, the node IPAM controller's podCIDR, and the kubelet's five events
    assert writes == {("create", "nodes"): 5, ("create", "leases"): 5, ("update", "nodes"): 5,
                      ("create", "events"): 25}


def test_the_kube_proxies_compute_the_cluster_ip_rules_once_and_each_node_still_syncs_its_own():
    cluster = Cluster(nodes=5)
    proxies = list(cluster.proxies.values())
    assert all(proxy.sync_count == 2 for proxy in proxies)   # listed, then the kube-dns Endpoints
    # kubernetes:https and kube-dns's three ports, then kube-dns's three again for its Endpoints:
    # once for the cluster, not once per node
    assert cluster.rule_cache.computed == 7
    reference = iptables_save(build_tables(proxies[0].services.list(), proxies[0].endpoints.list(), "node-3"))
    assert all(proxy.iptables_save() == reference for proxy in proxies)


def test_the_kubelets_read_their_nodes_from_their_listers_in_an_idle_minute():
    cluster = Cluster(nodes=3)
    reads = Counter()
    handle = cluster.apiserver.handle

    def counting(request, *args, **kwargs):
        reads[(request.verb, request.resource)] += 1
        return handle(request, *args, **kwargs)
    cluster.apiserver.handle = counting
    cluster.run(60)
    assert reads[("get", "nodes")] == 0                 # no Node GETs: the nodeLister
    assert reads[("update", "leases")] == 3 * 6         # the heartbeat: a Lease renewal every 10 s
