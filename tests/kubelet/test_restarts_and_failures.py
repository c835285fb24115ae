"""Stories of containers that fail: CrashLoopBackOff on upstream's schedule, image pulls that
fail and back off, config errors, OOMKilled, StartError, admission, init containers, phases."""
import pytest

from kubelab import Cluster
from kubelab.objects import conditions


def make(name, containers, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": containers, **spec}}


@pytest.fixture
def cluster():
    return Cluster(nodes=1, seed=0)


def status_of(cluster, name, container=0, init=False):
    pod = cluster.get("pods", name)
    return pod["status"]["initContainerStatuses" if init else "containerStatuses"][container]


def restart_times(cluster, name, seconds):
    """Run `seconds`, one second at a time; when did restartCount go up (relative to creation)?"""
    began, seen, times = cluster.clock.now(), 0, []
    for _ in range(seconds):
        cluster.run(1)
        count = status_of(cluster, name)["restartCount"]
        if count > seen:
            seen = count
            times.append(round(cluster.clock.now() - began))
    return times


def test_a_container_that_exits_1_crash_loops_with_delays_doubling_from_10s_to_300s(cluster):
    cluster.apply(make("crash", [{"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", "exit 1"]}]))
    times = restart_times(cluster, "crash", 1000)
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    # the first restart is at once; then each wait doubles: 10, 20, 40, 80, 160, then 300 at most
    assert [round(gap, -1) for gap in gaps[:6]] == [10, 20, 40, 80, 160, 300]
    status = status_of(cluster, "crash")
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert status["state"]["waiting"]["message"].startswith("back-off 5m0s restarting failed container=app pod=crash_default(")
    assert status["lastState"]["terminated"]["exitCode"] == 1
    assert status["lastState"]["terminated"]["reason"] == "Error"
    assert cluster.get("pods", "crash")["status"]["phase"] == "Running"  # restartPolicy Always
    assert "CrashLoopBackOff" in cluster.kubectl("get pod crash")


def test_the_back_off_starts_again_at_10s_after_ten_minutes_of_running(cluster):
    script = "sleep 700; exit 1"   # runs for more than 10 min, then crashes
    cluster.apply(make("slow", [{"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", script]}]))
    times = restart_times(cluster, "slow", 2200)
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert all(abs(gap - 700) <= 3 for gap in gaps)   # never a back-off: each run was long enough


def test_a_crash_looping_pod_keeps_the_previous_run_s_logs(cluster):
    cluster.apply(make("crash", [{"name": "app", "image": "busybox:1.36",
                                  "command": ["sh", "-c", "echo starting; echo boom; exit 2"]}]))
    cluster.run(30)
    previous = cluster.client.get("pods", "crash", subresource="log", previous="true")
    assert previous == "starting\nboom\n"


