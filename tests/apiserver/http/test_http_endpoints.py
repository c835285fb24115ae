"""Stories: what kubelab's API server answers over HTTP beyond the objects themselves —
errors as Status, bodies that do not parse, Tables, watch streams, discovery, health, metrics."""
import http.client
import json
import socket
import threading
import time

import pytest


def call(server, method: str, path: str, body=None, headers=None, raw: bytes | None = None):
    """(status, headers, decoded body) of one request."""
    connection = http.client.HTTPConnection(server.http.host, server.http.port, timeout=30)
    payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    connection.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    kind = response.getheader("Content-Type", "")
    streamed = response.getheader("Transfer-Encoding") == "chunked"   # a watch: JSON lines
    parsed = json.loads(data) if kind.startswith("application/json") and not streamed else data.decode()
    return response.status, response, parsed


POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "kube-system",
                                                        "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "web", "image": "nginx"}]}}


@pytest.fixture(scope="module", autouse=True)
def default_service_account(server):
    call(server, "POST", "/api/v1/namespaces/kube-system/serviceaccounts",
         {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}})


def test_create_answers_201_and_a_second_create_409_as_a_status(server):
    status, _, created = call(server, "POST", "/api/v1/namespaces/kube-system/pods", POD)
    assert status == 201 and created["metadata"]["uid"]
    status, _, refused = call(server, "POST", "/api/v1/namespaces/kube-system/pods", POD)
    assert status == 409
    assert refused == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": 'pods "web-1" already exists', "reason": "AlreadyExists",
                       "details": {"name": "web-1", "group": "", "kind": "pods"}, "code": 409}


def test_a_body_that_does_not_parse_is_400_naming_the_problem(server):
    status, _, refused = call(server, "POST", "/api/v1/namespaces/default/pods", raw=b'{"kind": "Pod",')
    assert status == 400 and refused["reason"] == "BadRequest"
    assert refused["message"].startswith("couldn't get version/kind; json parse error: ")
    status, _, refused = call(server, "POST", "/api/v1/namespaces/default/pods", raw=b"kind: [Pod",
                              headers={"Content-Type": "application/yaml"})
    assert status == 400 and "yaml parse error" in refused["message"]


def test_a_body_over_three_mebibytes_is_413(server):
    status, _, refused = call(server, "POST", "/api/v1/namespaces/default/configmaps",
                              raw=b" " * (3 * 1024 * 1024 + 1))
    assert status == 413 and refused["message"] == "Request entity too large: limit is 3145728"


def test_asking_for_a_table_gets_the_columns_kubectl_prints(server):
    status, response, table = call(server, "GET", "/api/v1/namespaces?labelSelector=",
                                   headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert status == 200 and table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert [column["name"] for column in table["columnDefinitions"]] == ["Name", "Status", "Age"]
    names = [row["cells"][0] for row in table["rows"]]
    assert "kube-system" in names
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


def test_a_watch_streams_one_event_per_line_then_a_bookmark_and_ends_at_its_timeout(server):
    _, _, listed = call(server, "GET", "/api/v1/namespaces/kube-system/configmaps")
    start = listed["metadata"]["resourceVersion"]
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "watched"}, "data": {"a": "1"}}
    call(server, "POST", "/api/v1/namespaces/kube-system/configmaps", config)
    call(server, "DELETE", "/api/v1/namespaces/kube-system/configmaps/watched")
    status, response, text = call(server, "GET", f"/api/v1/namespaces/kube-system/configmaps?watch=true"
                                                 f"&resourceVersion={start}&timeoutSeconds=1&allowWatchBookmarks=true")
    assert status == 200 and response.getheader("Transfer-Encoding") == "chunked"
    events = [json.loads(line) for line in text.splitlines()]
    assert [event["type"] for event in events] == ["ADDED", "DELETED", "BOOKMARK"]
    versions = [int(event["object"]["metadata"]["resourceVersion"]) for event in events]
    assert versions == sorted(versions) and versions[0] > int(start)


def test_a_watch_from_a_compacted_version_gets_one_410_error_event(server):
    server.apiserver.store.compact(server.apiserver.store.revision)
    status, _, text = call(server, "GET", "/api/v1/pods?watch=true&resourceVersion=1&timeoutSeconds=1")
    events = [json.loads(line) for line in text.splitlines()]
    assert status == 200 and len(events) == 1
    assert events[0]["type"] == "ERROR" and events[0]["object"]["code"] == 410


