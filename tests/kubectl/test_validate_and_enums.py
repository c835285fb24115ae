"""Strictness as kubectl 1.32's default `--validate=strict`: an unknown field is refused, or
warned about with --validate=warn, or let through with ignore; a misspelt enum value is refused
in upstream's words. Each expected text was printed by the real kubectl 1.32 against `kubelab up`
(tests/kubectl_versions run the same manifests through the real binaries)."""
import copy

import pytest
import yaml

from kubelab import Cluster

TYPO = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: typo}
spec:
  replica: 2
  selector: {matchLabels: {app: typo}}
  template:
    metadata: {labels: {app: typo}}
    spec: {containers: [{name: c, image: "nginx:1.27", imagePullPolicyy: Always}]}
"""
STRICT_ERROR = ('Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be '
                'handled as a Deployment: strict decoding error: unknown field "spec.replica", unknown field '
                '"spec.template.spec.containers[0].imagePullPolicyy"')
WARNINGS = ('Warning: unknown field "spec.replica"\n'
            'Warning: unknown field "spec.template.spec.containers[0].imagePullPolicyy"\n')


@pytest.fixture
def cluster():
    return Cluster(nodes=1, seed=2)


@pytest.mark.parametrize("flag", ["", "--validate=strict", "--validate=true", "--validate"])
def test_strict_is_the_default_and_refuses_unknown_fields(cluster, flag):
    assert cluster.kubectl(f"create -f - {flag}", stdin=TYPO) == STRICT_ERROR
    assert cluster.kubectl(f"apply -f - {flag}", stdin=TYPO) == STRICT_ERROR
    assert "typo" not in cluster.kubectl("get deployments")


def test_warn_writes_the_object_and_prints_the_server_s_warnings(cluster):
    assert cluster.kubectl("apply -f - --validate=warn", stdin=TYPO) == WARNINGS + "deployment.apps/typo created"
    assert cluster.get("deployments", "typo")["spec"]["replicas"] == 1      # the typo meant nothing
    assert cluster.kubectl("replace -f - --validate=warn", stdin=TYPO) == WARNINGS + "deployment.apps/typo replaced"


@pytest.mark.parametrize("flag", ["--validate=ignore", "--validate=false"])
def test_ignore_writes_the_object_without_a_word(cluster, flag):
    assert cluster.kubectl(f"create -f - {flag}", stdin=TYPO) == "deployment.apps/typo created"


def test_a_bad_validate_value_and_replace_of_a_missing_object(cluster):
    assert cluster.kubectl("create -f - --validate=bogus", stdin=TYPO) == \
        'error: invalid - validate option "bogus"; must be one of: strict (or true), warn, ignore (or false)'
    assert cluster.kubectl("replace -f - --validate=warn", stdin=TYPO) == \
        'Error from server (NotFound): error when replacing "STDIN": deployments.apps "typo" not found'


def test_warn_mode_in_process_answers_warnings_on_the_request(cluster):
    body = yaml.safe_load(TYPO)
    cluster.client.create("deployments", body, "default", field_validation="Warn")
    assert cluster.client.warnings == ['unknown field "spec.replica"',
                                       'unknown field "spec.template.spec.containers[0].imagePullPolicyy"']
    cluster.client.get("deployments", "typo")
    assert cluster.client.warnings == []


POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
       "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}
SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
           "spec": {"selector": {"app": "s"}, "ports": [{"port": 80}]}}
DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
              "spec": {"selector": {"matchLabels": {"app": "d"}},
                       "template": {"metadata": {"labels": {"app": "d"}}, "spec": POD["spec"]}}}

ENUMS = [
    (POD, "spec.containers.0.imagePullPolicy", "Allways", 'The Pod "p" is invalid: spec.containers[0].imagePullPolicy: '
     'Unsupported value: "Allways": supported values: "Always", "IfNotPresent", "Never"'),
    (POD, "spec.restartPolicy", "Sometimes", 'The Pod "p" is invalid: spec.restartPolicy: Unsupported value: '
     '"Sometimes": supported values: "Always", "OnFailure", "Never"'),
    (POD, "spec.containers.0.ports", [{"containerPort": 80, "protocol": "tcp"}],
     'The Pod "p" is invalid: spec.containers[0].ports[0].protocol: Unsupported value: "tcp": supported values: '
     '"SCTP", "TCP", "UDP"'),
    (POD, "spec.dnsPolicy", "ClusterFirstt", 'The Pod "p" is invalid: spec.dnsPolicy: Unsupported value: '
     '"ClusterFirstt": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'),
    (POD, "spec.containers.0.terminationMessagePolicy", "Logs", 'The Pod "p" is invalid: '
     "spec.containers[0].terminationMessagePolicy: Invalid value: \"Logs\": must be 'File' or 'FallbackToLogsOnError'"),
    (SERVICE, "spec.type", "Nodeport", 'The Service "s" is invalid: spec.type: Unsupported value: "Nodeport": '
     'supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'),
    (SERVICE, "spec.sessionAffinity", "Sticky", 'The Service "s" is invalid: spec.sessionAffinity: Unsupported '
     'value: "Sticky": supported values: "ClientIP", "None"'),
    ({**SERVICE, "spec": {**SERVICE["spec"], "type": "NodePort"}}, "spec.externalTrafficPolicy", "Locale", 'The Service "s" is invalid: spec.externalTrafficPolicy: '
     'Unsupported value: "Locale": supported values: "Cluster", "Local"'),
    (SERVICE, "spec.externalTrafficPolicy", "Local", 'The Service "s" is invalid: spec.externalTrafficPolicy: '
     'Invalid value: "Local": may only be set for externally-accessible services'),
    (SERVICE, "spec.internalTrafficPolicy", "Node", 'The Service "s" is invalid: spec.internalTrafficPolicy: '
     'Unsupported value: "Node": supported values: "Cluster", "Local"'),
    (SERVICE, "spec.ports.0.protocol", "HTTP", 'The Service "s" is invalid: spec.ports[0].protocol: Unsupported '
     'value: "HTTP": supported values: "SCTP", "TCP", "UDP"'),
    (DEPLOYMENT, "spec.strategy", {"type": "Rolling"}, 'The Deployment "d" is invalid: spec.strategy: Unsupported '
     'value: apps.DeploymentStrategy{Type:"Rolling", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: '
     'supported values: "Recreate", "RollingUpdate"'),
    (DEPLOYMENT, "spec.template.spec.dnsPolicy", "Defualt", 'The Deployment "d" is invalid: '
     'spec.template.spec.dnsPolicy: Unsupported value: "Defualt": supported values: "ClusterFirstWithHostNet", '
     '"ClusterFirst", "Default", "None"'),
]


def with_value(obj: dict, path: str, value) -> dict:
    changed = copy.deepcopy(obj)
    *parents, last = path.split(".")
    where = changed
    for part in parents:
        where = where[int(part)] if part.isdigit() else where[part]
    where[last] = value
    return changed


@pytest.mark.parametrize("obj, path, value, expected", ENUMS, ids=[e[1] + "=" + str(e[2]) for e in ENUMS])
def test_a_misspelt_enum_value_is_refused_in_upstream_s_words(cluster, obj, path, value, expected):
    manifest = yaml.safe_dump(with_value(obj, path, value))
    assert cluster.kubectl("apply -f -", stdin=manifest) == expected
    assert cluster.kubectl("get all -o name") == "service/kubernetes"   # nothing half-written


def test_the_values_upstream_allows_are_accepted(cluster):
    pod = with_value(with_value(POD, "spec.dnsPolicy", "Default"), "spec.containers.0.terminationMessagePolicy",
                     "FallbackToLogsOnError")
    service = with_value(with_value(SERVICE, "spec.type", "NodePort"), "spec.externalTrafficPolicy", "Local")
    deployment = with_value(DEPLOYMENT, "spec.strategy", {"type": "Recreate"})
    assert cluster.kubectl("apply -f -", stdin=yaml.safe_dump_all([pod, service, deployment])) == \
        "pod/p created\nservice/s created\ndeployment.apps/d created"
