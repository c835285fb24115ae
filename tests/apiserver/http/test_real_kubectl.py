"""Stories: the real kubectl (1.32, 1.27, 1.33) against kubelab's API server over HTTP.

Each version works in its own namespace, so the three share one server without meeting.
"""
import json
import subprocess
from pathlib import Path

import yaml

EXAMPLES = Path(__file__).resolve().parents[3] / "kubelab" / "examples"


def _namespace(kubectl) -> str:
    name = "v" + kubectl.version.replace(".", "-")
    kubectl("create", "namespace", name)   # a second call says AlreadyExists: fine here
    return name


def test_kubectl_reads_the_server_version_and_discovers_every_resource(kubectl):
    version = json.loads(kubectl.ok("version", "-o", "json"))
    assert version["serverVersion"]["gitVersion"].startswith("v1.32.")
    resources = kubectl.ok("api-resources")
    assert any(line.split()[:4] == ["deployments", "deploy", "apps/v1", "true"] for line in resources.splitlines())
    assert any(line.split()[:3] == ["nodes", "no", "v1"] for line in resources.splitlines())


def test_create_namespace_then_get_it(kubectl):
    name = f"team-{kubectl.version.replace('.', '-')}"
    assert kubectl.ok("create", "namespace", name) == f"namespace/{name} created\n"
    table = kubectl.ok("get", "namespace", name)
    assert table.splitlines()[0].split() == ["NAME", "STATUS", "AGE"]
    assert table.splitlines()[1].split()[:2] == [name, "Active"]
    again = kubectl("create", "namespace", name)
    assert again.returncode == 1
    assert f'namespaces "{name}" already exists' in again.stderr


def test_apply_a_docs_manifest_then_get_shows_the_server_side_columns(kubectl):
    namespace = _namespace(kubectl)
    manifest = str(EXAMPLES / "nginx-deployment.yaml")
    assert kubectl.ok("apply", "-n", namespace, "-f", manifest) == "deployment.apps/nginx-deployment created\n"
    assert kubectl.ok("apply", "-n", namespace, "-f", manifest) == "deployment.apps/nginx-deployment unchanged\n"
    wide = kubectl.ok("get", "deployments", "-n", namespace, "-o", "wide").splitlines()
    assert wide[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES",
                               "SELECTOR"]
    assert wide[1].split()[:4] == ["nginx-deployment", "0/3", "0", "0"]
    assert wide[1].split()[-3:] == ["nginx", "nginx:1.14.2", "app=nginx"]
    narrow = kubectl.ok("get", "deploy", "-n", namespace).splitlines()
    assert narrow[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]


def test_get_as_yaml_and_json_shows_what_is_stored(kubectl):
    namespace = _namespace(kubectl)
    kubectl.ok("apply", "-n", namespace, "-f", str(EXAMPLES / "nginx-deployment.yaml"))
    stored = yaml.safe_load(kubectl.ok("get", "deploy", "nginx-deployment", "-n", namespace, "-o", "yaml"))
    assert stored["metadata"]["generation"] == 1
    assert "kubectl.kubernetes.io/last-applied-configuration" in stored["metadata"]["annotations"]
    listed = json.loads(kubectl.ok("get", "deploy", "-n", namespace, "-o", "json"))
    assert listed["kind"] == "List"
    assert [item["metadata"]["name"] for item in listed["items"]] == ["nginx-deployment"]


def test_get_with_a_label_selector_keeps_only_matching_objects(kubectl):
    namespace = _namespace(kubectl)
    kubectl.ok("apply", "-n", namespace, "-f", str(EXAMPLES / "nginx-deployment.yaml"))
    assert "nginx-deployment" in kubectl.ok("get", "deploy", "-n", namespace, "-l", "app=nginx")
    empty = kubectl("get", "deploy", "-n", namespace, "-l", "app=other")
    assert empty.stdout == "" and empty.stderr == f"No resources found in {namespace} namespace.\n"


def test_a_typo_in_a_manifest_is_refused_by_strict_field_validation(kubectl, tmp_path):
    namespace = _namespace(kubectl)
    manifest = tmp_path / "typo.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: typo}\n"
                        "spec:\n  containers:\n  - name: web\n    image: nginx\n    imagePullPolicyy: Always\n")
    result = kubectl("apply", "-n", namespace, "-f", str(manifest))
    assert result.returncode == 1
    assert 'unknown field "spec.containers[0].imagePullPolicyy"' in result.stderr


def test_explain_describes_a_field_from_upstreams_schema(kubectl):
    explained = kubectl.ok("explain", "pods.spec.containers")
    assert "KIND:" in explained and "Pod" in explained
    assert "FIELD: containers <[]Container>" in explained or "RESOURCE: containers <[]Object>" in explained
    assert "List of containers belonging to the pod." in explained


