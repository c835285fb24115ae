"""The scheduler's parts on their own: requests, tolerations, scores, backoff, the bind race."""
from kubelab.scheduler.framework import Status, default_normalize_score, fit_error_message
from kubelab.scheduler.node_info import NodeInfo, pod_requests
from kubelab.scheduler.plugins.node_resources_fit import least_requested_score
from kubelab.scheduler.scheduling_queue import backoff_duration
from kubelab.scheduler.taints import tolerates

MI = 1024 * 1024


def pod(name, containers, init_containers=()):
    return {"metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": list(containers), "initContainers": list(init_containers)}}


def container(cpu=None, memory=None):
    requests = {k: v for k, v in {"cpu": cpu, "memory": memory}.items() if v is not None}
    return {"name": "c", "image": "nginx", "resources": {"requests": requests}}


def test_a_pods_request_is_its_containers_summed_or_its_biggest_init_container():
    web = pod("web", [container("250m", "64Mi"), container("250m", "64Mi")], [container("1", "16Mi")])
    requested = pod_requests(web)
    assert (requested.milli_cpu, requested.memory, requested.pods) == (1000, 128 * MI, 1)


def test_scoring_counts_100m_and_200Mi_for_containers_that_request_nothing():
    bare = pod("bare", [container(), container(cpu="0")])
    assert (pod_requests(bare).milli_cpu, pod_requests(bare).memory) == (0, 0)
    non_zero = pod_requests(bare, non_zero=True)
    assert (non_zero.milli_cpu, non_zero.memory) == (100, 400 * MI)  # an explicit "0" stays 0


def test_a_node_info_adds_and_removes_exactly_what_each_pod_requested():
    info = NodeInfo({"metadata": {"name": "node-1"}, "status": {"allocatable": {"cpu": "2", "memory": "4Gi",
                                                                                "pods": "110"}}})
    info.add_pod(pod("a", [container("500m", "1Gi")]))
    info.add_pod(pod("b", [container()]))
    assert (info.requested.milli_cpu, info.non_zero_requested.milli_cpu) == (500, 600)
    info.add_pod(pod("a", [container("700m", "1Gi")]))  # an update replaces, never double counts
    info.remove_pod("default/b")
    assert (info.requested.milli_cpu, info.non_zero_requested.milli_cpu, len(info.pods)) == (700, 700, 1)
    assert repr(info) == "NodeInfo('node-1', pods=1/110, cpu=700m/2, memory=1Gi/4Gi)"


def test_tolerations_match_taints_by_key_value_and_effect():
    taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    assert tolerates({"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}, taint)
    assert tolerates({"key": "dedicated", "operator": "Exists"}, taint)
    assert tolerates({"operator": "Exists"}, taint)  # empty key with Exists tolerates everything
    assert not tolerates({"key": "dedicated", "value": "cpu"}, taint)
    assert not tolerates({"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}, taint)


def test_least_allocated_is_the_free_share_in_whole_points():
    assert least_requested_score(500, 2000) == 75
    assert least_requested_score(3 * 512, 4096) == 62
    assert least_requested_score(2001, 2000) == 0 and least_requested_score(0, 0) == 0


def test_normalizing_in_reverse_gives_the_fewest_untolerated_taints_100():
    assert default_normalize_score({"a": 0, "b": 1, "c": 2}, reverse=True) == {"a": 100, "b": 50, "c": 0}
    assert default_normalize_score({"a": 0, "b": 0}, reverse=True) == {"a": 100, "b": 100}


def test_backoff_starts_at_one_second_and_doubles_to_ten():
    assert [backoff_duration(attempts) for attempts in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_a_fit_error_with_prefilter_message_skips_the_node_reasons():
    statuses = {"node-1": Status("Unschedulable", ("Insufficient cpu",))}
    assert fit_error_message(1, statuses, pre_filter_message="pod has unbound immediate PersistentVolumeClaims") \
        == "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims."


def test_a_pod_bound_by_someone_else_during_its_binding_cycle_is_forgotten_not_rescheduled(world, clock):
    world.node("node-1")
    world.node("node-2")
    scheduler = world.scheduler()
    world.pod("web")
    while not scheduler.cache.assumed:  # run until the scheduling cycle has assumed the pod
        clock.step()
    assumed_on = scheduler.last_decision.node_name
    elsewhere = "node-2" if assumed_on == "node-1" else "node-1"
    world.client.bind(world.client.get("pods", "web", "default"), elsewhere)  # someone beats us to it
    clock.settle()
    assert world.node_of("web") == elsewhere
    failed, = world.events("web", "FailedScheduling")  # upstream reports the lost race too
    assert failed["message"].startswith('running Bind plugin "DefaultBinder": ')
    assert world.events("web", "Scheduled") == []
    assert scheduler.cache.pod_nodes == {"default/web": elsewhere}
    assert len(scheduler.cache.node_infos[assumed_on].pods) == 0
    assert "default/web" not in scheduler.queue
