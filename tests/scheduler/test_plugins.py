"""Each default plugin on tables of cases taken from upstream's plugin tests and documentation.

Sources (kubernetes/kubernetes v1.32, pkg/scheduler/framework/plugins/...): nodeaffinity/
node_affinity_test.go (TestNodeAffinity), nodeports/node_ports_test.go (TestNodePorts),
interpodaffinity/filtering_test.go (TestRequiredAffinitySingleNode), podtopologyspread/
filtering_test.go (TestSingleConstraint), noderesources/balanced_allocation_test.go,
imagelocality/image_locality_test.go; and the "Assigning Pods to Nodes" and "Pod Topology Spread
Constraints" pages of kubernetes.io.
"""
import pytest

from kubelab.scheduler.plugins import (image_locality, inter_pod_affinity, node_affinity, node_name, node_ports,
                                       node_resources_balanced_allocation, node_resources_fit, pod_topology_spread)
from tests.scheduler.plugin_world import node, pod, run_filter, run_score, world

AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector"


def required(*terms):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def expression(key, operator, *values):
    return {"key": key, "operator": operator, **({"values": list(values)} if values else {})}


@pytest.mark.parametrize("case, incoming, labels, fits", [
    ("no selector", pod("p"), {}, True),
    ("missing labels", pod("p", node_selector={"foo": "bar"}), {}, False),
    ("same labels", pod("p", node_selector={"foo": "bar"}), {"foo": "bar"}, True),
    ("node labels are superset", pod("p", node_selector={"foo": "bar"}), {"foo": "bar", "baz": "blah"}, True),
    ("node labels are subset", pod("p", node_selector={"foo": "bar", "baz": "blah"}), {"foo": "bar"}, False),
    ("In operator that matches", pod("p", affinity=required({"matchExpressions": [
        expression("foo", "In", "bar", "value2")]})), {"foo": "bar"}, True),
    ("Gt operator that matches", pod("p", affinity=required({"matchExpressions": [
        expression("kernel-version", "Gt", "0204")]})), {"kernel-version": "0206"}, True),
    ("NotIn operator that matches", pod("p", affinity=required({"matchExpressions": [
        expression("mem-type", "NotIn", "DDR", "DDR2")]})), {"mem-type": "DDR3"}, True),
    ("Exists operator that matches", pod("p", affinity=required({"matchExpressions": [
        expression("GPU", "Exists")]})), {"GPU": "NVIDIA-GRID-K1"}, True),
    ("In operator that doesn't match", pod("p", affinity=required({"matchExpressions": [
        expression("foo", "In", "value1", "value2")]})), {"foo": "bar"}, False),
    ("Gt with a label that is not a number", pod("p", affinity=required({"matchExpressions": [
        expression("kernel-version", "Gt", "0204")]})), {"kernel-version": "6.1"}, False),
    ("DoesNotExist matches a node without the label", pod("p", affinity=required({"matchExpressions": [
        expression("foo", "DoesNotExist")]})), {}, True),
    ("empty MatchExpressions matches nothing", pod("p", affinity=required({"matchExpressions": []})),
     {"foo": "bar"}, False),
    ("terms are ORed", pod("p", affinity=required({"matchExpressions": [expression("foo", "In", "x")]},
                                                  {"matchExpressions": [expression("diffkey", "In", "wrong")]})),
     {"diffkey": "wrong"}, True),
    ("expressions in a term are ANDed", pod("p", affinity=required({"matchExpressions": [
        expression("foo", "In", "bar"), expression("GPU", "Exists")]})), {"foo": "bar"}, False),
    ("nodeSelector and affinity must both hold", pod("p", node_selector={"foo": "bar"}, affinity=required(
        {"matchExpressions": [expression("GPU", "Exists")]})), {"GPU": "yes"}, False),
    ("matchFields on metadata.name", pod("p", affinity=required({"matchFields": [
        expression("metadata.name", "In", "node-1")]})), {}, True),
])
def test_node_affinity_filter_matches_upstreams_cases(case, incoming, labels, fits):
    handle, _ = world([node("node-1", labels)])
    reasons = run_filter(node_affinity.new({}, handle), handle, incoming)
    assert reasons["node-1"] == ("" if fits else AFFINITY_MISMATCH), case


def test_node_affinity_prefers_the_node_matching_the_heavier_terms():
    # kubernetes.io "Node affinity weight": label-1 (weight 1) vs label-2 (weight 50)
    handle, _ = world([node("node-1", {"label-1": "key-1"}), node("node-2", {"label-2": "key-2"}), node("node-3")])
    incoming = pod("with-weights", affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 1, "preference": {"matchExpressions": [expression("label-1", "In", "key-1")]}},
        {"weight": 50, "preference": {"matchExpressions": [expression("label-2", "In", "key-2")]}}]}})
    assert run_score(node_affinity.new({}, handle), handle, incoming) == {"node-1": 2, "node-2": 100, "node-3": 0}


