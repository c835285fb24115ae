"""Stories: the docs' DaemonSet and StatefulSet examples in a whole Cluster (scheduler, kubelets)."""
from pathlib import Path

from kubelab import Cluster

EXAMPLES = Path(__file__).resolve().parents[2] / "kubelab" / "examples"


def test_the_docs_daemonset_runs_one_pod_on_every_node_placed_by_the_scheduler():
    cluster = Cluster(nodes=3)
    assert cluster.apply((EXAMPLES / "fluentd-daemonset.yaml").read_text()) == \
        "daemonset.apps/fluentd-elasticsearch created"
    cluster.settle()

    pods = cluster.list("pods", "kube-system", label_selector="name=fluentd-elasticsearch")
    assert sorted(pod["spec"]["nodeName"] for pod in pods) == ["node-1", "node-2", "node-3"]
    assert {pod["status"]["phase"] for pod in pods} == {"Running"}
    table = cluster.kubectl("get ds -n kube-system").splitlines()
    assert table[0].split() == ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE",
                                "SELECTOR", "AGE"]
    assert table[1].split()[:7] == ["fluentd-elasticsearch", "3", "3", "3", "3", "3", "<none>"]
    scheduled = [line for line in cluster.kubectl("get events -n kube-system").splitlines() if "Scheduled" in line]
    assert len(scheduled) == 3   # the default scheduler bound them (their affinity names one node each)

    cluster.kubectl("delete node node-3")   # its daemon pod goes with it: the pod GC, 40 s later
    cluster.run(90)
    pods = cluster.list("pods", "kube-system", label_selector="name=fluentd-elasticsearch")
    assert sorted(pod["spec"]["nodeName"] for pod in pods) == ["node-1", "node-2"]
    assert cluster.get("daemonsets", "fluentd-elasticsearch", "kube-system")["status"]["desiredNumberScheduled"] == 2


def test_the_docs_statefulset_starts_web_0_1_2_in_order_behind_its_headless_service():
    cluster = Cluster(nodes=2)
    cluster.apply((EXAMPLES / "web-statefulset.yaml").read_text())
    cluster.settle()

    pods = {pod["metadata"]["name"]: pod for pod in cluster.list("pods", "default", label_selector="app=nginx")}
    assert sorted(pods) == ["web-0", "web-1", "web-2"]
    started = [pods[name]["status"]["startTime"] for name in ("web-0", "web-1", "web-2")]
    assert started == sorted(started) and len(set(started)) == 3   # one after the other
    assert (pods["web-2"]["spec"]["hostname"], pods["web-2"]["spec"]["subdomain"]) == ("web-2", "nginx")
    assert cluster.kubectl("get sts").splitlines()[1].split()[:2] == ["web", "3/3"]
    created = [line.split("  ")[-1].strip() for line in cluster.kubectl("get events").splitlines()
               if "SuccessfulCreate" in line and "StatefulSet" in line]
    assert created == [message for i in range(3) for message in (
        f"create Claim www-web-{i} Pod web-{i} in StatefulSet web success",
        f"create Pod web-{i} in StatefulSet web successful")]
    claims = {claim["metadata"]["name"]: claim for claim in cluster.list("persistentvolumeclaims", "default")}
    assert sorted(claims) == ["www-web-0", "www-web-1", "www-web-2"]
    assert {claim["status"]["phase"] for claim in claims.values()} == {"Bound"}
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-2"}} in pods["web-2"]["spec"]["volumes"]
