"""Stories about subresources: scale, eviction, log, token."""
import pytest

from kubelab.apiserver.authentication import jwt
from kubelab.client import ApiError


def deployment(replicas=2):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}


def pod(name="web"):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}


def test_scale_reads_and_writes_only_the_replica_count(client):
    client.create("deployments", deployment())
    scale = client.get("deployments", "web", subresource="scale")
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 2} and scale["status"] == {"replicas": 0, "selector": "app=web"}
    scale["spec"]["replicas"] = 5
    assert client.update("deployments", scale, subresource="scale")["spec"]["replicas"] == 5
    patched = client.patch("deployments", "web", {"spec": {"replicas": 7}}, subresource="scale")
    assert patched["spec"]["replicas"] == 7
    deployment_now = client.get("deployments", "web")
    assert deployment_now["spec"]["replicas"] == 7 and deployment_now["metadata"]["generation"] == 3
    scale["spec"]["replicas"] = 1  # a stale resourceVersion
    with pytest.raises(ApiError) as error:
        client.update("deployments", scale, subresource="scale")
    assert error.value.code == 409


def test_an_eviction_deletes_the_pod_gracefully(client):
    created = client.create("pods", pod())
    client.bind(created, "node-1")
    answer = client.create("pods", {"apiVersion": "policy/v1", "kind": "Eviction",
                                    "metadata": {"name": "web", "namespace": "default"}},
                           subresource="eviction", name="web")
    assert answer["status"] == "Success" and answer["code"] == 201
    assert client.get("pods", "web")["metadata"]["deletionGracePeriodSeconds"] == 30


def test_logs_come_from_the_pods_node_through_the_node_connection(client, apiserver):
    client.bind(client.create("pods", pod()), "node-1")
    with pytest.raises(ApiError) as error:
        client.get("pods", "web", subresource="log")
    assert error.value.code == 500 and "connect: connection refused" in error.value.message
    asked = []
    apiserver.node_connections.register("node-1", lambda ns, name, container, options:
                                        asked.append((ns, name, container, options.get("tailLines"))) or "hello\n")
    assert client.get("pods", "web", subresource="log", tailLines=5) == "hello\n"
    assert asked == [("default", "web", "nginx", 5)]
    with pytest.raises(ApiError) as error:
        client.get("pods", "web", subresource="log", container="nope")
    assert error.value.message == "container nope is not valid for pod web"


def test_a_token_request_gives_a_signed_token_for_the_account_bound_to_a_pod(client, apiserver, clock):
    created = client.create("pods", pod())
    request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
               "spec": {"expirationSeconds": 3600, "boundObjectRef": {
                   "kind": "Pod", "apiVersion": "v1", "name": "web", "uid": created["metadata"]["uid"]}}}
    answer = client.create("serviceaccounts", request, "default", subresource="token", name="default")
    token = answer["status"]["token"]
    claims = jwt.decode(token, apiserver.service_account_tokens().public_key)
    assert claims["sub"] == "system:serviceaccount:default:default"
    assert claims["kubernetes.io"]["pod"] == {"name": "web", "uid": created["metadata"]["uid"]}
    assert claims["exp"] - claims["iat"] == 3600
    with pytest.raises(ApiError) as error:
        client.create("serviceaccounts", {**request, "spec": {"expirationSeconds": 60}}, "default",
                      subresource="token", name="default")
    assert error.value.code == 422 and "may not specify a duration less than 10 minutes" in error.value.message
    with pytest.raises(ApiError) as error:
        client.create("serviceaccounts", request, "default", subresource="token", name="robot")
    assert error.value.code == 404


def test_a_node_connection_over_http_asks_the_kubelets_container_logs_path(client, apiserver):
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from kubelab.apiserver.subresources.log import http_provider

    class Kubelet(BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"asked {self.path}\n".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    kubelet = HTTPServer(("127.0.0.1", 0), Kubelet)
    thread = threading.Thread(target=kubelet.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        client.bind(client.create("pods", pod()), "node-1")
        apiserver.node_connections.register("node-1", http_provider(f"http://127.0.0.1:{kubelet.server_port}", 5))
        assert client.get("pods", "web", subresource="log", tailLines=3) == \
            "asked /containerLogs/default/web/nginx?tailLines=3\n"
    finally:
        kubelet.shutdown()
        kubelet.server_close()
