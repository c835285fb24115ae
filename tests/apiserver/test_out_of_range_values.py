"""Stories: values upstream refuses are refused here, with upstream's words — not accepted and choked on.

`replicas: 1000000000000` does not fit the int32 Go field, so kube-apiserver's decoder
refuses it (400; a patch that produces it: 422 on "patch"); a negative cpu request fails
validation ("must be greater than or equal to 0"); a TokenRequest may last at least 10
minutes and at most 2^32 seconds; an absurd quantity exponent costs nothing to read.
"""
import pytest

from kubelab import Cluster
from kubelab.client import ApiError
from kubelab.objects import quantity


def deployment(replicas, cpu: str = "100m") -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": "nginx",
                                                           "resources": {"requests": {"cpu": cpu}}}]}}}}


@pytest.fixture(scope="module")
def cluster():
    return Cluster(nodes=1, seed=0)


def refusal(call) -> ApiError:
    with pytest.raises(ApiError) as refused:
        call()
    return refused.value


def test_replicas_beyond_int32_are_refused_as_go_decodes_them(cluster):
    before = cluster.store.revision
    error = refusal(lambda: cluster.client.create("deployments", deployment(10 ** 12)))
    assert (error.code, error.message) == (400, 'Deployment in version "v1" cannot be handled as a Deployment: '
                                                 'json: cannot unmarshal number 1000000000000 into Go struct field '
                                                 'DeploymentSpec.spec.replicas of type int32')
    error = refusal(lambda: cluster.client.create("deployments", deployment(2 ** 31)))
    assert "number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32" in error.message
    assert cluster.store.revision == before
    cluster.client.create("deployments", deployment(2))
    error = refusal(lambda: cluster.client.patch("deployments", "web", {"spec": {"replicas": 10 ** 12}}, "default"))
    assert error.code == 422 and error.status["details"]["causes"][0]["field"] == "patch"
    assert error.message.endswith("json: cannot unmarshal number 1000000000000 into Go struct field "
                                  "DeploymentSpec.spec.replicas of type int32")
    error = refusal(lambda: cluster.client.patch("deployments", "web", {"spec": {"replicas": 1.5}}, "default"))
    assert "cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32" \
        in error.message
    assert cluster.get("deployments", "web", "default")["spec"]["replicas"] == 2
    cluster.client.delete("deployments", "web", "default")


def test_a_negative_cpu_request_is_invalid(cluster):
    error = refusal(lambda: cluster.client.create("deployments", deployment(1, cpu="-1")))
    assert (error.code, error.message) == (
        422, 'Deployment.apps "web" is invalid: spec.template.spec.containers[0].resources.requests[cpu]: '
             'Invalid value: "-1": must be greater than or equal to 0')


def test_a_token_request_lasts_at_least_ten_minutes_and_at_most_two_to_the_32_seconds(cluster):
    error = refusal(lambda: cluster.client.request_token("default", "default", expiration_seconds=2 ** 32 + 1))
    assert (error.code, error.message) == (
        422, 'TokenRequest.authentication.k8s.io "default" is invalid: spec.expirationSeconds: '
             'Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds')
    error = refusal(lambda: cluster.client.request_token("default", "default", expiration_seconds=599))
    assert error.message.endswith("may not specify a duration less than 10 minutes")
    assert cluster.client.request_token("default", "default", expiration_seconds=2 ** 32)["status"]["token"]


def test_an_absurd_quantity_exponent_is_read_at_once():
    assert quantity.value("1e999999999") > 2 ** 63 and quantity.milli("1e-999999999") == 1


@pytest.mark.parametrize("call, error", [
    (lambda: Cluster(nodes="3"), "TypeError: Cluster(nodes='3'): nodes must be a whole number, not a string"),
    (lambda: Cluster(nodes=-1), "ValueError: Cluster(nodes=-1): nodes must be between 0 and 5000"),
    (lambda: Cluster(nodes=10 ** 9), "ValueError: Cluster(nodes=1000000000): nodes must be between 0 and 5000"),
    (lambda: Cluster(node_cpu="-1"), "ValueError: Cluster(node_cpu='-1'): node_cpu must be greater than 0"),
    (lambda: Cluster(max_pods=0), "ValueError: Cluster(max_pods=0): max_pods must be between 1 and 1000000"),
    (lambda: Cluster(seed=1.5), "TypeError: Cluster(seed=1.5): seed must be a whole number, not a fractional number"),
])
def test_cluster_arguments_of_the_wrong_type_or_sign_fail_in_one_line(call, error):
    with pytest.raises((TypeError, ValueError)) as refused:
        call()
    assert f"{type(refused.value).__name__}: {refused.value}" == error


def test_run_settle_and_requests_refuse_bad_arguments_in_one_line(cluster):
    now = cluster.clock.now()
    for call, kind, words in [
        (lambda: cluster.run(-5), ValueError, "run(seconds=-5): seconds must be a finite number, at least 0"),
        (lambda: cluster.run("10"), TypeError, "run(seconds='10'): seconds must be a number of seconds, not a string"),
        (lambda: cluster.run(float("inf")), ValueError, "run(seconds=inf): seconds must be a finite number, at least 0"),
        (lambda: cluster.settle(0), ValueError, "settle(max_seconds=0): max_seconds must be a finite number "
                                                "greater than 0"),
        (lambda: cluster.requests("web", count=-1), ValueError, "requests(count=-1): count must be between 0 and "
                                                                "1000000"),
        (lambda: cluster.requests("web", count="5"), TypeError, "requests(count='5'): count must be a whole number, "
                                                                "not a string"),
    ]:
        with pytest.raises(kind) as refused:
            call()
        assert str(refused.value) == words and "\n" not in str(refused.value)
    assert cluster.clock.now() == now   # nothing ran


def test_other_integer_fields_are_held_to_their_go_types_too(cluster):
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "wide", "namespace": "default"},
               "spec": {"ports": [{"port": 2 ** 31}]}}
    error = refusal(lambda: cluster.client.create("services", service))
    assert error.code == 400 and "cannot unmarshal number 2147483648 into Go struct field ServicePort.spec.ports.port " \
                                 "of type int32" in error.message
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "forever", "namespace": "default"},
           "spec": {"terminationGracePeriodSeconds": 2 ** 63, "containers": [{"name": "c", "image": "nginx"}]}}
    error = refusal(lambda: cluster.client.create("pods", pod))
    assert error.code == 400 and "number 9223372036854775808 into Go struct field PodSpec.spec." \
                                 "terminationGracePeriodSeconds of type int64" in error.message
