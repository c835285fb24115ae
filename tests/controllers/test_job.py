"""Stories of the Job controller on a whole in-process cluster (scheduler and kubelets run the pods)."""
import pytest

from kubelab import Cluster
from kubelab.client import ApiError
from kubelab.controllers.job_util import backoff_delay, format_indexes, parse_indexes

PI = """
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
"""


def job(name, command, restart="Never", **spec):
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {**spec, "template": {"spec": {"restartPolicy": restart, "containers": [
                {"name": "c", "image": "busybox", "command": ["sh", "-c", command]}]}}}}


def job_events(cluster, name):
    return [(e["reason"], e["message"]) for e in cluster.list("events")
            if e["involvedObject"]["kind"] == "Job" and e["involvedObject"]["name"] == name]


@pytest.fixture(scope="module")
def cluster():
    return Cluster(nodes=2, seed=0)


def test_the_pi_job_from_the_docs_completes_and_kubectl_lists_it(cluster):
    cluster.apply(PI)
    created = cluster.get("jobs", "pi")
    uid = created["metadata"]["uid"]
    assert created["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert created["spec"]["template"]["metadata"]["labels"] == {
        "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi",
        "controller-uid": uid, "job-name": "pi"}
    assert created["metadata"]["labels"]["job-name"] == "pi"
    assert (created["spec"]["completions"], created["spec"]["parallelism"], created["spec"]["completionMode"]) == \
        (1, 1, "NonIndexed")
    cluster.run(2)
    pod = cluster.list("pods", label_selector="batch.kubernetes.io/job-name=pi")[0]
    assert pod["metadata"]["finalizers"] == ["batch.kubernetes.io/job-tracking"]
    assert cluster.kubectl("get jobs").splitlines()[1].split() == ["pi", "Running", "0/1", "2s", "2s"]
    cluster.run(20)
    status = cluster.get("jobs", "pi")["status"]
    assert status["succeeded"] == 1 and status["uncountedTerminatedPods"] == {}
    assert (status["ready"], status["terminating"]) == (0, 0) and "active" not in status
    assert [c["type"] for c in status["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    assert status["conditions"][1]["reason"] == "CompletionsReached"
    assert "finalizers" not in cluster.get("pods", pod["metadata"]["name"])["metadata"]
    assert cluster.kubectl("get jobs").splitlines() == [
        "NAME   STATUS     COMPLETIONS   DURATION   AGE", "pi     Complete   1/1           6s         22s"]
    assert job_events(cluster, "pi") == [("SuccessfulCreate", f"Created pod: {pod['metadata']['name']}"),
                                         ("Completed", "Job completed")]
    described = cluster.kubectl("describe job pi")
    assert "Pods Statuses:    0 Active (0 Ready) / 1 Succeeded / 0 Failed" in described
    assert "Completed At:     Wed, 01 Jan 2025 00:00:0" in described and "Duration:         6s" in described


def test_a_failing_job_backs_off_10_then_20_seconds_and_fails_at_its_backoff_limit(cluster):
    cluster.apply(job("fails", "sleep 1; exit 1", backoffLimit=2))
    cluster.run(150)
    pods = sorted(cluster.list("pods", label_selector="job-name=fails"),
                  key=lambda pod: pod["metadata"]["creationTimestamp"])
    assert len(pods) == 3 and all(pod["status"]["phase"] == "Failed" for pod in pods)
    starts = [pod["metadata"]["creationTimestamp"] for pod in pods]
    from kubelab.objects.timefmt import parse
    gaps = [parse(b) - parse(a) for a, b in zip(starts, starts[1:])]
    assert 10 <= gaps[0] < 20 and 20 <= gaps[1] < 30, gaps
    status = cluster.get("jobs", "fails")["status"]
    assert status["failed"] == 3 and "succeeded" not in status
    assert [(c["type"], c["reason"]) for c in status["conditions"]] == [
        ("FailureTarget", "BackoffLimitExceeded"), ("Failed", "BackoffLimitExceeded")]
    assert ("BackoffLimitExceeded", "Job has reached the specified backoff limit") in job_events(cluster, "fails")
    assert cluster.kubectl("get job fails").splitlines()[1].split()[1:3] == ["Failed", "0/1"]


def test_backoff_doubles_up_to_six_minutes():
    assert [backoff_delay(n) for n in range(8)] == [0, 10, 20, 40, 80, 160, 320, 360]


def test_active_deadline_fails_the_job_and_deletes_its_pod(cluster):
    cluster.apply(job("slow", "sleep 3600", activeDeadlineSeconds=30))
    cluster.run(70)
    status = cluster.get("jobs", "slow")["status"]
    assert status["conditions"][-1]["type"] == "Failed"
    assert status["conditions"][-1]["reason"] == "DeadlineExceeded"
    assert ("DeadlineExceeded", "Job was active longer than specified deadline") in job_events(cluster, "slow")
    assert any(reason == "SuccessfulDelete" for reason, _ in job_events(cluster, "slow"))
    assert cluster.list("pods", label_selector="job-name=slow") == []


def test_an_indexed_job_runs_each_index_once_with_its_hostname(cluster):
    cluster.apply(job("idx", "echo $JOB_COMPLETION_INDEX; sleep 2", completions=3, parallelism=2,
                               completionMode="Indexed"))
    cluster.run(60)
    status = cluster.get("jobs", "idx")["status"]
    assert status["completedIndexes"] == "0-2" and status["succeeded"] == 3
    pods = cluster.list("pods", label_selector="job-name=idx")
    assert sorted(p["spec"]["hostname"] for p in pods) == ["idx-0", "idx-1", "idx-2"]
    assert sorted(p["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] for p in pods) == ["0", "1", "2"]
    assert parse_indexes("0-2,5,7-8") == {0, 1, 2, 5, 7, 8} and format_indexes({0, 1, 2, 5, 7, 8}) == "0-2,5,7-8"


def test_a_pod_failure_policy_fails_the_job_on_exit_code_42_at_once(cluster):
    manifest = job("policy", "exit 42", backoffLimit=6, podFailurePolicy={"rules": [
        {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}}]})
    cluster.apply(manifest)
    cluster.run(40)
    status = cluster.get("jobs", "policy")["status"]
    assert status["failed"] == 1
    assert status["conditions"][-1]["type"] == "Failed" and status["conditions"][-1]["reason"] == "PodFailurePolicy"
    pod = cluster.list("pods", label_selector="job-name=policy")[0]["metadata"]["name"]
    assert status["conditions"][-1]["message"] == \
        f"Container c for pod default/{pod} failed with exit code 42 matching FailJob rule at index 0"


def test_a_suspended_job_creates_no_pods_until_resumed(cluster):
    cluster.apply(job("later", "sleep 1", suspend=True))
    cluster.run(5)
    assert cluster.list("pods", label_selector="job-name=later") == []
    assert cluster.kubectl("get job later").splitlines()[1].split()[1] == "Suspended"
    cluster.apply(job("later", "sleep 1", suspend=False))
    cluster.run(20)
    assert cluster.kubectl("get job later").splitlines()[1].split()[1:3] == ["Complete", "1/1"]
    assert [r for r, _ in job_events(cluster, "later")][:2] == ["Suspended", "Resumed"]
    assert cluster.controller_manager.errors() == []


@pytest.mark.parametrize("change, field, message", [
    ({"restartPolicy": "Always"}, "spec.template.spec.restartPolicy",
     'Unsupported value: "Always": supported values: "OnFailure", "Never"'),
    ({"completions": -1}, "spec.completions", "Invalid value: -1: must be greater than or equal to 0"),
    ({"completionMode": "Indexed", "parallelism": 2}, "spec.completions",
     "Required value: when completion mode is Indexed"),
    ({"completionMode": "Sometimes"}, "spec.completionMode",
     'Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'),
])
def test_invalid_jobs_are_refused_with_upstreams_messages(client, change, field, message):
    manifest = job("bad", "true")
    if "restartPolicy" in change:
        manifest["spec"]["template"]["spec"]["restartPolicy"] = change["restartPolicy"]
    else:
        manifest["spec"].update({k: v for k, v in change.items() if v is not None})
    with pytest.raises(ApiError) as refused:
        client.create("jobs", manifest)
    assert refused.value.code == 422
    assert {"field": field, "message": message} in [
        {"field": c["field"], "message": c["message"]} for c in refused.value.status["details"]["causes"]]
    assert client.list("jobs")["items"] == []


def test_a_finished_job_with_a_ttl_is_deleted_with_its_pods_when_it_runs_out(cluster):
    cluster.apply(job("short-lived", "true", ttlSecondsAfterFinished=30))
    cluster.run(10)
    assert cluster.get("jobs", "short-lived")["status"]["conditions"][-1]["type"] == "Complete"
    cluster.run(30)
    assert [j for j in cluster.list("jobs") if j["metadata"]["name"] == "short-lived"] == []
    assert cluster.list("pods", label_selector="job-name=short-lived") == []



def test_a_sync_before_the_pod_informer_catches_up_creates_nothing_more(client, clock, manager):
    """What keeps a Job from over-creating, shown without the luck of event timing: two syncs run
    back to back, before any watch event of the first one's creates is delivered."""
    controller = manager.controllers["job"]
    client.create("jobs", job("burst", "true", completions=3, parallelism=2))
    controller.jobs.cache["default/burst"] = client.get("jobs", "burst")   # the Job is seen; nothing else yet
    controller.sync("default/burst")
    controller.sync("default/burst")                 # the pod informer has not heard of the creates
    assert len(client.list("pods", "default", label_selector="job-name=burst")["items"]) == 2   # expectations
    clock.run(5)
    assert len(client.list("pods", "default", label_selector="job-name=burst")["items"]) == 2


def test_deleting_a_running_job_takes_its_pod_too_and_no_finalizer_is_left_behind(cluster):
    cluster.apply(job("doomed", "sleep 30"))
    cluster.run(2)
    assert len(cluster.list("pods", label_selector="job-name=doomed")) == 1
    assert cluster.kubectl("delete job doomed") == 'job.batch "doomed" deleted'
    cluster.run(60)
    assert cluster.list("pods", label_selector="job-name=doomed") == []   # the orphan's finalizer released
    assert cluster.controller_manager.errors() == []


def test_pod_failure_policy_rules_match_in_order_exit_codes_and_disruption_target():
    from kubelab.controllers.job_util import finished_by_policy
    policy = {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
                        {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In",
                                                              "values": [1, 2, 3]}},
                        {"action": "Count", "onExitCodes": {"operator": "NotIn", "values": [42]}}]}
    job_object = {"spec": {"podFailurePolicy": policy}}

    def failed(code, conditions=()):
        return {"metadata": {"name": "p", "namespace": "default"},
                "status": {"phase": "Failed", "conditions": list(conditions), "containerStatuses": [
                    {"name": "main", "state": {"terminated": {"exitCode": code}}}]}}

    evicted = failed(137, [{"type": "DisruptionTarget", "status": "True"}])
    assert finished_by_policy(job_object, evicted) == (
        "Ignore", "Pod default/p has condition DisruptionTarget matching Ignore rule at index 0")
    assert finished_by_policy(job_object, failed(2)) == (
        "FailJob", "Container main for pod default/p failed with exit code 2 matching FailJob rule at index 1")
    assert finished_by_policy(job_object, failed(7))[0] == "Count"
    assert finished_by_policy(job_object, failed(42)) == (None, "")   # no rule: counted as usual
