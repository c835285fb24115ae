"""`kubectl exec` from kubelab's own kubectl (cluster.kubectl): a learner runs a command in a
container, worded as kubectl 1.32 words it (kubectl's exec.go, the API server's and the
kubelet's refusals)."""
import pytest

from kubelab import Cluster
from kubelab.kubectl import KubectlError, run

PODS = """
apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  containers:
  - {name: a, image: "busybox:1.36", command: ["sh", "-c", "sleep 3600"]}
  - {name: b, image: "busybox:1.36", command: ["sh", "-c", "sleep 3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: one}
spec:
  containers:
  - {name: app, image: "busybox:1.36", command: ["sh", "-c", "sleep 3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: done}
spec:
  restartPolicy: Never
  containers:
  - {name: app, image: "busybox:1.36", command: ["sh", "-c", "exit 0"]}
---
apiVersion: v1
kind: Pod
metadata: {name: stuck}
spec:
  containers:
  - {name: app, image: "no-such-registry.example/nothing:1"}
"""


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster(nodes=1, seed=3)
    cluster.apply(PODS)
    cluster.run(30)
    return cluster


def test_exec_runs_the_command_in_the_only_container(cluster):
    assert cluster.kubectl("exec one -- echo hello") == "hello"
    assert cluster.kubectl("exec pod/one -- hostname") == "one"


def test_exec_defaults_to_the_first_container_and_says_so(cluster):
    assert cluster.kubectl("exec two -- hostname") == 'Defaulted container "a" out of: a, b\ntwo'
    assert cluster.kubectl("exec -q two -- hostname") == "two"
    assert cluster.kubectl("exec two -c b -- echo from-b") == "from-b"


def test_exec_refuses_a_container_the_pod_does_not_have(cluster):
    assert cluster.kubectl("exec two -c nope -- ls") == \
        "Error from server (BadRequest): container nope is not valid for pod two"


def test_a_failing_command_prints_its_output_then_its_exit_code(cluster):
    assert cluster.kubectl(["exec", "one", "--", "sh", "-c", "echo partial; exit 3"]) == \
        "partial\ncommand terminated with exit code 3"
    with pytest.raises(KubectlError, match="command terminated with exit code 4"):
        run(cluster.client, "exec one -- sh -c 'exit 4'", cluster.clock.now(), check=True,
            executor=cluster._exec_sync)


def test_exec_with_stdin_reads_it(cluster):
    assert cluster.kubectl("exec -i one -- cat", stdin="typed in\n") == "typed in"


def test_the_command_line_mistakes_kubectl_refuses(cluster):
    assert cluster.kubectl("exec one ls") == ("error: exec [POD] [COMMAND] is not supported anymore. Use exec "
                                              "[POD] -- [COMMAND] instead\nSee 'kubectl exec -h' for help and examples")
    assert cluster.kubectl("exec one") == "error: you must specify at least one command for the container"
    assert cluster.kubectl("exec -- ls") == ("error: pod, type/name or --filename must be specified\n"
                                             "See 'kubectl exec -h' for help and examples")
    assert cluster.kubectl("exec ghost -- ls") == \
        'Error from server (NotFound): pods "ghost" not found'


def test_a_completed_pod_and_a_container_not_running_are_refused(cluster):
    assert cluster.get("pods", "done")["status"]["phase"] == "Succeeded"
    assert cluster.kubectl("exec done -- ls") == \
        "error: cannot exec into a container in a completed pod; current phase is Succeeded"
    assert cluster.kubectl("exec stuck -- ls") == 'error: unable to upgrade connection: container not found ("app")'


def test_exec_into_a_deployments_pod_sees_the_service_variables(cluster):
    cluster.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                   "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                            "template": {"metadata": {"labels": {"app": "web"}},
                                         "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}})
    cluster.run(30)
    host = cluster.get("services", "kubernetes")["spec"]["clusterIP"]
    assert f"KUBERNETES_SERVICE_HOST={host}" in cluster.kubectl("exec deploy/web -- env").splitlines()
