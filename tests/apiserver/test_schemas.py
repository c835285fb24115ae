"""Every object the API server returns validates against the upstream v1.32 schemas."""
import kubernetes_validate
import pytest

MANIFESTS = {
    "pods": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                      "ports": [{"containerPort": 80}],
                                      "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                                                    "limits": {"memory": "128Mi"}}}]}},
    "services": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                 "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}},
    "deployments": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                             "template": {"metadata": {"labels": {"app": "web"}},
                                          "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}},
    "replicasets": {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-1"},
                    "spec": {"selector": {"matchLabels": {"app": "web"}},
                             "template": {"metadata": {"labels": {"app": "web"}},
                                          "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}},
    "namespaces": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}},
    "endpoints": {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
                  "subsets": [{"addresses": [{"ip": "10.244.1.2"}], "ports": [{"port": 80}]}]},
}


@pytest.mark.parametrize("resource", sorted(MANIFESTS))
def test_what_the_api_server_returns_validates_against_upstream_schemas(client, resource):
    created = client.create(resource, MANIFESTS[resource])
    kubernetes_validate.validate(created, "1.32", strict=True)
    listed = client.list(resource)
    for item in listed["items"]:
        kubernetes_validate.validate(item, "1.32", strict=True)


def test_the_bootstrap_objects_validate(client):
    for resource in ("namespaces", "services"):
        for item in client.list(resource)["items"]:
            kubernetes_validate.validate(item, "1.32", strict=True)
