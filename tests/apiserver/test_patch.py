"""Stories about PATCH: merge patch, strategic merge patch (kubectl's), JSON patch."""
import pytest

from kubelab.apiserver.patch import strategic_merge_patch
from kubelab.client import ApiError

SMP, JSON_PATCH = "application/strategic-merge-patch+json", "application/json-patch+json"


def deployment():
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                         {"name": "nginx", "image": "nginx:1.26", "ports": [{"containerPort": 80}],
                          "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                         {"name": "sidecar", "image": "busybox"}]}}}}


def containers(obj):
    return obj["spec"]["template"]["spec"]["containers"]


def test_a_strategic_merge_patch_changes_one_container_by_name_and_keeps_the_others(client):
    client.create("deployments", deployment())
    patched = client.patch("deployments", "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "image": "nginx:1.27", "env": [{"name": "B", "value": "3"}]}]}}}},
        patch_type=SMP)
    nginx, sidecar = containers(patched)
    assert nginx["image"] == "nginx:1.27" and sidecar["name"] == "sidecar"
    assert nginx["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}]
    assert nginx["ports"] == [{"containerPort": 80, "protocol": "TCP"}]


def test_a_merge_patch_replaces_the_whole_list_where_a_strategic_one_merges(client):
    client.create("deployments", deployment())
    patched = client.patch("deployments", "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "image": "nginx:1.27"}]}}}})
    assert [c["name"] for c in containers(patched)] == ["nginx"]
    assert "env" not in containers(patched)[0]


def test_patch_directives_delete_an_item_and_replace_a_list():
    target = {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}],
                       "volumes": [{"name": "v1"}, {"name": "v2"}], "tolerations": [{"key": "k1"}]},
              "metadata": {"finalizers": ["one"]}}
    patched = strategic_merge_patch(target, {
        "spec": {"containers": [{"name": "a", "$patch": "delete"}],
                 "volumes": [{"name": "v3"}, {"$patch": "replace"}],
                 "tolerations": [{"key": "k2"}],                      # no merge key: replaced
                 "$setElementOrder/containers": [{"name": "b"}]},
        "metadata": {"finalizers": ["two"]}})                       # merged as a set
    assert patched["spec"]["containers"] == [{"name": "b", "image": "y"}]
    assert patched["spec"]["volumes"] == [{"name": "v3"}]
    assert patched["spec"]["tolerations"] == [{"key": "k2"}]
    assert patched["metadata"]["finalizers"] == ["one", "two"]


def test_a_json_patch_applies_its_operations_in_order_and_a_failed_test_changes_nothing(client, store):
    client.create("deployments", deployment())
    patched = client.patch("deployments", "web", [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 3},
        {"op": "add", "path": "/metadata/labels", "value": {"tier": "front"}},
        {"op": "remove", "path": "/spec/template/spec/containers/1"}], patch_type=JSON_PATCH)
    assert patched["spec"]["replicas"] == 3 and patched["metadata"]["labels"] == {"tier": "front"}
    assert [c["name"] for c in containers(patched)] == ["nginx"]
    before = store.revision
    with pytest.raises(ApiError) as error:
        client.patch("deployments", "web", [{"op": "test", "path": "/spec/replicas", "value": 1},
                                            {"op": "replace", "path": "/spec/replicas", "value": 9}],
                     patch_type=JSON_PATCH)
    assert error.value.code == 422 and "testing value /spec/replicas failed" in error.value.message
    assert store.revision == before


def test_server_side_apply_is_refused_with_415(client):
    client.create("deployments", deployment())
    with pytest.raises(ApiError) as error:
        client.patch("deployments", "web", {"spec": {"replicas": 2}}, patch_type="application/apply-patch+yaml")
    assert error.value.code == 415 and "client-side apply" in error.value.message


def test_server_side_apply_of_a_new_object_is_refused_with_415_not_404(client, store):
    """`kubectl apply --server-side` of an object that doesn't exist yet: the same 415, before any lookup."""
    before = store.revision
    with pytest.raises(ApiError) as error:
        client.patch("configmaps", "ssa", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}},
                     "default", patch_type="application/apply-patch+yaml")
    assert error.value.code == 415 and "client-side apply" in error.value.message
    assert store.revision == before
