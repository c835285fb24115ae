"""`kubectl explain` from the API server's OpenAPI v3: each expected text in
explain_by_kubectl_1.32/ is what the real kubectl 1.32 printed against `kubelab up` for the
same question (regenerate with `kubectl explain <question> > <question>.txt`)."""
from pathlib import Path

import pytest

from kubelab import Cluster
from kubelab.kubectl import run
from kubelab.kubectl.explain import wrap

EXPECTED = Path(__file__).with_name("explain_by_kubectl_1.32")
CRONTAB_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "crontabs.stable.example.com"},
    "spec": {"group": "stable.example.com", "scope": "Namespaced",
             "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": ["ct"]},
             "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                 "type": "object", "description": "A CronTab runs a command on a schedule.",
                 "properties": {"spec": {"type": "object", "properties": {
                     "cronSpec": {"type": "string", "description": "When to run, in cron syntax."},
                     "image": {"type": "string"}, "replicas": {"type": "integer"}}}}}}}]}}


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster(nodes=1, seed=4)
    cluster.apply(CRONTAB_CRD)
    cluster.settle()
    return cluster


def explain(cluster, question):
    return run(cluster.client, f"explain {question}", cluster.clock.now())


@pytest.mark.parametrize("question", ["pods.spec.containers", "pods.spec.restartPolicy", "deploy.spec.strategy --recursive",
                                      "svc", "crontabs --recursive"])
def test_explain_prints_what_the_real_kubectl_prints(cluster, question):
    expected = (EXPECTED / (question.replace(" ", "") + ".txt")).read_text()
    assert explain(cluster, question) == expected


def test_explain_refusals(cluster):
    assert explain(cluster, "pods.spec.nope") == 'KIND:       Pod\nVERSION:    v1\n\nerror: field "nope" does not exist\n'
    assert explain(cluster, "nope") == 'the server doesn\'t have a resource type "nope"\n'
    assert explain(cluster, "") == ('error: You must specify the type of resource to explain. Use "kubectl '
                                    'api-resources" for a complete list of supported resources.\n')


def test_wrap_breaks_at_spaces_within_the_limit_and_keeps_long_words_whole():
    assert wrap("aaa bbb ccc", 7) == "aaa bbb\nccc"
    assert wrap("see https://example.com/a/very/long/path ok", 10) == "see\nhttps://example.com/a/very/long/path\nok"
    assert wrap("one\ntwo", 76) == "one\ntwo"
