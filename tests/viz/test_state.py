"""Stories about pictures of live state: where pods run, who owns them, how traffic finds them."""
import random
import re
from types import SimpleNamespace

import pytest

from kubelab.viz import cluster_state, draw, ownership, pod_status, service_routing

_ID = r'("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*)'
_EDGE = re.compile(rf"^\s*{_ID} -> {_ID}(.*)$", re.M)


def arrows(source):
    """(tail, head, attributes) of every visible edge in DOT text."""
    return [(tail.strip('"'), head.strip('"'), attrs)
            for tail, head, attrs in _EDGE.findall(source) if "invis" not in attrs]


def members(source, cluster):
    """Ids of the nodes declared inside `subgraph "cluster_<cluster>"`."""
    inside, depth, found = [], 0, []
    for line in source.splitlines():
        stripped = line.strip()
        if depth == 0 and re.match(rf'subgraph "?cluster_{re.escape(cluster)}"? {{', stripped):
            depth = 1
            continue
        if depth:
            depth += stripped.count("{") - stripped.count("}")
            match = re.match(rf"^{_ID}(?: \[|$)", stripped)
            if depth and match and " -> " not in stripped:
                found.append(match.group(1).strip('"'))
    return found


# --- objects, as the API server would return them --------------------------------------

def node(name, ready="True"):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"conditions": [{"type": "Ready", "status": ready}],
                       "addresses": [{"type": "InternalIP", "address": "10.0.0.2"}]}}


def pod(name, node_name=None, phase="Running", ip=None, owner=None, labels=None, **status):
    metadata = {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": labels or {}}
    if owner:
        kind, owner_name = owner
        metadata["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": kind, "name": owner_name,
                                        "uid": f"uid-{owner_name}", "controller": True}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"nodeName": node_name} if node_name else {},
            "status": {"phase": phase, **({"podIP": ip} if ip else {}),
                       "conditions": [{"type": "Ready", "status": "True"}] if phase == "Running" else [],
                       **status}}


def replicaset(name, deployment, replicas=2):
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}",
                         "annotations": {"deployment.kubernetes.io/revision": "1"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment,
                                              "uid": f"uid-{deployment}", "controller": True}]},
            "spec": {"replicas": replicas}, "status": {"readyReplicas": replicas}}


def deployment(name, replicas=2):
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
            "spec": {"replicas": replicas}, "status": {"readyReplicas": replicas}}


NODES = [node("node-1"), node("node-2")]
PODS = [pod("web-a", "node-1", ip="10.244.1.2", owner=("ReplicaSet", "web-7c5d"), labels={"app": "web"}),
        pod("web-b", "node-2", ip="10.244.2.2", owner=("ReplicaSet", "web-7c5d"), labels={"app": "web"}),
        pod("web-c", phase="Pending", owner=("ReplicaSet", "web-7c5d"), labels={"app": "web"})]


# --- cluster_state -----------------------------------------------------------------------

def test_the_same_state_gives_identical_dot_whatever_the_order():
    shuffled_nodes, shuffled_pods = NODES[::-1], PODS[:]
    random.Random(0).shuffle(shuffled_pods)
    assert cluster_state(NODES, PODS).source == cluster_state(shuffled_nodes, shuffled_pods).source
    assert ownership([deployment("web")], [replicaset("web-7c5d", "web")], PODS).source == \
        ownership([deployment("web")], [replicaset("web-7c5d", "web")], shuffled_pods).source


def test_a_pod_appears_inside_the_node_it_is_bound_to():
    source = cluster_state(NODES, PODS).source
    assert members(source, "node/node-1") == ["Pod/default/web-a"]
    assert members(source, "node/node-2") == ["Pod/default/web-b"]
    assert "10.244.1.2" in source  # pods show their IP


def test_unscheduled_pods_wait_in_the_pending_box():
    source = cluster_state(NODES, PODS).source
    assert members(source, "pending") == ["Pod/default/web-c"]
    assert "Pending (unscheduled)" in source
    assert "1 unscheduled" in repr(cluster_state(NODES, PODS))


def test_a_node_without_pods_still_shows_as_an_empty_box():
    source = cluster_state(NODES + [node("node-3")], PODS).source
    assert members(source, "node/node-3") == ["node/node-3/empty"]


def test_pods_on_a_deleted_node_keep_a_box_of_their_own():
    source = cluster_state([node("node-1")], PODS).source
    assert members(source, "node/node-2") == ["Pod/default/web-b"]
    assert "no Node object" in source


def test_a_node_that_is_not_ready_says_so():
    source = cluster_state([node("node-1", ready="Unknown")], []).source
    assert "NotReady" in source