def test_scheduler_enforced_affinity_rejects_with_its_own_reason():
    handle, _ = world([node("node-1", {"pool": "a"}), node("node-2", {"pool": "b"})])
    plugin = node_affinity.new({"addedAffinity": required({"matchExpressions": [expression("pool", "In", "a")]})[
        "nodeAffinity"]}, handle)
    assert run_filter(plugin, handle, pod("p")) == {"node-1": "", "node-2": node_affinity.ERR_REASON_ENFORCED}


def test_node_name_filter():
    handle, _ = world([node("node-1"), node("node-2")])
    assert run_filter(node_name.new({}, handle), handle, pod("p", node_name="node-2")) == {
        "node-1": node_name.ERR_REASON, "node-2": ""}


def port(host_port, protocol="TCP", host_ip=""):
    return {"containerPort": host_port, "hostPort": host_port, "protocol": protocol,
            **({"hostIP": host_ip} if host_ip else {})}


@pytest.mark.parametrize("case, wanted, used, fits", [
    ("nothing running", [port(8080)], [], True),
    ("other port", [port(8080, "UDP", "127.0.0.1")], [port(9090, "UDP", "127.0.0.1")], True),
    ("same udp port", [port(8080, "UDP", "127.0.0.1")], [port(8080, "UDP", "127.0.0.1")], False),
    ("same tcp port", [port(8080, "TCP", "127.0.0.1")], [port(8080, "TCP", "127.0.0.1")], False),
    ("different host ip", [port(8080, "TCP", "127.0.0.1")], [port(8080, "TCP", "127.0.0.2")], True),
    ("different protocol", [port(8080, "UDP", "127.0.0.1")], [port(8080, "TCP", "127.0.0.1")], True),
    ("second udp port conflict", [port(8000, "UDP", "127.0.0.1"), port(8080, "UDP", "127.0.0.1")],
     [port(8001, "UDP", "127.0.0.1"), port(8080, "UDP", "127.0.0.1")], False),
    ("first tcp port conflict due to 0.0.0.0 hostIP", [port(8001, "TCP", "0.0.0.0")],
     [port(8001, "TCP", "127.0.0.1")], False),
    ("TCP hostPort conflict due to 0.0.0.0 hostIP", [port(8001, "TCP", "127.0.0.1")], [port(8001, "TCP")], False),
])
def test_node_ports_filter_matches_upstreams_cases(case, wanted, used, fits):
    handle, _ = world([node("node-1")], [pod("old", node_name="node-1", ports=used)])
    assert run_filter(node_ports.new({}, handle), handle, pod("new", ports=wanted))["node-1"] == \
        ("" if fits else node_ports.ERR_REASON), case


def zones(*spec):
    """nodes from ("node-1", "zone-a") pairs."""
    return [node(name, {"topology.kubernetes.io/zone": zone}) for name, zone in spec]


