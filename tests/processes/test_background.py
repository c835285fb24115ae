"""`kubelab up` in the background (lesson 03): works with kubelab's kubectl when the real one is absent."""
from kubelab.cluster.background import Background


def test_without_a_real_kubectl_kubelabs_own_answers_over_https(monkeypatch):
    monkeypatch.setattr(Background, "real_kubectl", property(lambda self: None))
    with Background(nodes=1, seconds=120) as up:
        assert up.kubectl("get", "nodes", "-o", "name") == "node/node-1"
        assert up.kubectl("auth", "can-i", "create", "deployments") == "yes"
    assert up.process.poll() is not None  # leaving the block stopped kubelab up