def test_restart_policy_never_and_on_failure_end_in_failed_and_succeeded(cluster):
    cluster.apply(make("never", [{"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 5; exit 3"]}],
                       restartPolicy="Never"))
    cluster.apply(make("onfailure", [{"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 5"]}],
                       restartPolicy="OnFailure"))
    cluster.run(4)
    assert cluster.get("pods", "never")["status"]["phase"] == "Running"
    cluster.run(30)
    never, done = cluster.get("pods", "never"), cluster.get("pods", "onfailure")
    assert never["status"]["phase"] == "Failed"
    assert never["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3
    assert done["status"]["phase"] == "Succeeded"
    assert done["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert conditions.get(done, "Ready")["reason"] == "PodCompleted"
    assert "Completed" in cluster.kubectl("get pod onfailure")


def test_a_nonexistent_image_is_err_image_pull_then_image_pull_back_off(cluster):
    cluster.apply(make("typo", [{"name": "app", "image": "ngnix:1.27-does-not-exist"}]))
    cluster.run(2.5)
    waiting = status_of(cluster, "typo")["state"]["waiting"]
    assert waiting["reason"] == "ImagePullBackOff"
    assert waiting["message"].startswith('Back-off pulling image "ngnix:1.27-does-not-exist": ErrImagePull: ')
    events = [(e["reason"], e["message"]) for e in cluster.list("events")
              if e["involvedObject"]["name"] == "typo"]
    assert ("Failed", "Error: ErrImagePull") in events and ("Failed", "Error: ImagePullBackOff") in events
    assert any(m.startswith('Failed to pull image "ngnix:1.27-does-not-exist": rpc error: ') and "pull access denied" in m
               for _, m in events)
    pulls = []
    for _ in range(200):
        cluster.run(1)
        count = [e for e in cluster.list("events")
                 if e["involvedObject"]["name"] == "typo" and e["reason"] == "Pulling"][0]["count"]
        if count > len(pulls):
            pulls.append(cluster.clock.now())
    gaps = [round(b - a) for a, b in zip(pulls, pulls[1:])]
    assert [round(g, -1) for g in gaps[:3]] == [10, 20, 40]   # 10 s after a failed pull, then 20, 40 (+ the pull)
    assert cluster.get("pods", "typo")["status"]["phase"] == "Pending"


def test_a_known_image_with_an_unknown_tag_is_not_found(cluster):
    cluster.apply(make("tag", [{"name": "app", "image": "nginx:9.99"}]))
    cluster.run(1.5)
    message = status_of(cluster, "tag")["state"]["waiting"]["message"]
    assert message.endswith("docker.io/library/nginx:9.99: not found")


def test_a_missing_config_map_is_create_container_config_error_until_it_exists(cluster):
    env = [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "mode"}}}]
    cluster.apply(make("cfg", [{"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", "echo $MODE; sleep 3600"],
                                "env": env}]))
    cluster.run(30)
    waiting = status_of(cluster, "cfg")["state"]["waiting"]
    assert waiting == {"reason": "CreateContainerConfigError", "message": 'configmap "app-config" not found'}
    cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-config"}, "data": {"x": "1"}})
    cluster.run(15)
    assert status_of(cluster, "cfg")["state"]["waiting"]["message"] == \
        "couldn't find key mode in ConfigMap default/app-config"
    cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-config"}, "data": {"mode": "fast"}})
    cluster.run(15)
    assert "running" in status_of(cluster, "cfg")["state"]
    assert cluster.client.get("pods", "cfg", subresource="log") == "fast\n"


def test_a_container_past_its_memory_limit_is_oom_killed(cluster):
    cluster.apply(make("oom", [{"name": "app", "image": "polinux/stress", "command": ["stress"],
                                "args": ["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"],
                                "resources": {"limits": {"memory": "100Mi"}}}]))
    cluster.run(20)
    last = status_of(cluster, "oom")["lastState"]["terminated"]
    assert (last["reason"], last["exitCode"]) == ("OOMKilled", 137)


def test_a_command_missing_from_the_image_is_a_start_error_not_a_kubelet_crash(cluster):
    cluster.apply(make("nocmd", [{"name": "app", "image": "nginx:1.27", "command": ["nonexistent"]}]))
    cluster.run(20)
    last = status_of(cluster, "nocmd")["lastState"]["terminated"]
    assert (last["reason"], last["exitCode"]) == ("StartError", 128)
    assert 'exec: "nonexistent": executable file not found in $PATH' in last["message"]


def test_a_pod_forced_onto_a_node_too_small_is_rejected_out_of_cpu(cluster):
    cluster.apply(make("big", [{"name": "app", "image": "nginx:1.27", "resources": {"requests": {"cpu": "5"}}}],
                       nodeName="node-1"))
    cluster.run(5)
    pod = cluster.get("pods", "big")
    assert (pod["status"]["phase"], pod["status"]["reason"]) == ("Failed", "OutOfcpu")
    assert pod["status"]["message"] == ("Pod was rejected: Node didn't have enough resource: cpu, requested: 5000, "
                                        "used: 0, capacity: 2000")
    assert "containerStatuses" not in pod["status"]
    assert "OutOfcpu" in cluster.kubectl("get pod big")


def test_a_pod_forced_onto_a_node_its_selector_refuses_is_rejected(cluster):
    cluster.apply(make("picky", [{"name": "app", "image": "nginx:1.27"}], nodeName="node-1",
                       nodeSelector={"disktype": "ssd"}))
    cluster.run(5)
    pod = cluster.get("pods", "picky")
    assert (pod["status"]["phase"], pod["status"]["reason"]) == ("Failed", "NodeAffinity")


