"""`kubectl logs`: a learner reads what containers printed, worded as kubectl 1.32 words it
(each expected text below was printed by the real kubectl 1.32 against `kubelab up`)."""
import pytest

from kubelab import Cluster

PODS = """
apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  containers:
  - {name: a, image: "busybox:1.36", command: ["sh", "-c", "echo hello from a; sleep 3600"]}
  - {name: b, image: "busybox:1.36", command: ["sh", "-c", "echo hello from b; sleep 3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - {name: app, image: "busybox:1.36", command: ["sh", "-c", "echo starting; echo boom; exit 2"]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.27"}]}
"""


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster(nodes=2, seed=5)
    cluster.apply(PODS)
    cluster.run(30)
    return cluster


def test_a_pod_of_two_containers_defaults_to_the_first_and_says_so(cluster):
    assert cluster.kubectl("logs two") == 'Defaulted container "a" out of: a, b\nhello from a'
    assert cluster.kubectl("logs two -c b") == "hello from b"
    assert cluster.kubectl("logs two b") == "hello from b"
    assert cluster.kubectl("logs pod/two --all-containers") == "hello from a\nhello from b"
    assert cluster.kubectl("logs two --all-containers --prefix") == "[pod/two/a] hello from a\n[pod/two/b] hello from b"


def test_tail_and_timestamps_cut_and_stamp_the_lines(cluster):
    assert cluster.kubectl("logs crash -p --tail=1") == "boom"
    stamped = cluster.kubectl("logs two -c b --timestamps --tail=1")
    stamp, line = stamped.split(" ", 1)
    assert line == "hello from b" and stamp.startswith("2025-01-01T00:00:") and stamp.endswith("Z")
    assert len(stamp.split(".")[1]) == len("000000000Z")


def test_previous_shows_the_run_before_the_restart_or_says_there_was_none(cluster):
    assert cluster.kubectl("logs crash --previous") == "starting\nboom"
    assert cluster.kubectl("logs two -c a --previous") == \
        'Error from server (BadRequest): previous terminated container "a" in pod "two" not found'


def test_a_deployment_s_logs_come_from_its_first_pod(cluster):
    text = cluster.kubectl("logs deploy/web --tail=1")
    found, line = text.split("\n")
    assert found.startswith("Found 3 pods, using pod/web-") and "start worker process" in line
    chosen = found.rsplit("/", 1)[1]
    assert chosen in cluster.kubectl("get pods -l app=web -o name")
    assert cluster.kubectl("logs -l app=web --tail=1").count("start worker process") == 3


def test_logs_refusals_read_as_kubectl_s(cluster):
    assert cluster.kubectl("logs nope") == \
        'error: error from server (NotFound): pods "nope" not found in namespace "default"'
    assert cluster.kubectl("logs deploy/nope") == \
        'error: error from server (NotFound): deployments.apps "nope" not found in namespace "default"'
    assert cluster.kubectl("logs two -c nope") == "error: container nope is not valid for pod two"
    assert cluster.kubectl("logs") == (
        "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
        "POD or TYPE/NAME is a required argument for the logs command\n"
        "See 'kubectl logs -h' for help and examples")
    assert cluster.kubectl("logs two x y").startswith("error: expected 'logs [-f]")
    assert cluster.kubectl("logs two -c") == \
        "Error: flag needs an argument: 'c' in -c\nSee 'kubectl logs --help' for usage."


def test_follow_prints_what_was_written_so_far_a_cell_never_blocks(cluster):
    assert cluster.kubectl("logs two -c b -f") == "hello from b"
