"""Stories about the API server's verbs: create, get, list, update, patch, delete."""
import pytest

from kubelab.client import ApiError


def pod(name="web", **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}], **spec}}


def test_a_created_object_gets_uid_timestamp_and_a_resource_version_from_the_store(client, store):
    created = client.create("pods", pod())
    assert created["metadata"]["uid"]
    assert created["metadata"]["creationTimestamp"] == "2025-01-01T00:00:00Z"
    assert created["metadata"]["resourceVersion"] == str(store.revision)


def test_objects_are_stored_as_json_under_the_real_registry_keys(client, store):
    client.create("pods", pod())
    client.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    assert store.get("/registry/pods/default/web") is not None
    assert store.get("/registry/services/specs/default/web") is not None
    assert store.get("/registry/namespaces/kube-system") is not None


def test_a_taken_name_is_refused_with_already_exists(client):
    client.create("pods", pod())
    with pytest.raises(ApiError) as error:
        client.create("pods", pod())
    assert error.value.code == 409 and error.value.reason == "AlreadyExists"
    assert error.value.message == 'pods "web" already exists'


def test_getting_a_missing_object_is_404_not_found(client):
    with pytest.raises(ApiError) as error:
        client.get("pods", "nope")
    assert (error.value.code, error.value.reason, error.value.message) == (404, "NotFound", 'pods "nope" not found')


def test_an_update_with_a_stale_resource_version_is_a_409_conflict(client):
    first = client.create("pods", pod())
    fresh = client.patch("pods", "web", {"metadata": {"labels": {"tier": "front"}}})
    assert fresh["metadata"]["resourceVersion"] != first["metadata"]["resourceVersion"]
    first["metadata"]["labels"]["stale"] = "yes"
    with pytest.raises(ApiError) as error:
        client.update("pods", first)
    assert error.value.code == 409 and error.value.reason == "Conflict"
    assert "the object has been modified" in error.value.message


def test_an_invalid_object_gets_422_with_causes_naming_the_fields(client, store):
    before = store.revision
    bad = pod("Bad_Name")
    bad["spec"]["containers"][0].pop("image")
    with pytest.raises(ApiError) as error:
        client.create("pods", bad)
    causes = {c["field"] for c in error.value.status["details"]["causes"]}
    assert error.value.code == 422
    assert causes == {"metadata.name", "spec.containers[0].image"}
    assert store.revision == before  # nothing half-written


def test_a_deployment_whose_selector_misses_its_template_labels_is_invalid(client):
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "other"}},
                                        "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}
    with pytest.raises(ApiError) as error:
        client.create("deployments", deployment)
    assert "`selector` does not match template `labels`" in error.value.message


def test_defaults_are_filled_in_as_kubernetes_does(client):
    created = client.create("pods", pod())
    spec = created["spec"]
    assert spec["restartPolicy"] == "Always" and spec["schedulerName"] == "default-scheduler"
    assert spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_list_filters_by_label_selector_and_spec_node_name_field_selector(client):
    client.create("pods", pod("a"))
    client.create("pods", {**pod("b"), "metadata": {"name": "b", "labels": {"app": "db"}}})
    client.bind(client.get("pods", "a"), "node-1")
    assert [p["metadata"]["name"] for p in client.list("pods", "default", label_selector="app=web")["items"]] == ["a"]
    assert [p["metadata"]["name"] for p in client.list("pods", field_selector="spec.nodeName=node-1")["items"]] == ["a"]
    assert [p["metadata"]["name"] for p in client.list("pods", field_selector="spec.nodeName=")["items"]] == ["b"]


def test_binding_sets_node_name_once_and_refuses_a_second_binding(client):
    created = client.create("pods", pod())
    client.bind(created, "node-1")
    bound = client.get("pods", "web")
    assert bound["spec"]["nodeName"] == "node-1"
    assert any(c["type"] == "PodScheduled" and c["status"] == "True" for c in bound["status"]["conditions"])
    with pytest.raises(ApiError) as error:
        client.bind(created, "node-2")
    assert error.value.code == 409


def test_the_main_resource_cannot_change_status_and_the_status_subresource_cannot_change_spec(client):
    created = client.create("pods", pod())
    created["status"]["phase"] = "Running"
    assert client.update("pods", created)["status"]["phase"] == "Pending"
    current = client.get("pods", "web")
    current["status"]["phase"] = "Running"
    current["spec"]["containers"][0]["image"] = "nginx:changed"
    written = client.update_status("pods", current)
    assert written["status"]["phase"] == "Running"
    assert written["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_generation_counts_spec_changes_of_a_deployment_but_not_status_writes(client):
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}
    created = client.create("deployments", deployment)
    assert created["metadata"]["generation"] == 1
    scaled = client.patch("deployments", "web", {"spec": {"replicas": 3}})
    assert scaled["metadata"]["generation"] == 2
    scaled["status"] = {"observedGeneration": 2}
    assert client.update_status("deployments", scaled)["metadata"]["generation"] == 2


def test_services_get_a_cluster_ip_from_the_service_range_and_release_it(client, apiserver):
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}
    created = client.create("services", service)
    ip = created["spec"]["clusterIP"]
    assert ip.startswith("10.") and ip in apiserver.ips.taken
    assert created["spec"]["ports"][0] == {"port": 80, "targetPort": 8080, "protocol": "TCP"}
    client.delete("services", "web")
    assert ip not in apiserver.ips.taken


def test_creating_in_a_missing_namespace_is_refused(client):
    with pytest.raises(ApiError) as error:
        client.create("pods", pod(), namespace="nowhere")
    assert error.value.code == 404 and error.value.message == 'namespaces "nowhere" not found'


def test_a_bound_pod_is_deleted_gracefully_and_an_unbound_one_at_once(client):
    client.create("pods", pod("bound"))
    client.create("pods", pod("free"))
    client.bind(client.get("pods", "bound"), "node-1")
    terminating = client.delete("pods", "bound")
    assert terminating["metadata"]["deletionTimestamp"] == "2025-01-01T00:00:30Z"
    assert client.get("pods", "bound")["metadata"]["deletionGracePeriodSeconds"] == 30
    client.delete("pods", "bound", grace_period_seconds=0)
    client.delete("pods", "free")
    assert client.list("pods", "default")["items"] == []


def test_generate_name_gives_a_fresh_name_with_upstreams_alphabet(client):
    created = client.create("pods", {**pod(), "metadata": {"generateName": "web-"}})
    name = created["metadata"]["name"]
    assert name.startswith("web-") and len(name) == 9
    assert set(name[4:]) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_a_no_op_update_does_not_move_the_resource_version(client):
    created = client.create("pods", pod())
    again = client.update("pods", created)
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
