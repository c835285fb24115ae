"""PodDisruptionBudgets and EndpointSlices are refused in upstream's words when invalid."""
import pytest

from kubelab.client import ApiError


def create(client, resource, obj):
    with pytest.raises(ApiError) as refused:
        client.create(resource, obj)
    assert refused.value.code == 422
    return [(c["field"], c["message"]) for c in refused.value.status["details"]["causes"]]


def budget(**spec):
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"}, "spec": spec}


def test_a_budget_may_not_set_both_bounds(client):
    causes = create(client, "poddisruptionbudgets", budget(minAvailable=1, maxUnavailable=1, selector={}))
    assert causes[0][0] == "spec" and causes[0][1].endswith("minAvailable and maxUnavailable cannot be both set")


def test_a_bound_is_a_non_negative_integer_or_a_percent_up_to_100(client):
    assert create(client, "poddisruptionbudgets", budget(minAvailable=-1)) == [
        ("spec.minAvailable", "Invalid value: -1: must be greater than or equal to 0")]
    assert create(client, "poddisruptionbudgets", budget(maxUnavailable="50x")) == [
        ("spec.maxUnavailable", 'Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"50x"}: a valid percent '
         "string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for "
         "validation is '[0-9]+%')")]
    assert create(client, "poddisruptionbudgets", budget(minAvailable="120%")) == [
        ("spec.minAvailable", 'Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: '
         "must not be greater than 100%")]


def test_the_unhealthy_pod_eviction_policy_is_one_of_two(client):
    assert create(client, "poddisruptionbudgets", budget(minAvailable=1, unhealthyPodEvictionPolicy="Never")) == [
        ("spec.unhealthyPodEvictionPolicy",
         'Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"')]


def test_a_new_budget_starts_with_zero_counts_and_a_generation(client):
    created = client.create("poddisruptionbudgets", budget(minAvailable=1, selector={"matchLabels": {"app": "web"}}))
    assert created["metadata"]["generation"] == 1
    assert created["status"] == {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}
    created["spec"]["minAvailable"] = 2
    assert client.update("poddisruptionbudgets", created)["metadata"]["generation"] == 2


def test_an_endpointslice_needs_a_known_address_type_that_never_changes(client):
    slice_ = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "web-abcde"},
              "addressType": "IPv5", "endpoints": [{"addresses": []}]}
    assert create(client, "endpointslices", slice_) == [
        ("addressType", 'Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"'),
        ("endpoints[0].addresses", "Required value: must contain at least 1 address")]
    slice_.update(addressType="IPv4", endpoints=[{"addresses": ["10.244.1.2"]}])
    created = client.create("endpointslices", slice_)
    created["addressType"] = "IPv6"
    with pytest.raises(ApiError) as refused:
        client.update("endpointslices", created)
    assert refused.value.status["details"]["causes"][0]["message"] == 'Invalid value: "IPv6": field is immutable'
