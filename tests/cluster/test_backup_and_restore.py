"""The backup plan, end to end: snapshot a running cluster, lose its objects, restore, carry on."""
from pathlib import Path

from kubelab import Cluster
from kubelab.store import FileStore, snapshot

DEPLOYMENT = (Path(__file__).resolve().parents[2] / "kubelab" / "examples" / "nginx-deployment.yaml").read_text()


def test_a_control_plane_started_on_a_restored_snapshot_has_the_deployment_back(tmp_path):
    cluster = Cluster(nodes=2, seed=0)
    cluster.apply(DEPLOYMENT)
    cluster.settle()
    saved = snapshot.save(cluster.store, tmp_path / "backup.snapshot")
    cluster.store.delete("/registry/deployments/", prefix=True)
    assert "No resources found" in cluster.kubectl("get deployments")

    restored = snapshot.restore(tmp_path / "backup.snapshot", tmp_path / "restored")
    assert (restored.revision, restored.hash) == (saved.revision, saved.hash)
    recovered = Cluster(nodes=2, seed=0, store=FileStore(tmp_path / "restored"))
    recovered.settle()
    deployment = recovered.get("deployments", "nginx-deployment", "default")
    assert deployment["status"]["readyReplicas"] == 3
    running = [p for p in recovered.list("pods", "default") if p["status"].get("phase") == "Running"]
    assert len(running) == 3