@pytest.mark.parametrize("changes, status, colour", [
    ({"phase": "Pending"}, "Pending", "#fff2a8"),
    ({"phase": "Pending", "containerStatuses": [{"name": "c", "state": {"waiting": {"reason": "ContainerCreating"}}}]},
     "ContainerCreating", "#cfe6ff"),
    ({"phase": "Running"}, "Running", "#c5ecb5"),
    ({"phase": "Running", "containerStatuses": [{"name": "c", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]},
     "CrashLoopBackOff", "#f6b8b8"),
    ({"phase": "Failed"}, "Failed", "#f6b8b8"),
])
def test_a_pod_is_coloured_by_the_status_kubectl_would_print(changes, status, colour):
    subject = pod("p", "node-1", **{key: value for key, value in changes.items() if key != "phase"},
                  phase=changes["phase"])
    assert pod_status(subject) == status
    assert re.search(rf'"Pod/default/p" \[.*fillcolor="{colour}"', cluster_state(NODES, [subject]).source)


def test_a_terminating_pod_is_grey():
    subject = pod("p", "node-1")
    subject["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:30Z"
    assert pod_status(subject) == "Terminating"
    assert 'fillcolor="#dcdcdc"' in cluster_state(NODES, [subject]).source


def test_the_legend_names_every_colour():
    source = cluster_state(NODES, PODS).source
    for entry in ("Pending", "ContainerCreating", "Running", "Succeeded", "Failed / CrashLoopBackOff", "Terminating"):
        assert entry in source


# --- ownership ---------------------------------------------------------------------------

def test_ownership_arrows_follow_owner_references():
    diagram = ownership([deployment("web")], [replicaset("web-7c5d", "web")], PODS)
    assert sorted((tail, head) for tail, head, _ in arrows(diagram.source)) == [
        ("Deployment/default/web", "ReplicaSet/default/web-7c5d"),
        ("ReplicaSet/default/web-7c5d", "Pod/default/web-a"),
        ("ReplicaSet/default/web-7c5d", "Pod/default/web-b"),
        ("ReplicaSet/default/web-7c5d", "Pod/default/web-c"),
    ]
    assert "0 missing owner(s)" in repr(diagram)


def test_a_pod_whose_owner_is_gone_points_at_a_dashed_ghost():
    orphan = pod("old-x", "node-1", owner=("ReplicaSet", "web-5d9f"))
    source = ownership([deployment("web")], [replicaset("web-7c5d", "web")], [orphan]).source
    assert [(tail, head) for tail, head, _ in arrows(source)][-1] == (
        "missing/ReplicaSet/default/web-5d9f/uid-web-5d9f", "Pod/default/old-x")
    assert "gone" in source


def test_an_owner_recreated_with_a_new_uid_is_not_the_owner():
    stale = replicaset("web-7c5d", "web")
    stale["metadata"]["uid"] = "uid-new"
    source = ownership([], [stale], [PODS[0]]).source
    assert ("ReplicaSet/default/web-7c5d", "Pod/default/web-a") not in [(t, h) for t, h, _ in arrows(source)]


def test_a_pod_without_owner_is_still_drawn():
    source = ownership([], [], [pod("lonely", "node-1")]).source
    assert '"Pod/default/lonely"' in source and not arrows(source)


# --- service_routing ---------------------------------------------------------------------

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"clusterIP": "10.96.0.12", "selector": {"app": "web"},
                    "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}}
ENDPOINTS = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "default"},
             "subsets": [{"addresses": [{"ip": "10.244.2.2"}, {"ip": "10.244.1.2"}],
                          "ports": [{"port": 8080, "protocol": "TCP"}]}]}


def test_a_service_routes_through_its_endpoints_to_pods_by_ip():
    diagram = service_routing([SERVICE], [ENDPOINTS], PODS)
    assert sorted((tail, head) for tail, head, _ in arrows(diagram.source)) == [
        ("Endpoints/default/web", "Pod/default/web-a"),
        ("Endpoints/default/web", "Pod/default/web-b"),
        ("Service/default/web", "Endpoints/default/web"),
    ]
    assert "10.96.0.12:80 → 8080/TCP" in diagram.source
    assert "2 ready address(es)" in repr(diagram)


def test_a_not_ready_address_is_a_dashed_route_and_a_stray_ip_is_named():
    endpoints = {**ENDPOINTS, "subsets": [{"addresses": [{"ip": "10.0.0.1"}],
                                           "notReadyAddresses": [{"ip": "10.244.1.2"}],
                                           "ports": [{"port": 8080}]}]}
    routes = {head: attrs for _, head, attrs in arrows(service_routing([SERVICE], [endpoints], PODS).source)}
    assert "dashed" in routes["Pod/default/web-a"]
    assert "ip/10.0.0.1" in routes


# --- draw: the one-liner ---------------------------------------------------------------------

def test_draw_lists_from_the_api_server_across_namespaces(client):
    client.create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}})
    container = [{"name": "web", "image": "nginx"}]
    client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bound"},
                           "spec": {"nodeName": "node-1", "containers": container}})
    client.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "waiting", "namespace": "kube-system"},
                           "spec": {"containers": container}})
    cluster = SimpleNamespace(client=client)
    source = draw(cluster).source
    assert members(source, "node/node-1") == ["Pod/default/bound"]
    assert members(source, "pending") == ["Pod/kube-system/waiting"]
    assert draw(cluster, "ownership").source.count('"Pod/') == 2
    assert '"Service/default/kubernetes"' in draw(cluster, "services").source  # made by the API server
    assert '"node-1/kubelet"' in draw(cluster, "architecture").source
    with pytest.raises(ValueError, match="ownership"):
        draw(cluster, "everything")