def test_discovery_lists_groups_and_resources_from_the_registry(server):
    _, _, version = call(server, "GET", "/version")
    assert version["gitVersion"].startswith("v1.32.") and version["minor"] == "32"
    _, _, groups = call(server, "GET", "/apis")
    assert "apps" in [group["name"] for group in groups["groups"]]
    _, _, core = call(server, "GET", "/api/v1")
    pods = next(r for r in core["resources"] if r["name"] == "pods")
    assert pods["shortNames"] == ["po"] and pods["categories"] == ["all"] and pods["namespaced"]
    assert {"name": "pods/binding", "singularName": "pod", "namespaced": True, "kind": "Binding",
            "verbs": ["create"]} in core["resources"]
    status, response, aggregated = call(server, "GET", "/apis", headers={
        "Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"})
    assert response.getheader("Content-Type").endswith("as=APIGroupDiscoveryList")
    apps = next(item for item in aggregated["items"] if item["metadata"]["name"] == "apps")
    assert "deployments" in [r["resource"] for r in apps["versions"][0]["resources"]]


def test_openapi_describes_exactly_the_served_kinds(server):
    _, _, index = call(server, "GET", "/openapi/v3")
    assert set(index["paths"]) >= {"api/v1", "apis/apps/v1"}
    _, _, apps = call(server, "GET", index["paths"]["apis/apps/v1"]["serverRelativeURL"])
    kinds = {gvk["kind"] for schema in apps["components"]["schemas"].values()
             for gvk in schema.get("x-kubernetes-group-version-kind", []) if gvk.get("group") == "apps"}
    _, _, discovery = call(server, "GET", "/apis/apps/v1")
    served = {resource["kind"] for resource in discovery["resources"] if "/" not in resource["name"]}
    assert served == {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "ControllerRevision"}
    shapes = {"DeleteOptions", "WatchEvent"}   # (the group's shared shapes, not kinds it serves)
    assert {kind for kind in kinds if not kind.endswith("List") and kind not in shapes} == served
    assert "apis/autoscaling/v2" not in index["paths"]   # a group kubelab does not serve has no document
    patch = apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert "fieldValidation" in [parameter["name"] for parameter in patch["parameters"]]


def test_health_endpoints_and_verbose_checks(server):
    assert call(server, "GET", "/healthz")[2] == "ok"
    status, _, text = call(server, "GET", "/readyz?verbose")
    assert status == 200 and text.splitlines()[-1] == "readyz check passed" and "[+]etcd ok" in text
    assert call(server, "GET", "/livez/ping")[2] == "ok"
    assert call(server, "GET", "/livez/nonsense")[0] == 404


def test_metrics_count_requests_by_verb_resource_and_code(server):
    call(server, "GET", "/api/v1/namespaces/default/pods/absent")
    _, _, text = call(server, "GET", "/metrics")
    assert any(line.startswith("apiserver_request_total{") and 'verb="GET"' in line and 'resource="pods"' in line
               and 'code="404"' in line for line in text.splitlines())
    assert "# TYPE apiserver_request_duration_seconds histogram" in text
    assert any(line.startswith("apiserver_request_duration_seconds_bucket{") and 'le="+Inf"' in line
               for line in text.splitlines())


def test_a_refused_request_does_not_leave_its_body_on_the_connection(server):
    connection = http.client.HTTPConnection(server.http.host, server.http.port, timeout=30)
    connection.request("POST", "/api/v1/widgets", body=b'{"kind": "Widget"}',
                       headers={"Content-Type": "application/json"})
    first = connection.getresponse()
    first.read()
    connection.request("GET", "/version")   # the same connection: keep-alive
    second = connection.getresponse()
    assert (first.status, second.status) == (404, 200)
    assert json.loads(second.read())["major"] == "1"
    connection.close()


def test_impersonation_is_refused_by_a_chain_that_cannot_impersonate(server, monkeypatch):
    monkeypatch.setattr(server.apiserver.chain, "impersonates", False)
    status, _, refused = call(server, "GET", "/api/v1/namespaces/default/pods",
                              headers={"Impersonate-User": "system:serviceaccount:default:reader"})
    assert status == 403 and refused["reason"] == "Forbidden"
    assert "system:serviceaccount:default:reader" in refused["message"]


def test_a_watch_ends_on_the_server_when_its_client_hangs_up(server):
    before = threading.active_count()
    connection = http.client.HTTPConnection(server.http.host, server.http.port, timeout=30)
    connection.request("GET", "/api/v1/namespaces?watch=true&timeoutSeconds=60")
    response = connection.getresponse()
    assert response.status == 200
    assert json.loads(response.fp.readline() and response.fp.readline())["type"] == "ADDED"
    connection.sock.shutdown(socket.SHUT_RDWR)
    connection.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)   # the HTTP shell: its threads run on real time
    assert threading.active_count() <= before
