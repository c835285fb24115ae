"""Stories: a kubelet's credentials reach only its own node's pods' things (Node authorizer + NodeRestriction).

Stolen from node-1, a kubelet's token used to read every Secret in the cluster, create any
pod and label its Node to attract dedicated workloads. Now, as upstream: it reads the
Secrets, ConfigMaps and claims of pods bound to node-1 (the graph), mints tokens only for
those pods, touches only its own Node, Lease and pod statuses, creates only mirror pods, and
may not set node-restriction.kubernetes.io/ labels or other kubernetes.io labels of its own.
"""
import pytest

from kubelab.client import ApiError


def pod(name: str, node: str, secret: str = "", configmap: str = "", claim: str = "", account: str = "") -> dict:
    volumes = []
    if secret:
        volumes.append({"name": "s", "secret": {"secretName": secret}})
    if configmap:
        volumes.append({"name": "c", "configMap": {"name": configmap}})
    if claim:
        volumes.append({"name": "p", "persistentVolumeClaim": {"claimName": claim}})
    spec = {"nodeName": node, "containers": [{"name": "app", "image": "nginx"}], "volumes": volumes}
    if account:
        spec["serviceAccountName"] = account
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def obj(kind: str, name: str, **fields) -> dict:
    return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": "default"}, **fields}


@pytest.fixture
def nodes(plane):
    """Two registered kubelets, node-1 and node-2, each a client with its node's credentials."""
    kubelets = {}
    for name in ("node-1", "node-2"):
        kubelets[name] = plane.as_token(plane.credentials.node(name), f"kubelet/{name}")
        kubelets[name].create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
    for name in ("db", "other", "unused"):
        plane.admin.create("secrets", obj("Secret", name, stringData={"password": name}))
        plane.admin.create("configmaps", obj("ConfigMap", name, data={"k": name}))
    plane.admin.create("serviceaccounts", obj("ServiceAccount", "app"))
    return kubelets


def refused(call) -> ApiError:
    with pytest.raises(ApiError) as error:
        call()
    assert error.value.code == 403
    return error.value


def test_a_kubelet_reads_only_the_secrets_and_configmaps_of_pods_bound_to_it(plane, nodes):
    node_1 = nodes["node-1"]
    plane.admin.create("pods", pod("web", "node-1", secret="db", configmap="db"))
    plane.admin.create("pods", pod("elsewhere", "node-2", secret="other", configmap="other"))
    assert node_1.get("secrets", "db", "default")["metadata"]["name"] == "db"
    assert node_1.get("configmaps", "db", "default")["data"] == {"k": "db"}
    error = refused(lambda: node_1.get("secrets", "other", "default"))
    assert error.message == ('secrets "other" is forbidden: User "system:node:node-1" cannot get resource "secrets" '
                             'in API group "" in the namespace "default": no relationship found between node '
                             "'node-1' and this object")
    refused(lambda: node_1.get("secrets", "unused", "default"))
    refused(lambda: node_1.get("configmaps", "other", "default"))
    refused(lambda: node_1.list("secrets", "default"))          # no name: nothing to follow
    refused(lambda: node_1.list("secrets"))
    assert nodes["node-2"].get("secrets", "other", "default")
    plane.admin.delete("pods", "web", "default", grace_period_seconds=0)
    refused(lambda: node_1.get("secrets", "db", "default"))     # the pod went, and its edges with it


def test_a_kubelet_gets_claims_of_its_pods_and_tokens_only_bound_to_them(plane, nodes):
    node_1 = nodes["node-1"]
    mine = plane.admin.create("pods", pod("web", "node-1", claim="data", account="app"))
    theirs = plane.admin.create("pods", pod("elsewhere", "node-2", account="app"))
    with pytest.raises(ApiError) as missing:   # reachable, so the question gets to the store: not there
        node_1.get("persistentvolumeclaims", "data", "default")
    assert missing.value.code in (404, 403)
    refused(lambda: node_1.get("persistentvolumeclaims", "other", "default"))

    def token(bound: dict | None, account: str = "app") -> dict:
        spec = {"boundObjectRef": bound} if bound else {}
        return node_1.create("serviceaccounts", {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                                                 "spec": spec}, "default", name=account, subresource="token")

    bound = {"apiVersion": "v1", "kind": "Pod", "name": "web", "uid": mine["metadata"]["uid"]}
    assert token(bound)["status"]["token"]
    assert refused(lambda: token(None)).message.endswith("node requested token not bound to a pod")
    other = {"apiVersion": "v1", "kind": "Pod", "name": "elsewhere", "uid": theirs["metadata"]["uid"]}
    assert refused(lambda: token(other)).message.endswith(
        "node requested token bound to a pod scheduled on a different node")
    assert "no relationship found" in refused(lambda: token(bound, account="default")).message


def test_a_kubelet_keeps_to_its_own_lease_node_and_pod_statuses(plane, nodes):
    node_1 = nodes["node-1"]
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": {"name": "node-1", "namespace": "kube-node-lease"}, "spec": {"holderIdentity": "node-1"}}
    node_1.create("leases", lease, "kube-node-lease")
    stolen = {**lease, "metadata": {"name": "node-2", "namespace": "kube-node-lease"}}
    assert refused(lambda: node_1.create("leases", stolen, "kube-node-lease")).message.endswith(
        "can only access node lease with the same name as the requesting node")
    refused(lambda: node_1.create("leases", {**lease, "metadata": {"name": "node-1", "namespace": "default"}},
                                  "default"))
    plane.admin.create("pods", pod("web", "node-1"))
    plane.admin.create("pods", pod("elsewhere", "node-2"))
    node_1.patch("pods", "web", {"status": {"phase": "Running"}}, "default", subresource="status")
    assert refused(lambda: node_1.patch("pods", "elsewhere", {"status": {"phase": "Failed"}}, "default",
                                        subresource="status")).message.endswith(
        'node "node-1" can only update pod status for pods with spec.nodeName set to itself')
    assert refused(lambda: node_1.delete("pods", "elsewhere", "default")).message.endswith(
        'node "node-1" can only delete pods with spec.nodeName set to itself')
    assert plane.admin.get("pods", "elsewhere", "default")["status"].get("phase") != "Failed"


