"""The scale widget drives the real cluster: moving the slider scales through kubectl."""
from pathlib import Path

import pytest

from kubelab import Cluster, viz

DEPLOYMENT = (Path(__file__).resolve().parents[2] / "kubelab" / "examples" / "nginx-deployment.yaml").read_text()


def running_pods(cluster):
    return [p for p in cluster.list("pods", "default", "app=nginx") if p["status"].get("phase") == "Running"]


def test_moving_the_slider_scales_the_deployment_and_the_pods_follow():
    cluster = Cluster(nodes=3, seed=0)
    cluster.apply(DEPLOYMENT)
    cluster.settle()
    box = viz.scale_widget(cluster, "deployment/nginx-deployment")
    slider = box.children[0]
    assert slider.value == 3
    slider.value = 5
    assert cluster.get("deployments", "nginx-deployment")["spec"]["replicas"] == 5
    assert len(running_pods(cluster)) == 5
    slider.value = 1
    assert len([p for p in cluster.list("pods", "default", "app=nginx")
                if not p["metadata"].get("deletionTimestamp")]) == 1


def test_a_target_that_is_not_a_deployment_or_replicaset_is_refused_clearly():
    cluster = Cluster(nodes=1, seed=0)
    with pytest.raises(ValueError, match="deployment/NAME or replicaset/NAME"):
        viz.scale_widget(cluster, "service/nginx")
