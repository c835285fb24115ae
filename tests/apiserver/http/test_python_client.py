"""Stories: the official `kubernetes` Python client against kubelab's API server over HTTP.

The client is generated from upstream's OpenAPI: it builds the URLs, sends JSON, and turns
every answer into typed models (V1Pod, V1Deployment) and every refusal into ApiException
with the HTTP status and the Status body. If kubelab's paths, shapes or codes were wrong,
these would fail in the client's own code.
"""
import json

import pytest

kubernetes = pytest.importorskip("kubernetes")
from kubernetes import client as k8s  # noqa: E402
from kubernetes import watch  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402

NAMESPACE = "python-client"


@pytest.fixture(scope="module")
def api(server):
    configuration = k8s.Configuration()
    configuration.host = server.url
    configuration.api_key = {"authorization": f"Bearer {getattr(server, 'admin_token', '') or 'kubelab'}"}
    with k8s.ApiClient(configuration) as api_client:
        core = k8s.CoreV1Api(api_client)
        core.create_namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        # Pods run as the namespace's default ServiceAccount; without a controller manager
        # (which creates it in `kubelab up`), the story creates it itself.
        core.create_namespaced_service_account(NAMESPACE, {"metadata": {"name": "default"}})
        yield core, k8s.AppsV1Api(api_client)


def _pod(name: str, **labels) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}


def _deployment(name: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}


def test_create_list_read_patch_delete_a_pod(api):
    core, _ = api
    created = core.create_namespaced_pod(NAMESPACE, _pod("crud-1"))
    assert created.metadata.name == "crud-1" and created.metadata.uid
    listed = core.list_namespaced_pod(NAMESPACE, label_selector="app=web")
    assert "crud-1" in [pod.metadata.name for pod in listed.items]
    assert core.read_namespaced_pod("crud-1", NAMESPACE).spec.containers[0].image == "nginx:1.27"
    patched = core.patch_namespaced_pod("crud-1", NAMESPACE, {"metadata": {"labels": {"tier": "front"}}})
    assert patched.metadata.labels == {"app": "web", "tier": "front"}
    assert int(patched.metadata.resource_version) > int(created.metadata.resource_version)
    core.delete_namespaced_pod("crud-1", NAMESPACE)
    with pytest.raises(ApiException) as refused:
        core.read_namespaced_pod("crud-1", NAMESPACE)
    assert refused.value.status == 404


def test_apps_v1_deployments_round_trip(api):
    _, apps = api
    apps.create_namespaced_deployment(NAMESPACE, _deployment("shop"))
    read = apps.read_namespaced_deployment("shop", NAMESPACE)
    assert read.spec.replicas == 2 and read.metadata.generation == 1
    apps.patch_namespaced_deployment("shop", NAMESPACE, {"spec": {"replicas": 5}})
    assert apps.read_namespaced_deployment("shop", NAMESPACE).metadata.generation == 2
    assert [d.metadata.name for d in apps.list_namespaced_deployment(NAMESPACE).items] == ["shop"]
    apps.delete_namespaced_deployment("shop", NAMESPACE)
    assert apps.list_namespaced_deployment(NAMESPACE).items == []


def test_refusals_come_back_as_the_status_the_client_expects(api):
    core, _ = api
    core.create_namespaced_pod(NAMESPACE, _pod("taken"))
    with pytest.raises(ApiException) as conflict:
        core.create_namespaced_pod(NAMESPACE, _pod("taken"))
    status = json.loads(conflict.value.body)
    assert (conflict.value.status, status["reason"]) == (409, "AlreadyExists")
    assert status["message"] == 'pods "taken" already exists'
    assert status["details"] == {"name": "taken", "group": "", "kind": "pods"}

    with pytest.raises(ApiException) as missing:
        core.read_namespaced_pod("absent", NAMESPACE)
    assert (missing.value.status, json.loads(missing.value.body)["reason"]) == (404, "NotFound")

    with pytest.raises(ApiException) as invalid:
        core.create_namespaced_pod(NAMESPACE, _pod("Not_A_Name"))
    status = json.loads(invalid.value.body)
    assert (invalid.value.status, status["reason"]) == (422, "Invalid")
    assert status["details"]["causes"][0]["field"] == "metadata.name"


def test_a_watch_with_a_timeout_sees_the_changes_then_ends(api):
    core, _ = api
    start = core.list_namespaced_pod(NAMESPACE).metadata.resource_version
    core.create_namespaced_pod(NAMESPACE, _pod("watched-1"))
    core.patch_namespaced_pod("watched-1", NAMESPACE, {"metadata": {"labels": {"seen": "yes"}}})
    core.delete_namespaced_pod("watched-1", NAMESPACE)
    events = [(event["type"], event["object"].metadata.name)
              for event in watch.Watch().stream(core.list_namespaced_pod, NAMESPACE, resource_version=start,
                                                timeout_seconds=1)]
    assert events == [("ADDED", "watched-1"), ("MODIFIED", "watched-1"), ("DELETED", "watched-1")]
