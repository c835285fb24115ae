"""`kubectl rollout`: a learner watches a rollout, lists its revisions, undoes and restarts it.
The expected texts are what the real kubectl 1.32 printed against `kubelab up` for the same steps."""
import pytest

from kubelab import Cluster
from kubelab.kubectl import run
from kubelab.kubectl.rollout_status import daemonset_status, statefulset_status

WEB = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
       "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}}


@pytest.fixture
def cluster():
    cluster = Cluster(nodes=2, seed=5)
    cluster.apply(WEB)
    return cluster


def _set_image(cluster, image):
    deployment = cluster.get("deployments", "web")
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = image
    cluster.client.update("deployments", deployment)


def test_rollout_status_waits_on_virtual_time_until_every_replica_is_updated_and_available(cluster):
    lines = cluster.kubectl("rollout status deploy/web").splitlines()
    assert lines[-1] == 'deployment "web" successfully rolled out'
    assert 'Waiting for deployment "web" rollout to finish: 0 of 3 updated replicas are available...' in lines
    _set_image(cluster, "nginx:1.28")
    lines = cluster.kubectl("rollout status deployment web").splitlines()
    assert 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...' in lines
    assert lines[-1] == 'deployment "web" successfully rolled out'
    assert cluster.kubectl("rollout status deploy/web --watch=false") == 'deployment "web" successfully rolled out'


def test_rollout_status_without_a_clock_prints_once(cluster):
    once = run(cluster.client, "rollout status deploy/web", cluster.clock.now())
    assert once.startswith("Waiting for deployment") and once.count("\n") == 1


def test_history_lists_revisions_with_their_change_cause_and_shows_one_template(cluster):
    cluster.settle()
    assert cluster.kubectl("rollout history deploy/web") == "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>"
    cluster.kubectl("annotate deploy/web kubernetes.io/change-cause='image 1.28'")
    _set_image(cluster, "nginx:1.28")
    cluster.settle()
    assert cluster.kubectl("rollout history deploy/web").splitlines()[-2:] == \
        ["1         <none>", "2         image 1.28"]
    shown = cluster.kubectl("rollout history deploy/web --revision=2")
    assert shown.startswith("deployment.apps/web with revision #2\nPod Template:\n  Labels:\tapp=web\n"
                            "\tpod-template-hash=")
    assert "  Annotations:\tkubernetes.io/change-cause: image 1.28\n" in shown and "    Image:\tnginx:1.28\n" in shown
    assert cluster.kubectl("rollout history deploy/web --revision=7") == "error: unable to find the specified revision"


def test_undo_brings_the_previous_template_back_as_a_new_revision(cluster):
    cluster.settle()
    assert cluster.kubectl("rollout undo deploy/web") == 'error: no rollout history found for deployment "web"'
    _set_image(cluster, "nginx:1.28")
    cluster.settle()
    assert cluster.kubectl("rollout undo deploy/web") == "deployment.apps/web rolled back"
    cluster.settle()
    assert cluster.get("deployments", "web")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert [line.split()[0] for line in cluster.kubectl("rollout history deploy/web").splitlines()[2:]] == ["2", "3"]
    assert cluster.kubectl("rollout undo deploy/web --to-revision=3") == \
        "deployment.apps/web skipped rollback (current template already matches revision 3)"
    assert cluster.kubectl("rollout undo deploy/web --to-revision=9") == \
        "error: unable to find specified revision 9 in history"


def test_restart_stamps_the_template_and_rolls_out_new_pods(cluster):
    cluster.settle()
    before = set(cluster.kubectl("get pods -o name").split())
    assert cluster.kubectl("rollout restart deploy/web") == "deployment.apps/web restarted"
    stamped = cluster.get("deployments", "web")["spec"]["template"]["metadata"]["annotations"]
    assert stamped == {"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:%02dZ" % int(cluster.clock.now() % 60)}
    assert cluster.kubectl("rollout status deploy/web").endswith('deployment "web" successfully rolled out')
    cluster.settle()
    assert not before & set(cluster.kubectl("get pods -o name").split())


def test_pause_and_resume_and_what_a_paused_deployment_refuses(cluster):
    assert cluster.kubectl("rollout pause deploy/web") == "deployment.apps/web paused"
    assert cluster.kubectl("rollout pause deploy/web") == 'error: deployments.apps "web" is already paused'
    assert cluster.kubectl("rollout undo deploy/web") == ("error: you cannot rollback a paused deployment; resume "
                                                         "it first with 'kubectl rollout resume' and try again")
    assert cluster.kubectl("rollout restart deploy/web") == \
        'error: deployments.apps "web" can\'t restart paused deployment (run rollout resume first)'
    assert cluster.kubectl("rollout resume deploy/web") == "deployment.apps/web resumed"
    assert cluster.kubectl("rollout resume deploy/web") == 'error: deployments.apps "web" is not paused'


def test_rollout_refusals_read_as_kubectl_s(cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "two"},
                   "spec": {"containers": [{"name": "a", "image": "busybox:1.36"}]}})
    cluster.settle()
    assert cluster.kubectl("rollout status deploy/nope") == 'Error from server (NotFound): deployments.apps "nope" not found'
    assert cluster.kubectl("rollout status") == "error: required resource not specified"
    assert cluster.kubectl("rollout status pod/two") == "error: no status viewer has been implemented for Pod"
    assert cluster.kubectl("rollout undo pod/two") == 'error: no rollbacker has been implemented for "Pod"'
    assert cluster.kubectl("rollout history pod/two") == 'error: no history viewer has been implemented for "Pod"'
    assert cluster.kubectl("rollout restart pod/two") == 'error: pods "two" restarting is not supported'
    assert cluster.kubectl("rollout status deploy/web --revision=3") == \
        "error: desired revision (3) is different from the running revision (1)"
    assert cluster.kubectl("rollout").startswith("Manage the rollout of one or many resources.")


def test_daemonset_and_statefulset_status_messages_are_upstream_s():
    meta = {"name": "agent", "generation": 2}
    assert daemonset_status({"metadata": meta, "status": {"observedGeneration": 2, "desiredNumberScheduled": 3,
                                                          "updatedNumberScheduled": 1}}, 0) == \
        ('Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...\n', False)
    assert daemonset_status({"metadata": meta, "status": {"observedGeneration": 2, "desiredNumberScheduled": 3,
                                                          "updatedNumberScheduled": 3, "numberAvailable": 3}}, 0) == \
        ('daemon set "agent" successfully rolled out\n', True)
    assert statefulset_status({"metadata": meta, "spec": {"replicas": 3},
                               "status": {"observedGeneration": 2, "readyReplicas": 1}}, 0) == \
        ("Waiting for 2 pods to be ready...\n", False)
    assert statefulset_status({"metadata": meta, "spec": {"replicas": 2},
                               "status": {"observedGeneration": 2, "readyReplicas": 2, "currentReplicas": 2,
                                          "currentRevision": "db-5c", "updateRevision": "db-5c"}}, 0) == \
        ("statefulset rolling update complete 2 pods at revision db-5c...\n", True)
