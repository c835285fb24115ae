"""The explanation of a decision, and "what if" replays that leave the cluster untouched."""
from kubelab import viz
from kubelab.scheduler.explain import explain, format_explanation, what_if


def test_the_explanation_names_the_filter_that_rejected_each_node_and_every_score(world, clock):
    world.node("node-1", cpu="1")
    world.node("node-2")
    world.node("node-3", unschedulable=True)
    scheduler = world.scheduler()
    world.pod("web", cpu="1500m")
    clock.settle()
    rows = {row["node"]: row for row in explain(scheduler.last_decision)}
    assert rows["node-3"]["verdict"] == "NodeUnschedulable: node(s) were unschedulable"
    assert rows["node-1"]["verdict"] == "NodeResourcesFit: Insufficient cpu"
    assert rows["node-2"]["verdict"] == "feasible" and rows["node-2"]["chosen"]
    assert "node-2: feasible" in format_explanation(scheduler.last_decision)
    table = viz.scheduling_table(scheduler.last_decision)
    assert [row["node"] for row in table] == ["node-1", "node-2", "node-3"]
    assert "were unschedulable" in viz.scheduling(scheduler.last_decision).source  # (wrapped over lines)


def test_what_if_replays_a_pod_with_a_plugin_off_without_touching_the_cluster(world, clock):
    world.node("spot", taints=[{"key": "spot", "value": "true", "effect": "PreferNoSchedule"}])
    world.node("big", cpu="8")
    world.node("small")
    scheduler = world.scheduler()
    world.pod("web", cpu="1")
    clock.settle()
    placed = world.node_of("web")
    events_before = len(world.client.list("events", "default")["items"])
    without_taints = what_if(scheduler, "default/web", disabled=["TaintToleration"])
    assert "TaintToleration" not in without_taints.scores[without_taints.node_name]
    heavier = what_if(scheduler, "default/web", weights={"NodeResourcesFit": 10})
    assert heavier.scores["big"]["NodeResourcesFit"] == 10 * heavier.normalized_scores["NodeResourcesFit"]["big"]
    assert world.node_of("web") == placed  # nothing moved, nothing written
    assert len(world.client.list("events", "default")["items"]) == events_before
    assert scheduler.cache.pod_nodes == {"default/web": placed}


def test_the_kubectl_scheduler_plugin_explains_and_replays_in_process():
    from kubelab import Cluster
    from kubelab.kubectl import run
    cluster = Cluster(nodes=2)
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                   "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    cluster.settle()
    placed = cluster.get("pods", "web", "default")["spec"]["nodeName"]
    assert f"* {placed}: feasible" in cluster.kubectl("scheduler explain web")
    replay = cluster.kubectl("scheduler explain web --disable TaintToleration --weight NodeResourcesFit=4")
    assert "TaintToleration" not in replay and "×4" in replay
    assert cluster.kubectl("scheduler explain web --disable Nope") == \
        "error: plugin 'Nope' is not in profile 'default-scheduler'"
    assert run(cluster.client, "scheduler explain web", 0).startswith("error: kubectl scheduler needs the scheduler")


def test_the_scheduling_widget_shows_any_recent_decision(world, clock):
    world.node("node-1")
    scheduler = world.scheduler()
    world.pod("a")
    world.pod("b")
    clock.settle()
    widget = viz.scheduling_widget(scheduler)
    choice = widget.children[0]
    assert [label for label, _ in choice.options] == ["0: default/a → node-1", "1: default/b → node-1"]
    choice.value = 0  # redraws without error
