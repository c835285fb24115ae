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
    "configmaps": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"},
                   "data": {"nginx.conf": "worker_processes 1;"}},
    "secrets": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
                "stringData": {"password": "s3cret"}},
    "serviceaccounts": {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"}},
    "leases": {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "my-lock"},
               "spec": {"holderIdentity": "me", "leaseDurationSeconds": 15,
                        "renewTime": "2025-01-01T00:00:00.000000Z"}},
    "roles": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "pod-reader"},
              "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]},
    "rolebindings": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                     "metadata": {"name": "read-pods"},
                     "subjects": [{"kind": "ServiceAccount", "name": "robot", "namespace": "default"}],
                     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"}},
    "clusterroles": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                     "metadata": {"name": "node-reader"},
                     "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]}]},
    "clusterrolebindings": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                            "metadata": {"name": "read-nodes"},
                            "subjects": [{"kind": "User", "name": "jane", "apiGroup": "rbac.authorization.k8s.io"}],
                            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                        "name": "node-reader"}},
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


def test_subresource_answers_validate(client):
    client.create("deployments", MANIFESTS["deployments"])
    kubernetes_validate.validate(client.get("deployments", "web", subresource="scale"), "1.32", strict=True)
    answer = client.create("serviceaccounts", {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                                               "spec": {}}, "default", subresource="token", name="default")
    kubernetes_validate.validate(answer, "1.32", strict=True)
