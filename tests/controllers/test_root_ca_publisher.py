"""Stories of the root CA publisher: every namespace gets kube-root-ca.crt, and keeps it."""
import base64
import json

from kubelab import Cluster
from kubelab.controllers.root_ca_publisher import DESCRIPTION_KEY, ROOT_CA
from kubelab.controllers.tokens import CA_PLACEHOLDER


def test_every_namespace_old_and_new_gets_the_root_ca_config_map():
    cluster = Cluster(nodes=1, seed=0)
    cluster.client.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    cluster.settle()
    for namespace in ("default", "kube-system", "kube-public", "kube-node-lease", "shop"):
        config_map = cluster.get("configmaps", ROOT_CA, namespace)
        assert config_map["data"] == {"ca.crt": CA_PLACEHOLDER}
        assert DESCRIPTION_KEY in config_map["metadata"]["annotations"]


def test_an_edited_or_deleted_root_ca_config_map_is_put_back():
    cluster = Cluster(nodes=1, seed=0)
    cluster.settle()
    edited = cluster.get("configmaps", ROOT_CA, "default")
    edited["data"] = {"ca.crt": "forged"}
    cluster.client.update("configmaps", edited, "default")
    cluster.client.delete("configmaps", ROOT_CA, "kube-public")
    cluster.settle()
    assert cluster.get("configmaps", ROOT_CA, "default")["data"] == {"ca.crt": CA_PLACEHOLDER}
    assert cluster.get("configmaps", ROOT_CA, "kube-public")["data"] == {"ca.crt": CA_PLACEHOLDER}


def test_a_pod_s_service_account_volume_shows_the_published_ca_and_a_pod_bound_token():
    cluster = Cluster(nodes=1, seed=0)
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"}, "spec": {"containers": [
        {"name": "app", "image": "busybox:1.37", "command": ["sleep", "3600"]}]}})
    cluster.run(10)
    folder = "/var/run/secrets/kubernetes.io/serviceaccount"
    assert cluster.exec("app", f"ls {folder}").split() == ["ca.crt", "namespace", "token"]
    assert cluster.exec("app", f"cat {folder}/ca.crt") == CA_PLACEHOLDER
    token = cluster.exec("app", f"cat {folder}/token").strip()
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    pod = cluster.get("pods", "app")
    assert claims["kubernetes.io"]["pod"] == {"name": "app", "uid": pod["metadata"]["uid"]}
    assert claims["sub"] == "system:serviceaccount:default:default"
