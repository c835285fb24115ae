"""A manifest with a mistake gets the same one line from kubelab's kubectl (in the notebook's
cluster) and from the real kubectl (every installed version, over HTTP): kubectl's default
--validate=strict refuses an unknown field, enums are checked as upstream checks them, and no
message uses a Python word (`str`, `list`) where Go says `string`, `array`."""
import re

import pytest

from kubelab import Cluster

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      restartPolicy: {restart}
      containers:
      - name: web
        image: nginx:1.27
        imagePullPolicy: {pull}
        ports: [{{containerPort: 80, protocol: {protocol}}}]
"""


def deployment(name, replicas="replicas: 2", restart="Always", pull="IfNotPresent", protocol="TCP"):
    return DEPLOYMENT.format(name=name, replicas=replicas, restart=restart, pull=pull, protocol=protocol)


CASES = {
    "unknown-field": (dict(replicas="replica: 2"),
                      'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" '
                      'cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"'),
    "pull-policy": (dict(pull="Allways"),
                    'The Deployment "{name}" is invalid: spec.template.spec.containers[0].imagePullPolicy: '
                    'Unsupported value: "Allways": supported values: "Always", "IfNotPresent", "Never"'),
    "protocol": (dict(protocol="TCPP"),
                 'The Deployment "{name}" is invalid: spec.template.spec.containers[0].ports[0].protocol: '
                 'Unsupported value: "TCPP": supported values: "SCTP", "TCP", "UDP"'),
    "replicas-text": (dict(replicas="replicas: two"),
                      'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" '
                      'cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field '
                      'DeploymentSpec.spec.replicas of type int32'),
}
PYTHON_WORDS = re.compile(r"\b(str|dict|list|NoneType|int)\b(?! ?\()")


@pytest.fixture(scope="module")
def cluster():
    return Cluster(nodes=1, seed=0)


@pytest.mark.parametrize("case", CASES)
def test_kubelabs_kubectl_refuses_as_kubectl_does(cluster, case):
    options, said = CASES[case]
    name = f"web-{case}"
    printed = cluster.kubectl("apply -f -", stdin=deployment(name, **options))
    assert printed == said.format(name=name)
    assert not PYTHON_WORDS.search(printed.replace("int32", ""))
    with pytest.raises(Exception):
        cluster.get("deployments", name)          # nothing half-written


@pytest.mark.parametrize("case", CASES)
def test_the_real_kubectl_is_refused_in_the_same_words(kubectl, case):
    options, said = CASES[case]
    name = f"web-{case}-{kubectl.version.replace('.', '-')}"
    done = kubectl("apply", "-f", "-", stdin=deployment(name, **options))
    assert done.returncode == 1
    assert done.stderr.strip() == said.format(name=name)


def test_an_unknown_field_in_a_change_is_refused_when_patching(cluster):
    assert cluster.apply(deployment("patched")) == "deployment.apps/patched created"
    printed = cluster.apply(deployment("patched").replace("image: nginx:1.27", "image: nginx:1.27\n        imagez: x"))
    assert printed == ('Error from server (BadRequest): error when patching "STDIN": Deployment in version "v1" '
                       'cannot be handled as a Deployment: strict decoding error: unknown field '
                       '"spec.template.spec.containers[0].imagez"')


def test_a_pods_restart_policy_is_one_of_three(cluster):
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: once}\nspec:\n  restartPolicy: Sometimes\n"
           "  containers: [{name: c, image: busybox}]\n")
    assert cluster.kubectl("apply -f -", stdin=pod) == (
        'The Pod "once" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: '
        '"Always", "OnFailure", "Never"')


def test_a_manifest_that_is_not_an_object_names_its_json_type(cluster):
    assert cluster.kubectl("apply -f -", stdin="- a\n- b\n") == (
        "error: error parsing STDIN: json: cannot unmarshal array into Go value of type map[string]interface {}")
    assert cluster.kubectl("apply -f -", stdin="just text\n") == (
        "error: error parsing STDIN: json: cannot unmarshal string into Go value of type map[string]interface {}")


def test_a_refusal_from_a_cluster_method_is_one_line_not_a_deep_traceback(cluster):
    import traceback
    with pytest.raises(Exception) as refused:
        cluster.get("pods", "nope", "default")
    assert str(refused.value) == 'pods "nope" not found'
    assert len(traceback.extract_tb(refused.tb)) <= 2      # this test's line, and Cluster.get's raise


def test_cluster_arguments_are_named_in_a_learners_words():
    with pytest.raises(TypeError) as wrong:
        Cluster(nodes="3")
    assert str(wrong.value) == "Cluster(nodes='3'): nodes must be a whole number, not a string"


# Enum fields beyond the Deployment's template, and --validate=warn: each line is what the real
# kubectl prints (checked below with every installed version) and what kubelab's kubectl prints.
SERVICE = "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  {field}\n  ports: [{{port: 80}}]\n"
# (a Deployment's template, not a Pod: this API server runs no controller to make the default service account)
TEMPLATE = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n"
            "  selector: {{matchLabels: {{app: e}}}}\n  template:\n    metadata: {{labels: {{app: e}}}}\n"
            "    spec:\n      {field}\n      containers: [{{name: c, image: busybox}}]\n")
ENUM_CASES = {
    "dns-policy": (TEMPLATE, "dnsPolicy: ClusterFirstt", 'The Deployment "{name}" is invalid: '
                   'spec.template.spec.dnsPolicy: Unsupported value: "ClusterFirstt": supported values: '
                   '"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'),
    "strategy": (TEMPLATE.replace("  selector:", "  strategy: {{type: Rolling}}\n  selector:"), "dnsPolicy: Default",
                 'The Deployment "{name}" is invalid: spec.strategy: Unsupported value: apps.DeploymentStrategy'
                 '{{Type:"Rolling", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}}: supported values: '
                 '"Recreate", "RollingUpdate"'),
    "session-affinity": (SERVICE, "sessionAffinity: Sticky", 'The Service "{name}" is invalid: spec.sessionAffinity: '
                         'Unsupported value: "Sticky": supported values: "ClientIP", "None"'),
    "service-type": (SERVICE, "type: Nodeport", 'The Service "{name}" is invalid: spec.type: Unsupported value: '
                     '"Nodeport": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'),
    "internal-traffic": (SERVICE, "internalTrafficPolicy: Node", 'The Service "{name}" is invalid: '
                         'spec.internalTrafficPolicy: Unsupported value: "Node": supported values: "Cluster", "Local"'),
}


@pytest.mark.parametrize("case", ENUM_CASES)
def test_enum_fields_are_refused_alike_by_both_kubectls(cluster, kubectl, case):
    template, field, said = ENUM_CASES[case]
    name = f"enum-{case}-{kubectl.version.replace('.', '-')}"
    manifest = template.format(name=name, field=field)
    assert cluster.kubectl("apply -f -", stdin=manifest) == said.format(name=name)
    done = kubectl("apply", "-f", "-", stdin=manifest)
    assert done.returncode == 1 and done.stderr.strip() == said.format(name=name)


def test_validate_warn_writes_and_warns_alike_in_both_kubectls(cluster, kubectl):
    name = f"warned-{kubectl.version.replace('.', '-')}"
    manifest = deployment(name, replicas="replica: 2")
    printed = cluster.kubectl("apply -f - --validate=warn", stdin=manifest)
    assert printed == f'Warning: unknown field "spec.replica"\ndeployment.apps/{name} created'
    done = kubectl("apply", "-f", "-", "--validate=warn", stdin=manifest)
    assert done.returncode == 0
    assert done.stderr.strip() == 'Warning: unknown field "spec.replica"'
    assert done.stdout.strip() == f"deployment.apps/{name} created"


def test_a_misspelt_component_or_service_is_one_line_too(cluster):
    import traceback
    with pytest.raises(ValueError, match=r"stop_component\('schedulerr'\): unknown component; one of: .*scheduler"):
        cluster.stop_component("schedulerr")
    with pytest.raises(Exception) as refused:
        cluster.request("nope")
    assert str(refused.value) == 'services "nope" not found'
    assert len(traceback.extract_tb(refused.tb)) <= 3
