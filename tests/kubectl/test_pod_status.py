"""The STATUS, READY and RESTARTS words of `kubectl get pods`, one pod story at a time.

Each pod is built in the shape the kubelet reports; the expected words are the ones the
Kubernetes v1.32 table printer derives from those fields.
"""
from kubectl_cluster_state import NOW, at

from kubelab.kubectl.pod_status import pod_summary


def make_pod(containers: list[dict], *, phase: str = "Running", init: list[dict] | None = None,
             deleting: bool = False, reason: str = "", conditions: list[dict] | None = None) -> dict:
    spec = {"containers": [{"name": c["name"], "image": "busybox"} for c in containers]}
    status = {"phase": phase, "containerStatuses": containers, "conditions": conditions or []}
    if init is not None:
        spec["initContainers"] = [{"name": c["name"], "image": "busybox"} for c in init]
        status["initContainerStatuses"] = init
    if reason:
        status["reason"] = reason
    metadata = {"name": "p", "namespace": "default", "creationTimestamp": at(0)}
    if deleting:
        metadata["deletionTimestamp"] = at(330)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status}


def running(name: str, ready: bool = True, restarts: int = 0, **extra) -> dict:
    return {"name": name, "ready": ready, "restartCount": restarts, "state": {"running": {"startedAt": at(10)}},
            **extra}


def waiting(name: str, reason: str, restarts: int = 0, **extra) -> dict:
    return {"name": name, "ready": False, "restartCount": restarts, "state": {"waiting": {"reason": reason}}, **extra}


def terminated(name: str, reason: str = "", exit_code: int = 0, **extra) -> dict:
    state = {"terminated": {"exitCode": exit_code, **({"reason": reason} if reason else {})}}
    return {"name": name, "ready": False, "restartCount": 0, "state": state, **extra}


def test_a_pod_the_scheduler_has_not_placed_is_pending():
    pod = make_pod([], phase="Pending")
    pod["spec"]["containers"] = [{"name": "app", "image": "nginx"}]
    assert pod_summary(pod, NOW) == ("0/1", "Pending", "0")


def test_a_pod_whose_image_is_being_pulled_is_container_creating():
    assert pod_summary(make_pod([waiting("app", "ContainerCreating")], phase="Pending"), NOW) == \
        ("0/1", "ContainerCreating", "0")


def test_a_crashing_container_shows_crash_loop_back_off_and_when_it_last_died():
    died = {"lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": at(240)}}}
    pod = make_pod([waiting("app", "CrashLoopBackOff", restarts=4, **died)])
    assert pod_summary(pod, NOW) == ("0/1", "CrashLoopBackOff", "4 (60s ago)")


def test_a_finished_job_pod_is_completed():
    assert pod_summary(make_pod([terminated("app", "Completed")], phase="Succeeded"), NOW) == \
        ("0/1", "Completed", "0")


def test_a_container_that_failed_without_a_reason_shows_its_exit_code():
    assert pod_summary(make_pod([terminated("app", exit_code=3)], phase="Failed"), NOW)[1] == "ExitCode:3"
    signalled = terminated("app", exit_code=137)
    signalled["state"]["terminated"]["signal"] = 9
    assert pod_summary(make_pod([signalled], phase="Failed"), NOW)[1] == "Signal:9"


def test_the_first_container_in_the_spec_has_the_last_word():
    pod = make_pod([waiting("app", "ImagePullBackOff"), waiting("sidecar", "ContainerCreating")], phase="Pending")
    assert pod_summary(pod, NOW) == ("0/2", "ImagePullBackOff", "0")


def test_ready_counts_only_containers_that_are_ready_and_running():
    pod = make_pod([running("app"), running("sidecar", ready=False)])
    assert pod_summary(pod, NOW) == ("1/2", "Running", "0")


def test_a_completed_container_beside_a_running_one_leaves_the_pod_running_or_not_ready():
    ready = [{"type": "Ready", "status": "True"}]
    assert pod_summary(make_pod([terminated("init-like", "Completed"), running("app")], conditions=ready),
                       NOW)[1] == "Running"
    assert pod_summary(make_pod([terminated("init-like", "Completed"), running("app")]), NOW)[1] == "NotReady"


def test_a_pod_being_deleted_is_terminating():
    assert pod_summary(make_pod([running("app")], deleting=True), NOW)[1] == "Terminating"


def test_a_pod_on_a_lost_node_being_deleted_is_unknown():
    assert pod_summary(make_pod([running("app")], deleting=True, reason="NodeLost"), NOW)[1] == "Unknown"


def test_a_finished_pod_being_deleted_keeps_its_final_word():
    assert pod_summary(make_pod([terminated("app", "Completed")], phase="Succeeded", deleting=True),
                       NOW)[1] == "Completed"


def test_an_evicted_pod_shows_the_kubelets_reason():
    assert pod_summary(make_pod([], phase="Failed", reason="Evicted"), NOW)[1] == "Evicted"


def test_init_containers_show_progress_then_their_trouble():
    pending = make_pod([waiting("app", "PodInitializing")], phase="Pending",
                       init=[terminated("migrate", "Completed"), running("warm-cache", ready=False)])
    assert pod_summary(pending, NOW) == ("0/1", "Init:1/2", "0")
    crashing = make_pod([waiting("app", "PodInitializing")], phase="Pending",
                        init=[waiting("migrate", "CrashLoopBackOff", restarts=2)])
    assert pod_summary(crashing, NOW) == ("0/1", "Init:CrashLoopBackOff", "2")
    failed = make_pod([waiting("app", "PodInitializing")], phase="Pending", init=[terminated("migrate", exit_code=1)])
    assert pod_summary(failed, NOW)[1] == "Init:ExitCode:1"


def test_a_scheduling_gated_pod_says_so():
    gated = make_pod([], phase="Pending",
                     conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}])
    assert pod_summary(gated, NOW)[1] == "SchedulingGated"