def test_a_kubelet_creates_only_mirror_pods_bound_to_itself(plane, nodes):
    node_1 = nodes["node-1"]
    error = refused(lambda: node_1.create("pods", pod("sneaky", "node-2")))
    assert error.message == ('pods "sneaky" is forbidden: pod does not have "kubernetes.io/config.mirror" '
                             'annotation, node "node-1" can only create mirror pods')
    node_uid = plane.admin.get("nodes", "node-1")["metadata"]["uid"]
    mirror = pod("static-web", "node-1")
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "hash"}
    mirror["metadata"]["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": "node-1", "uid": node_uid,
                                              "controller": True}]
    assert node_1.create("pods", mirror)["spec"]["nodeName"] == "node-1"
    elsewhere = {**mirror, "metadata": {**mirror["metadata"], "name": "static-elsewhere"},
                 "spec": {**mirror["spec"], "nodeName": "node-2"}}
    assert refused(lambda: node_1.create("pods", elsewhere)).message.endswith(
        'node "node-1" can only create pods with spec.nodeName set to itself')
    with_secret = {**mirror, "metadata": {**mirror["metadata"], "name": "static-secret"},
                   "spec": {**mirror["spec"], "volumes": [{"name": "s", "secret": {"secretName": "db"}}]}}
    assert refused(lambda: node_1.create("pods", with_secret)).message.endswith(
        'node "node-1" can not create pods that reference secrets')


def test_a_kubelet_may_not_label_its_node_to_attract_dedicated_workloads(plane, nodes):
    node_1 = nodes["node-1"]
    node_1.patch("nodes", "node-1", {"metadata": {"labels": {"team": "web", "node.kubernetes.io/exclude-from": "x",
                                                             "kubernetes.io/hostname": "node-1"}}})
    error = refused(lambda: node_1.patch("nodes", "node-1", {"metadata": {"labels": {
        "node-restriction.kubernetes.io/dedicated": "payments", "kubernetes.io/role": "master"}}}))
    assert error.message == ('nodes "node-1" is forbidden: is not allowed to modify labels: '
                             'kubernetes.io/role, node-restriction.kubernetes.io/dedicated')
    plane.admin.patch("nodes", "node-1", {"metadata": {"labels": {"node-restriction.kubernetes.io/pool": "a"}}})
    refused(lambda: node_1.patch("nodes", "node-1", {"metadata": {"labels": {
        "node-restriction.kubernetes.io/pool": None}}}))                    # nor remove one
    assert refused(lambda: node_1.patch("nodes", "node-1", {"spec": {"taints": [
        {"key": "dedicated", "value": "payments", "effect": "NoSchedule"}]}})).message.endswith(
        'node "node-1" is not allowed to modify taints')
    kubelet_3 = plane.as_token(plane.credentials.node("node-3"), "kubelet/node-3")
    error = refused(lambda: kubelet_3.create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": "node-3", "labels": {"node-restriction.kubernetes.io/dedicated": "payments"}}}))
    assert error.message == ('nodes "node-3" is forbidden: node "node-3" is not allowed to set the following '
                             'labels: node-restriction.kubernetes.io/dedicated')
    assert plane.admin.get("nodes", "node-1")["metadata"]["labels"]["node-restriction.kubernetes.io/pool"] == "a"


def test_after_its_store_watch_ends_the_graph_lists_again(plane, nodes):
    graph = plane.apiserver.chain.authorizer.authorizers[0].graph
    plane.admin.create("pods", pod("web", "node-1", secret="db"))
    assert nodes["node-1"].get("secrets", "db", "default")
    for watcher in graph._watchers:   # as when the store restarts: the watch is cancelled under us
        watcher.cancel()
    graph._on_change(type("Response", (), {"canceled": True, "events": []})())
    plane.admin.create("pods", pod("late", "node-1", secret="other"))
    assert nodes["node-1"].get("secrets", "other", "default")   # seen through a fresh list


def test_a_pod_deleted_and_made_again_elsewhere_between_two_reads_moves_its_edges(plane, nodes):
    """The graph skips a pod version it has drawn (same key, same create revision: only its
    status changed); a pod made again under the same name is a new creation, drawn again."""
    node_1, node_2 = nodes["node-1"], nodes["node-2"]
    plane.admin.create("pods", pod("web", "node-1", secret="db"))
    assert node_1.get("secrets", "db", "default")["metadata"]["name"] == "db"   # drawn: web -> node-1
    for phase in ("Pending", "Running"):   # status writes: new versions, the same pod
        current = plane.admin.get("pods", "web", "default")
        current["status"]["phase"] = phase
        node_1.update_status("pods", current, "default")
    assert node_1.get("secrets", "db", "default")["metadata"]["name"] == "db"
    plane.admin.delete("pods", "web", "default", grace_period_seconds=0)
    plane.admin.create("pods", pod("web", "node-2", secret="db"))   # the same key, made again
    refused(lambda: node_1.get("secrets", "db", "default"))
    assert node_2.get("secrets", "db", "default")["metadata"]["name"] == "db"
