"""`kubectl drain`: cordon, then evict every pod, waiting (on virtual time) while a budget says no."""
import pytest

from kubelab import Cluster

WEB = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
"""


def lone_pod(name="lone", **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "nginx"}], **spec}}


@pytest.fixture
def cluster():
    """Three web pods, all on node-1 (node-2 was cordoned while they were placed), and a budget of 2."""
    cluster = Cluster(nodes=2, seed=3)
    cluster.kubectl("cordon node-2")
    cluster.apply(WEB)
    cluster.settle()
    cluster.kubectl("uncordon node-2")
    return cluster


def pods_on(cluster, node):
    return sorted(p["metadata"]["name"] for p in cluster.list("pods") if p["spec"].get("nodeName") == node)


def test_drain_waits_while_the_budget_blocks_and_finishes_once_replacements_are_ready(cluster):
    first, second, third = pods_on(cluster, "node-1")
    start = cluster.clock.now()
    printed = cluster.kubectl("drain node-1")
    lines = printed.splitlines()
    assert lines[0] == "node/node-1 cordoned"
    assert lines[1:4] == [f"evicting pod default/{first}", f"evicting pod default/{second}",
                          f'error when evicting pods/"{second}" -n "default" (will retry after 5s): '
                          "Cannot evict pod as it would violate the pod's disruption budget."]
    for name in (first, second, third):
        assert f"pod/{name} evicted" in lines
    assert lines[-1] == "node/node-1 drained"
    assert cluster.clock.now() - start >= 5          # it waited at least one retry
    assert pods_on(cluster, "node-1") == [] and len(pods_on(cluster, "node-2")) == 3
    budget = cluster.get("poddisruptionbudgets", "web")
    assert budget["status"]["currentHealthy"] >= 2


def test_drain_gives_up_at_its_timeout_and_names_the_pending_pods(cluster):
    cluster.kubectl("scale deployment web --replicas=2")
    cluster.settle()
    cluster.kubectl("cordon node-2")   # no room for a replacement: the budget can never be met
    remaining = pods_on(cluster, "node-1")
    printed = cluster.kubectl("drain node-1 --timeout=12s")
    assert printed.endswith(
        f'There are pending pods in node "node-1" when an error occurred: [error when evicting pods/"{remaining[0]}" '
        f'-n "default": global timeout reached: 12s, error when evicting pods/"{remaining[1]}" -n "default": global '
        f'timeout reached: 12s]\n' + "".join(f"pod/{name}\n" for name in remaining) +
        f'error: unable to drain node "node-1" due to error: [error when evicting pods/"{remaining[0]}" -n "default": '
        f'global timeout reached: 12s, error when evicting pods/"{remaining[1]}" -n "default": global timeout '
        f'reached: 12s], continuing command...\nThere are pending nodes to be drained:\n node-1\n'
        f'error when evicting pods/"{remaining[0]}" -n "default": global timeout reached: 12s\n'
        f'error when evicting pods/"{remaining[1]}" -n "default": global timeout reached: 12s')


def test_drain_refuses_unmanaged_pods_and_local_data_as_kubectl_1_32_words_it(cluster):
    cluster.client.create("pods", lone_pod(volumes=[{"name": "scratch", "emptyDir": {}}]))
    cluster.settle()
    assert cluster.kubectl("drain node-1") == (
        'node/node-1 cordoned\n'
        'error: unable to drain node "node-1" due to error: cannot delete Pods with local storage (use '
        '--delete-emptydir-data to override): default/lone, continuing command...\n'
        'There are pending nodes to be drained:\n node-1\n'
        'cannot delete Pods with local storage (use --delete-emptydir-data to override): default/lone')
    assert cluster.kubectl("drain node-1 --delete-emptydir-data").splitlines()[-1] == \
        "cannot delete cannot delete Pods that declare no controller (use --force to override): default/lone"
    assert len(pods_on(cluster, "node-1")) == 4           # a refusal touches no pod
    printed = cluster.kubectl("drain node-1 --delete-emptydir-data --force --grace-period=0")
    assert "Warning: deleting Pods that declare no controller: default/lone\n" in printed
    assert "pod/lone evicted" in printed and printed.endswith("node/node-1 drained")


def test_daemonset_pods_are_refused_unless_ignored(cluster):
    cluster.apply({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
                   "spec": {"selector": {"matchLabels": {"app": "agent"}},
                            "template": {"metadata": {"labels": {"app": "agent"}},
                                         "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    cluster.settle()
    [agent] = [name for name in pods_on(cluster, "node-1") if name.startswith("agent-")]
    assert cluster.kubectl("drain node-1").splitlines()[-1] == \
        f"cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/{agent}"
    printed = cluster.kubectl("drain node-1 --ignore-daemonsets")
    assert f"Warning: ignoring DaemonSet-managed Pods: default/{agent}\n" in printed
    assert printed.endswith("node/node-1 drained") and pods_on(cluster, "node-1") == [agent]


def test_disable_eviction_deletes_without_asking_the_budget(cluster):
    printed = cluster.kubectl("drain node-1 --disable-eviction")
    assert "Cannot evict" not in printed and printed.count("deleting pod default/") == 3
    assert printed.endswith("node/node-1 drained")


def test_pod_selector_drains_only_the_pods_it_picks(cluster):
    cluster.client.create("pods", lone_pod())
    cluster.settle()
    printed = cluster.kubectl("drain node-1 --pod-selector app!=web")
    assert printed == "node/node-1 cordoned\n" + \
        "error: unable to drain node \"node-1\" due to error: cannot delete cannot delete Pods that declare no " \
        "controller (use --force to override): default/lone, continuing command...\n" \
        "There are pending nodes to be drained:\n node-1\n" \
        "cannot delete cannot delete Pods that declare no controller (use --force to override): default/lone"
    assert cluster.kubectl("drain node-1 --pod-selector app!=web --force").endswith("node/node-1 drained")
    assert len(pods_on(cluster, "node-1")) == 3


def test_describe_a_budget_and_a_slice_as_kubectl_1_32_does(cluster):
    described = cluster.kubectl("describe pdb web")
    assert described.startswith("Name:           web\nNamespace:      default\nMin available:  2\n"
                                "Selector:       app=web\nStatus:\n    Allowed disruptions:  1\n"
                                "    Current:              3\n    Desired:              2\n"
                                "    Total:                3\n")
    cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                   "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    cluster.settle()
    described = cluster.kubectl("describe endpointslices")
    assert "AddressType:  IPv4\n" in described and described.count("- Addresses:  10.244.1.") == 3
    assert "NodeName:   node-1\n" in described
