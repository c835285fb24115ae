"""Story (a hostile tester's): the kubelet's status tick that skips "when nothing changed" still
answers a Node whose status someone else rewrote, a new image, and the 5-minute report.

kubelet.update_node_status returns early when the tick's inputs (the Node's resourceVersion,
the machine, the images) equal those of the last tick that had nothing to send. Each change
below alters one input, and the kubelet's very next tick (10 s) must put its status back.
"""
from kubelab import Cluster
from kubelab.objects import conditions


def ready_of(cluster: Cluster, node: str) -> dict:
    return conditions.get(cluster.get("nodes", node), "Ready")


def test_a_ready_condition_rewritten_by_someone_else_is_put_back_at_the_next_tick():
    cluster = Cluster(nodes=1, seed=0)
    cluster.settle()
    cluster.run(60)   # a few ticks with nothing to send: the kubelet remembers their inputs
    node = cluster.client.get("nodes", "node-1")
    node["status"]["conditions"] = [dict(c, status="Unknown", reason="NodeStatusUnknown")
                                    if c["type"] == "Ready" else c for c in node["status"]["conditions"]]
    cluster.client.update_status("nodes", node)
    assert ready_of(cluster, "node-1")["status"] == "Unknown"
    cluster.run(11)
    assert ready_of(cluster, "node-1")["status"] == "True"


def test_a_pulled_image_reaches_the_node_status_and_the_heartbeat_is_sent_every_five_minutes():
    cluster = Cluster(nodes=1, seed=0)
    cluster.settle()
    cluster.run(60)
    before = cluster.get("nodes", "node-1")
    images = {name for image in before["status"].get("images") or [] for name in image["names"]}
    assert not any("redis" in name for name in images)
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "cache", "namespace": "default"},
                   "spec": {"containers": [{"name": "redis", "image": "redis:7"}]}})
    cluster.settle()
    cluster.run(11)
    after = cluster.get("nodes", "node-1")
    assert any("redis" in name for image in after["status"]["images"] for name in image["names"])
    heartbeat = ready_of(cluster, "node-1")["lastHeartbeatTime"]
    cluster.run(301)
    assert ready_of(cluster, "node-1")["lastHeartbeatTime"] != heartbeat   # nodeStatusReportFrequency
