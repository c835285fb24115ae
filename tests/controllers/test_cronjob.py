"""Stories of the CronJob controller on virtual time, and its schedule parser."""
import pytest

from kubelab import Cluster
from kubelab.client import ApiError
from kubelab.objects import cron

HELLO = """
apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            imagePullPolicy: IfNotPresent
            command:
            - /bin/sh
            - -c
            - date; echo Hello from the Kubernetes cluster
          restartPolicy: OnFailure
"""


def cronjob(name, schedule, command, **spec):
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
            "spec": {"schedule": schedule, **spec, "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox",
                                                          "command": ["sh", "-c", command]}]}}}}}}


def events(cluster, name):
    return [(e["reason"], e["message"]) for e in cluster.list("events")
            if e["involvedObject"]["kind"] == "CronJob" and e["involvedObject"]["name"] == name]


def test_the_hello_cronjob_from_the_docs_runs_every_minute_and_keeps_three_jobs():
    cluster = Cluster(nodes=1, seed=0)
    cluster.apply(HELLO)
    cluster.run(30)
    assert cluster.kubectl("get cronjobs").splitlines() == [
        "NAME    SCHEDULE    TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE",
        "hello   * * * * *   <none>     False     0        <none>          30s"]   # AGE: since its creation
    cluster.run(300)
    jobs = sorted(job["metadata"]["name"] for job in cluster.list("jobs"))
    assert jobs == ["hello-28928163", "hello-28928164", "hello-28928165"]   # minutes since the epoch
    job = cluster.get("jobs", "hello-28928165")
    assert job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2025-01-01T00:05:00Z"
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    status = cluster.get("cronjobs", "hello")["status"]
    assert status["lastScheduleTime"] == "2025-01-01T00:05:00Z" and status["lastSuccessfulTime"]
    seen = events(cluster, "hello")
    assert ("SuccessfulCreate", "Created job hello-28928161") in seen
    assert ("SawCompletedJob", "Saw completed job: hello-28928161, condition: Complete") in seen
    assert ("SuccessfulDelete", "Deleted job hello-28928161") in seen
    described = cluster.kubectl("describe cronjob hello")
    assert "Last Schedule Time:  Wed, 01 Jan 2025 00:05:00 +0000" in described and "Concurrency Policy:" in described
    assert cluster.kubectl("get cronjobs").splitlines()[1].split()[6:9] == ["<none>", "False", "0"]


def test_forbid_skips_a_run_while_the_last_still_runs_and_replace_starts_over():
    cluster = Cluster(nodes=1, seed=0)
    cluster.apply(cronjob("forbid", "* * * * *", "sleep 90", concurrencyPolicy="Forbid"))
    cluster.apply(cronjob("replace", "* * * * *", "sleep 90", concurrencyPolicy="Replace"))
    cluster.run(150)
    assert ("JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy "
            "is Forbid") in events(cluster, "forbid")
    assert len([j for j in cluster.list("jobs") if j["metadata"]["name"].startswith("forbid-")]) == 1
    replaced = [message for reason, message in events(cluster, "replace") if reason == "SuccessfulDelete"]
    assert replaced == ["Deleted job replace-28928161"]
    assert [j["metadata"]["name"] for j in cluster.list("jobs") if j["metadata"]["name"].startswith("replace-")
            and "deletionTimestamp" not in j["metadata"]] == ["replace-28928162"]


def test_a_suspended_cronjob_makes_no_job_and_a_time_zone_shifts_the_schedule():
    cluster = Cluster(nodes=1, seed=0)
    cluster.apply(cronjob("paused", "* * * * *", "true", suspend=True))
    cluster.apply(cronjob("tokyo", "0 9 * * *", "true", timeZone="Asia/Tokyo"))   # 00:00 UTC
    cluster.run(120)
    assert [j["metadata"]["name"] for j in cluster.list("jobs")] == []
    cluster.run(24 * 3600)
    tokyo = [j for j in cluster.list("jobs") if j["metadata"]["name"].startswith("tokyo-")]
    assert len(tokyo) == 1
    assert tokyo[0]["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == \
        "2025-01-02T09:00:00+09:00"
    assert cluster.kubectl("get cronjob tokyo").splitlines()[1].split()[:9] == \
        ["tokyo", "0", "9", "*", "*", "*", "Asia/Tokyo", "False", "0"]


def test_schedules_parse_as_robfig_cron_does():
    start = 1735689600.0   # 2025-01-01T00:00:00Z, a Wednesday
    assert cron.next_time(cron.parse("*/15 * * * *"), start) - start == 900
    assert cron.next_time(cron.parse("@hourly"), start) - start == 3600
    assert cron.next_time(cron.parse("0 0 * * MON"), start) - start == 5 * 86400
    assert cron.next_time(cron.parse("0 0 1 FEB *"), start) - start == 31 * 86400
    assert cron.next_time(cron.parse("0 0 * * *"), start, cron.zone("America/New_York")) - start == 5 * 3600
    for text, message in [("foo", "expected exactly 5 fields, found 1: [foo]"),
                          ("@often", "unrecognized descriptor: @often"),
                          ("61 * * * *", "end of range (61) above maximum (59): 61"),
                          ("* * 0 * *", "beginning of range (0) below minimum (1): 0")]:
        with pytest.raises(cron.CronError, match=message.replace("(", r"\(").replace(")", r"\)")
                           .replace("[", r"\[").replace("]", r"\]")):
            cron.parse(text)


@pytest.mark.parametrize("change, field, message", [
    ({"schedule": "every minute"}, "spec.schedule",
     'Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]'),
    ({"timeZone": "Mars/Olympus"}, "spec.timeZone", 'Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'),
    ({"concurrencyPolicy": "Sometimes"}, "spec.concurrencyPolicy",
     'Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'),
    ({"startingDeadlineSeconds": -1}, "spec.startingDeadlineSeconds",
     "Invalid value: -1: must be greater than or equal to 0"),
])
def test_invalid_cronjobs_are_refused_with_upstreams_messages(client, change, field, message):
    manifest = cronjob("bad", "* * * * *", "true")
    manifest["spec"].update(change)
    with pytest.raises(ApiError) as refused:
        client.create("cronjobs", manifest)
    assert {"field": field, "message": message} in [
        {"field": c["field"], "message": c["message"]} for c in refused.value.status["details"]["causes"]]
