"""`kubectl apply` and `kubectl create` against the real API server: created, unchanged, configured.

The story of declarative configuration: apply creates, applying the same file again changes
nothing, editing the file changes exactly what was edited, and what others changed (a scale,
a label a controller added) survives unless the file says otherwise.
"""
import json

import pytest

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: frontend}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


@pytest.fixture
def web_file(tmp_path):
    path = tmp_path / "web.yaml"
    path.write_text(WEB)
    return path


def test_apply_creates_then_reports_unchanged_then_configured(live_kubectl, web_file):
    assert live_kubectl(f"apply -f {web_file}") == "deployment.apps/web created\nservice/web created\n"
    assert live_kubectl(f"apply -f {web_file}") == "deployment.apps/web unchanged\nservice/web unchanged\n"
    web_file.write_text(WEB.replace("nginx:1.27", "nginx:1.28"))
    assert live_kubectl(f"apply -f {web_file}") == "deployment.apps/web configured\nservice/web unchanged\n"


def test_apply_records_the_last_applied_configuration_as_kubectl_does(live_kubectl, client):
    live_kubectl("apply -f -", stdin=WEB)
    annotation = client.get("services", "web")["metadata"]["annotations"][
        "kubectl.kubernetes.io/last-applied-configuration"]
    # Checked against `kubectl apply --dry-run=client -o json` of the real kubectl 1.32.
    assert annotation == ('{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"name":"web",'
                          '"namespace":"default"},"spec":{"ports":[{"port":80}],"selector":{"app":"web"}}}\n')


def test_apply_leaves_a_scale_alone_when_the_file_does_not_set_replicas(live_kubectl, client):
    live_kubectl("apply -f -", stdin=WEB)
    assert live_kubectl("scale deployment/web --replicas=4") == "deployment.apps/web scaled\n"
    assert live_kubectl("apply -f -", stdin=WEB).startswith("deployment.apps/web unchanged\n")
    assert client.get("deployments", "web")["spec"]["replicas"] == 4


def test_apply_puts_back_replicas_the_file_sets(live_kubectl, client):
    with_replicas = WEB.replace("spec:\n  selector", "spec:\n  replicas: 2\n  selector", 1)
    live_kubectl("apply -f -", stdin=with_replicas)
    live_kubectl("scale deploy web --replicas 5")
    assert live_kubectl("apply -f -", stdin=with_replicas).startswith("deployment.apps/web configured\n")
    assert client.get("deployments", "web")["spec"]["replicas"] == 2


def test_apply_removes_what_the_file_dropped_but_keeps_what_others_added(live_kubectl, client):
    live_kubectl("apply -f -", stdin=WEB)
    client.patch("deployments", "web", {"metadata": {"labels": {"owner": "ops"}}})
    live_kubectl("apply -f -", stdin=WEB.replace(", tier: frontend", ""))
    assert client.get("deployments", "web")["metadata"]["labels"] == {"app": "web", "owner": "ops"}


def test_apply_keeps_the_servers_defaults_inside_containers(live_kubectl, client):
    live_kubectl("apply -f -", stdin=WEB)
    live_kubectl("apply -f -", stdin=WEB.replace("nginx:1.27", "nginx:1.28"))
    container = client.get("deployments", "web")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.28"
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]


def test_apply_to_an_object_made_by_create_warns_then_configures(live_kubectl, client, tmp_path):
    path = tmp_path / "web.yaml"
    path.write_text(WEB)
    assert live_kubectl(f"create -f {path}") == "deployment.apps/web created\nservice/web created\n"
    assert live_kubectl(f"apply -f {path}") == (
        "Warning: resource deployments/web is missing the kubectl.kubernetes.io/last-applied-configuration "
        "annotation which is required by kubectl apply. kubectl apply should only be used on resources created "
        "declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be "
        "patched automatically.\n"
        "deployment.apps/web configured\n"
        "Warning: resource services/web is missing the kubectl.kubernetes.io/last-applied-configuration "
        "annotation which is required by kubectl apply. kubectl apply should only be used on resources created "
        "declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be "
        "patched automatically.\n"
        "service/web configured\n")


def test_create_an_existing_object_names_the_file(live_kubectl, web_file):
    live_kubectl(f"apply -f {web_file}")
    assert live_kubectl(f"create -f {web_file}") == (
        f'Error from server (AlreadyExists): error when creating "{web_file}": deployments.apps "web" already exists\n'
        f'Error from server (AlreadyExists): error when creating "{web_file}": services "web" already exists\n')


def test_apply_carries_on_past_a_bad_object_and_reports_it_at_the_end(live_kubectl):
    manifest = WEB + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: lonely, namespace: missing}\n" \
        "spec: {containers: [{name: c, image: busybox}]}\n---\napiVersion: example.com/v1\nkind: Widget\n" \
        "metadata: {name: w}\n"
    # apply reads every object before writing any, so the reading error comes first; with several
    # errors, kubectl drops the `error: ` in front of its own.
    assert live_kubectl("apply -f -", stdin=manifest) == (
        "deployment.apps/web created\nservice/web created\n"
        'resource mapping not found for name: "w" namespace: "" from "STDIN": no matches for kind '
        '"Widget" in version "example.com/v1"\nensure CRDs are installed first\n'
        'Error from server (NotFound): error when creating "STDIN": namespaces "missing" not found\n')


def test_an_invalid_object_is_reported_as_kubectl_words_it(live_kubectl):
    bad = WEB.split("---")[0].replace("spec:\n  selector", "spec:\n  replicas: -1\n  selector", 1)
    assert live_kubectl("apply -f -", stdin=bad) == (
        'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n')


def test_apply_reads_json_and_lists(live_kubectl, client):
    listing = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "cart", "namespace": "shop"},
         "spec": {"ports": [{"port": 8080}]}}]}
    assert live_kubectl("apply -f -", stdin=json.dumps(listing)) == "namespace/shop created\nservice/cart created\n"
    assert client.get("services", "cart", "shop")["spec"]["ports"][0]["targetPort"] == 8080


def test_apply_into_a_namespace_the_file_contradicts(live_kubectl):
    manifest = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {ports: [{port: 80}]}\n"
    assert live_kubectl("apply -n other -f -", stdin=manifest) == (
        'error: the namespace from the provided object "shop" does not match the namespace "other". '
        "You must pass '--namespace=shop' to perform this operation.\n")


def test_apply_needs_a_file_that_exists(live_kubectl):
    assert live_kubectl("apply") == "error: must specify one of -f and -k\n"
    assert live_kubectl("apply -f nowhere.yaml") == 'error: the path "nowhere.yaml" does not exist\n'