def test_delete_removes_the_object(kubectl):
    namespace = _namespace(kubectl)
    kubectl.ok("apply", "-n", namespace, "-f", str(EXAMPLES / "nginx-service.yaml"))
    # kubectl from 1.34 on names the namespace it deleted from.
    said = 'service "nginx" deleted' + (f" from {namespace} namespace" if kubectl.version == "shipped" else "")
    assert kubectl.ok("delete", "service", "nginx", "-n", namespace) == said + "\n"
    gone = kubectl("get", "service", "nginx", "-n", namespace)
    assert gone.returncode == 1
    assert gone.stderr.strip() == 'Error from server (NotFound): services "nginx" not found'


def test_auth_can_i_is_answered_by_a_review_the_server_never_stores(kubectl):
    assert kubectl.ok("auth", "can-i", "create", "pods") == "yes\n"
    resources = kubectl.ok("api-resources", "--api-group=authorization.k8s.io")
    assert "selfsubjectaccessreviews" in resources


def test_create_deployment_sends_protobuf_and_scale_label_patch_edit_it(kubectl):
    namespace = _namespace(kubectl)
    assert kubectl.ok("create", "deployment", "web", "--image=nginx", "--replicas=2", "-n", namespace) == \
        "deployment.apps/web created\n"
    kubectl.ok("scale", "deployment", "web", "--replicas=4", "-n", namespace)
    kubectl.ok("label", "deployment", "web", "tier=front", "-n", namespace)
    kubectl.ok("annotate", "deployment", "web", "note=hello", "-n", namespace)
    kubectl.ok("patch", "deployment", "web", "-n", namespace, "--type=json",
               "-p", '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:1.27"}]')
    stored = json.loads(kubectl.ok("get", "deployment", "web", "-n", namespace, "-o", "json"))
    assert stored["spec"]["replicas"] == 4
    assert stored["metadata"]["labels"] == {"app": "web", "tier": "front"}
    assert stored["metadata"]["annotations"] == {"note": "hello"}
    assert stored["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_get_watch_prints_a_row_for_each_change_as_it_happens(kubectl):
    namespace = _namespace(kubectl)
    kubectl("create", "serviceaccount", "default", "-n", namespace)
    watcher = subprocess.Popen([kubectl.binary, "get", "pods", "-w", "-n", namespace, "--request-timeout=3s"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=kubectl.env())
    kubectl.ok("run", "watched", "--image=nginx", "-n", namespace)
    out, _ = watcher.communicate(timeout=30)
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert rows[1][:3] == ["watched", "0/1", "Pending"]


def test_the_access_log_shows_the_requests_behind_a_kubectl_command(kubectl, server):
    namespace = _namespace(kubectl)
    server.http.access_log.clear()
    kubectl.ok("get", "deployments", "-n", namespace)
    sent = [(method, target.split("?")[0], code) for method, target, code, agent in server.http.access_log
            if agent.startswith("kubectl")]
    assert ("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments", 200) in sent


def test_the_workload_kinds_print_kubectls_columns_and_refuse_bad_specs(kubectl, tmp_path):
    namespace = _namespace(kubectl)
    assert kubectl.ok("apply", "-n", namespace, "-f", str(EXAMPLES / "web-statefulset.yaml")).splitlines() == \
        ["service/nginx created", "statefulset.apps/web created"]
    assert kubectl.ok("get", "sts", "-n", namespace).splitlines()[0].split() == ["NAME", "READY", "AGE"]
    assert kubectl.ok("get", "sts", "-n", namespace).splitlines()[1].split()[:2] == ["web", "0/3"]
    daemonset = (EXAMPLES / "fluentd-daemonset.yaml").read_text().replace("kube-system", namespace)
    (tmp_path / "ds.yaml").write_text(daemonset)
    assert kubectl.ok("apply", "-f", str(tmp_path / "ds.yaml")) == "daemonset.apps/fluentd-elasticsearch created\n"
    assert kubectl.ok("get", "ds", "-n", namespace).splitlines()[0].split() == [
        "NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE", "SELECTOR", "AGE"]
    created = kubectl.ok("create", "-n", namespace, "-f", "-", stdin=json.dumps({
        "apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "nginx"},
        "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "nginx-rc"}},
                                             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}}))
    assert created == "replicationcontroller/nginx created\n"
    assert kubectl.ok("get", "rc", "nginx", "-n", namespace, "-o", "wide").splitlines()[0].split() == [
        "NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    assert kubectl.ok("scale", "rc", "nginx", "--replicas=3", "-n", namespace) == "replicationcontroller/nginx scaled\n"

    bad = yaml.safe_load(daemonset)
    bad["metadata"]["name"] = "bad"
    bad["spec"]["selector"] = {"matchLabels": {"name": "other"}}
    refused = kubectl("create", "-n", namespace, "-f", "-", stdin=json.dumps(bad))
    assert refused.returncode == 1
    assert 'The DaemonSet "bad" is invalid: spec.template.metadata.labels: Invalid value: ' \
           'map[string]string{"name":"fluentd-elasticsearch"}: `selector` does not match template `labels`' \
           in refused.stderr