def pod_affinity(kind, labels, topology_key, hard=True, weight=100):
    term = {"labelSelector": {"matchLabels": labels}, "topologyKey": topology_key}
    if hard:
        return {kind: {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
    return {kind: {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": weight, "podAffinityTerm": term}]}}


def test_pod_affinity_requires_a_matching_pod_in_the_same_zone():
    nodes = zones(("node-1", "a"), ("node-2", "a"), ("node-3", "b"))
    handle, _ = world(nodes, [pod("cache", {"app": "cache"}, node_name="node-2")])
    web = pod("web", {"app": "web"}, affinity=pod_affinity("podAffinity", {"app": "cache"},
                                                            "topology.kubernetes.io/zone"))
    assert run_filter(inter_pod_affinity.new({}, handle), handle, web) == {
        "node-1": "", "node-2": "", "node-3": inter_pod_affinity.ERR_REASON_AFFINITY_RULES_NOT_MATCH}


def test_the_first_pod_of_a_self_affine_group_may_go_anywhere():
    handle, _ = world(zones(("node-1", "a"), ("node-2", "b")))
    first = pod("web-0", {"app": "web"}, affinity=pod_affinity("podAffinity", {"app": "web"},
                                                                "topology.kubernetes.io/zone"))
    assert run_filter(inter_pod_affinity.new({}, handle), handle, first) == {"node-1": "", "node-2": ""}
    other = pod("x", {"app": "x"}, affinity=pod_affinity("podAffinity", {"app": "web"}, "topology.kubernetes.io/zone"))
    assert set(run_filter(inter_pod_affinity.new({}, handle), handle, other).values()) == {
        inter_pod_affinity.ERR_REASON_AFFINITY_RULES_NOT_MATCH}


def test_pod_anti_affinity_keeps_replicas_on_different_nodes_both_ways():
    handle, _ = world([node("node-1"), node("node-2")],
                      [pod("web-0", {"app": "web"}, node_name="node-1",
                           affinity=pod_affinity("podAntiAffinity", {"app": "web"}, "kubernetes.io/hostname"))])
    plugin = inter_pod_affinity.new({}, handle)
    mine = pod("web-1", {"app": "web"}, affinity=pod_affinity("podAntiAffinity", {"app": "web"},
                                                               "kubernetes.io/hostname"))
    assert run_filter(plugin, handle, mine) == {
        "node-1": inter_pod_affinity.ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH, "node-2": ""}
    # a pod without any rule of its own is still kept off node-1 by web-0's rule (symmetry)
    assert run_filter(plugin, handle, pod("plain", {"app": "web"})) == {
        "node-1": inter_pod_affinity.ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH, "node-2": ""}
    assert run_filter(plugin, handle, pod("other", {"app": "db"})) == {"node-1": "", "node-2": ""}


def test_affinity_terms_look_in_the_owners_namespace_unless_told_otherwise():
    handle, _ = world([node("node-1"), node("node-2")], [pod("cache", {"app": "cache"}, namespace="infra",
                                                             node_name="node-2")],
                      namespaces=[{"metadata": {"name": "infra", "labels": {"team": "infra"}}},
                                  {"metadata": {"name": "default", "labels": {}}}])
    plugin = inter_pod_affinity.new({}, handle)
    term = {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "kubernetes.io/hostname"}
    def wanting(extra):
        return pod("web", affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {**term, **extra}]}})
    assert run_filter(plugin, handle, wanting({}))["node-2"] == inter_pod_affinity.ERR_REASON_AFFINITY_RULES_NOT_MATCH
    assert run_filter(plugin, handle, wanting({"namespaces": ["infra"]}))["node-2"] == ""
    assert run_filter(plugin, handle, wanting({"namespaceSelector": {"matchLabels": {"team": "infra"}}})) == {
        "node-1": inter_pod_affinity.ERR_REASON_AFFINITY_RULES_NOT_MATCH, "node-2": ""}
    assert run_filter(plugin, handle, wanting({"namespaceSelector": {}}))["node-2"] == ""


def test_preferred_pod_affinity_scores_the_domain_of_matching_pods():
    nodes = zones(("node-1", "a"), ("node-2", "a"), ("node-3", "b"))
    handle, _ = world(nodes, [pod("cache", {"app": "cache"}, node_name="node-1")])
    near = pod("web", affinity=pod_affinity("podAffinity", {"app": "cache"}, "topology.kubernetes.io/zone", hard=False))
    far = pod("web", affinity=pod_affinity("podAntiAffinity", {"app": "cache"}, "topology.kubernetes.io/zone",
                                           hard=False))
    plugin = inter_pod_affinity.new({}, handle)
    assert run_score(plugin, handle, near) == {"node-1": 100, "node-2": 100, "node-3": 0}
    assert run_score(plugin, handle, far) == {"node-1": 0, "node-2": 0, "node-3": 100}


SPREAD = {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
          "labelSelector": {"matchLabels": {"foo": "bar"}}}


def test_topology_spread_sends_the_pod_to_the_zone_with_fewer_matching_pods():
    # kubernetes.io "Pod Topology Spread Constraints", example: one constraint, 4 nodes in 2 zones, 3 pods
    nodes = zones(("node1", "zoneA"), ("node2", "zoneA"), ("node3", "zoneB"), ("node4", "zoneB"))
    placed = [pod("p1", {"foo": "bar"}, node_name="node1"), pod("p2", {"foo": "bar"}, node_name="node2"),
              pod("p3", {"foo": "bar"}, node_name="node3")]
    handle, _ = world(nodes, placed)
    reasons = run_filter(pod_topology_spread.new({}, handle), handle, pod("mypod", {"foo": "bar"}, spread=[SPREAD]))
    assert reasons == {"node1": pod_topology_spread.ERR_REASON_CONSTRAINTS_NOT_MATCH,
                       "node2": pod_topology_spread.ERR_REASON_CONSTRAINTS_NOT_MATCH, "node3": "", "node4": ""}


def test_topology_spread_rejects_nodes_missing_the_key_and_counts_min_domains():
    nodes = zones(("node1", "zoneA"), ("node2", "zoneB")) + [node("node3")]
    handle, _ = world(nodes, [pod("p1", {"foo": "bar"}, node_name="node1")])
    plugin = pod_topology_spread.new({}, handle)
    assert run_filter(plugin, handle, pod("mypod", {"foo": "bar"}, spread=[SPREAD]))["node3"] == \
        pod_topology_spread.ERR_REASON_NODE_LABEL_NOT_MATCH
    # minDomains 3 with only 2 zones: the global minimum counts as 0, so zoneB (0 pods) is fine, zoneA too
    # as long as skew <= maxSkew: zoneA has 1 + 1 - 0 = 2 > 1
    reasons = run_filter(plugin, handle, pod("mypod", {"foo": "bar"}, spread=[{**SPREAD, "minDomains": 3}]))
    assert reasons["node1"] == pod_topology_spread.ERR_REASON_CONSTRAINTS_NOT_MATCH and reasons["node2"] == ""


def test_system_default_spreading_applies_to_pods_a_service_selects():
    handle, _ = world([node("node-1"), node("node-2")], [pod("web-0", {"app": "web"}, node_name="node-1")],
                      services=[{"metadata": {"name": "web", "namespace": "default"},
                                 "spec": {"selector": {"app": "web"}}}])
    plugin = pod_topology_spread.new({}, handle)
    assert run_score(plugin, handle, pod("web-1", {"app": "web"})) == {"node-1": 66, "node-2": 100}
    assert run_score(plugin, handle, pod("lonely", {"app": "other"})) == {"node-1": 0, "node-2": 0}  # skipped


def test_balanced_allocation_prefers_the_node_left_in_proportion():
    # balanced_allocation_test.go: 4000m/10000 node; a 3000m/5000 pod there leaves 0.75/0.5 -> (1 - 0.125) = 87
    handle, _ = world([node("machine1", cpu="4", memory="10000"), node("machine2", cpu="6", memory="10000")],
                      [pod("busy", node_name="machine1", cpu="1", memory="2000")])
    incoming = pod("p", cpu="2", memory="3000")
    assert run_score(node_resources_balanced_allocation.new({}, handle), handle, incoming) == {
        "machine1": 87, "machine2": 98}  # 0.75 cpu / 0.5 memory -> 87; 0.333 / 0.3 -> 98
    assert node_resources_balanced_allocation.balanced_resource_score([3000, 5000], [4000, 10000]) == 87


def test_fit_strategies_score_as_upstream():
    info_handle, _ = world([node("n", cpu="4", memory="8Gi")])
    info = info_handle.snapshot().node_info_list[0]
    incoming = pod("p", cpu="1", memory="2Gi")
    least = node_resources_fit.new({}, info_handle)
    most = node_resources_fit.new({"scoringStrategy": {"type": "MostAllocated"}}, info_handle)
    ratio = node_resources_fit.new({"scoringStrategy": {"type": "RequestedToCapacityRatio", "requestedToCapacityRatio":
                                                        {"shape": [{"utilization": 0, "score": 10},
                                                                   {"utilization": 100, "score": 0}]}}}, info_handle)
    scores = [plugin.score({}, incoming, info) for plugin in (least, most, ratio)]
    assert scores == [75, 25, 75]


def test_extended_resources_are_filtered_by_name():
    handle, _ = world([node("gpu-node"), node("plain")])
    handle.snapshot().by_name["gpu-node"].allocatable.scalar["nvidia.com/gpu"] = 2
    incoming = pod("trainer", containers=[{"name": "c", "image": "cuda",
                                           "resources": {"requests": {"nvidia.com/gpu": "1"}}}])
    assert run_filter(node_resources_fit.new({}, handle), handle, incoming) == {
        "gpu-node": "", "plain": "Insufficient nvidia.com/gpu"}


def test_image_locality_prefers_nodes_holding_big_images_spelled_as_the_node_reports_them():
    mb = 1024 * 1024
    handle, _ = world([node("machine1", images=[("gcr.io/40:latest", 40 * mb), ("gcr.io/300:latest", 300 * mb)]),
                       node("machine2", images=[("gcr.io/250:latest", 250 * mb)])])
    incoming = pod("p", containers=[{"name": "a", "image": "gcr.io/40"}, {"name": "b", "image": "gcr.io/250"}])
    # image_locality_test.go "two images spread on two nodes, prefer the larger image one":
    # machine1: 40MB * 1/2 = 20MB -> below the 23MB threshold -> 0; machine2: 250MB * 1/2 = 125MB -> 5
    assert run_score(image_locality.new({}, handle), handle, incoming) == {"machine1": 0, "machine2": 5}
    assert image_locality.normalized_image_name("nginx") == "nginx:latest"