def test_a_label_just_added_to_the_node_admits_a_pod_that_asks_for_it(cluster):
    """Admission reads the Node's labels from the kubelet's node lister (as upstream's): a label
    `kubectl label node` added a moment ago is already there."""
    cluster.kubectl("label node node-1 disktype=ssd")
    cluster.run(1)
    cluster.apply(make("picky", [{"name": "app", "image": "nginx:1.27"}], nodeName="node-1",
                       nodeSelector={"disktype": "ssd"}))
    cluster.run(5)
    assert cluster.get("pods", "picky")["status"]["phase"] == "Running"


def test_init_containers_run_in_order_before_the_app(cluster):
    inits = [{"name": "first", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 20"]},
             {"name": "second", "image": "busybox:1.36", "command": ["sh", "-c", "echo ok"]}]
    cluster.apply(make("init", [{"name": "app", "image": "nginx:1.27"}], initContainers=inits))
    cluster.run(5)
    pod = cluster.get("pods", "init")
    assert "Init:0/2" in cluster.kubectl("get pod init")
    assert pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"
    assert conditions.get(pod, "Initialized")["message"] == "containers with incomplete status: [first second]"
    assert "waiting" in pod["status"]["initContainerStatuses"][1]["state"]
    running = pod["status"]["initContainerStatuses"][0]
    assert "running" in running["state"] and (running["ready"], running["started"]) == (False, True)
    cluster.run(30)
    pod = cluster.get("pods", "init")
    assert pod["status"]["phase"] == "Running"
    assert [s["state"]["terminated"]["reason"] for s in pod["status"]["initContainerStatuses"]] == \
        ["Completed", "Completed"]
    assert [(s["ready"], s["started"]) for s in pod["status"]["initContainerStatuses"]] == [(True, False)] * 2
    first, second = (s["state"]["terminated"] for s in pod["status"]["initContainerStatuses"])
    assert first["finishedAt"] <= second["startedAt"]


def test_a_failing_init_container_with_restart_policy_never_fails_the_pod(cluster):
    cluster.apply(make("badinit", [{"name": "app", "image": "nginx:1.27"}], restartPolicy="Never",
                       initContainers=[{"name": "check", "image": "busybox:1.36", "command": ["sh", "-c", "exit 1"]}]))
    cluster.run(10)
    pod = cluster.get("pods", "badinit")
    assert pod["status"]["phase"] == "Failed"
    assert "app" not in [c.name for s in cluster.kubelets["node-1"].runtime.sandboxes.values()
                         for c in s.containers.values()]


def test_a_native_sidecar_runs_beside_the_app_and_stops_after_it(cluster):
    sidecar = {"name": "log", "image": "busybox:1.36", "restartPolicy": "Always",
               "command": ["sh", "-c", "while true; do sleep 1; done"]}
    cluster.apply(make("side", [{"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 10"]}],
                       restartPolicy="Never", initContainers=[sidecar]))
    cluster.run(6)
    pod = cluster.get("pods", "side")
    assert pod["status"]["phase"] == "Running"
    assert "running" in pod["status"]["initContainerStatuses"][0]["state"]
    assert "running" in pod["status"]["containerStatuses"][0]["state"]
    cluster.run(60)
    pod = cluster.get("pods", "side")
    assert pod["status"]["phase"] == "Succeeded"
    assert "terminated" in pod["status"]["initContainerStatuses"][0]["state"]


def test_a_shell_pid_1_ignores_sigterm_and_is_killed_after_the_grace_period(cluster):
    cluster.apply(make("sleeper", [{"name": "app", "image": "busybox:1.36", "command": ["sleep", "3600"]}],
                       terminationGracePeriodSeconds=30))
    cluster.apply(make("web", [{"name": "app", "image": "nginx:1.27"}]))
    cluster.run(10)
    cluster.client.delete("pods", "sleeper")
    cluster.client.delete("pods", "web")
    cluster.run(5)
    assert [p["metadata"]["name"] for p in cluster.list("pods")] == ["sleeper"]  # nginx left at once
    cluster.run(24)
    assert cluster.list("pods")
    cluster.run(2)
    assert not cluster.list("pods")


def test_a_pre_stop_hook_runs_before_sigterm_within_the_grace_period(cluster):
    lifecycle = {"preStop": {"sleep": {"seconds": 5}}}
    cluster.apply(make("web", [{"name": "app", "image": "nginx:1.27", "lifecycle": lifecycle}]))
    cluster.run(10)
    cluster.client.delete("pods", "web")
    cluster.run(4.5)
    assert cluster.list("pods")
    cluster.run(2)
    assert not cluster.list("pods")
