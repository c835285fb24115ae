"""`kubectl get -w` in a notebook: the table, then a row per change on virtual time, aligned as
kubectl 1.32 aligns them (columns only widen); it ends when the cluster has nothing left to do
or after --request-timeout virtual seconds."""
import re

import pytest

from kubelab import Cluster
from kubelab.kubectl import run

WEB = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
       "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}}


@pytest.fixture
def cluster():
    return Cluster(nodes=2, seed=5)


def test_watching_pods_shows_each_pod_go_from_pending_to_running(cluster):
    assert cluster.kubectl("get pods -w") == "No resources found in default namespace."
    cluster.apply(WEB)
    lines = cluster.kubectl("get pods -w").splitlines()
    assert lines[0] == "No resources found in default namespace."   # the Deployment has made no pod yet
    lines = lines[1:]
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    pods = {line.split()[0] for line in lines[1:]}
    assert len(pods) == 2
    for pod in pods:
        statuses = [line.split()[2] for line in lines[1:] if line.startswith(pod)]
        assert statuses[0] == "Pending" and statuses[-1] == "Running" and "ContainerCreating" in statuses
    # columns only widen: once ContainerCreating was printed, later rows keep its width
    widened = next(i for i, line in enumerate(lines) if "ContainerCreating" in line)
    restarts_column = {re.match(r"(\S+\s+){3}", line).end() for line in lines[widened:]}
    assert len(restarts_column) == 1
    assert cluster.get("deployments", "web")["status"]["readyReplicas"] == 2   # the clock moved


def test_output_watch_events_adds_an_event_column(cluster):
    cluster.apply(WEB)
    cluster.settle()
    cluster.kubectl("scale deploy web --replicas=3")
    lines = cluster.kubectl("get deploy -w --output-watch-events").splitlines()
    assert lines[0] == "EVENT      NAME   READY   UP-TO-DATE   AVAILABLE   AGE"
    assert lines[1].startswith("ADDED      web    2/3")
    assert lines[-1].startswith("MODIFIED   web    3/3     3            3")


def test_watch_only_and_request_timeout_bound_the_watch_in_virtual_seconds(cluster):
    cluster.apply(WEB)
    cluster.settle()
    started = cluster.clock.now()
    assert cluster.kubectl("get pods --watch-only --request-timeout=30s") == ""
    assert cluster.clock.now() == started + 30
    cluster.kubectl("scale deploy web --replicas=1")
    lines = cluster.kubectl("get pods --watch-only --request-timeout=40s").splitlines()
    assert lines[0].split()[:3] == ["NAME", "READY", "STATUS"] and "Terminating" in lines[1]


def test_without_a_clock_get_w_prints_the_table_once_and_refusals(cluster):
    cluster.apply(WEB)
    cluster.settle()
    once = run(cluster.client, "get pods -w", cluster.clock.now())
    assert once.count("\n") == 3 and once.startswith("NAME")
    assert cluster.kubectl("get pods,svc -w") == ("error: watch is only supported on individual resources and "
                                                  "resource collections, but 2 resources were found")
