"""Stories about decoding: a body with the wrong JSON types is a 400, never a crash."""
import pytest

from kubelab.client import ApiError


def pod(**spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}], **spec}}


@pytest.mark.parametrize("body, field", [
    ({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": "x"}, "Pod.spec of type v1.PodSpec"),
    (pod(containers={"name": "c"}), "PodSpec.spec.containers of type []v1.Container"),
    ({**pod(), "metadata": {"name": "web", "labels": ["a"]}}, "ObjectMeta.metadata.labels of type map[string]string"),
    (pod(terminationGracePeriodSeconds="soon"), "PodSpec.spec.terminationGracePeriodSeconds of type int64"),
])
def test_a_body_of_the_wrong_shape_is_400_in_the_decoders_words(client, store, body, field):
    before = store.revision
    with pytest.raises(ApiError) as error:
        client.create("pods", body)
    assert error.value.code == 400
    assert error.value.message.startswith('Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal')
    assert error.value.message.endswith(field)
    assert store.revision == before


def test_quantities_take_numbers_and_int_or_string_takes_either(client):
    created = client.create("pods", pod(containers=[{"name": "c", "image": "nginx",
                                                     "resources": {"limits": {"cpu": 1}}}]))
    assert created["metadata"]["uid"]
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"ports": [{"name": "a", "port": 80, "targetPort": "http"},
                                  {"name": "b", "port": 81, "targetPort": 8081}]}}
    assert client.create("services", service)["spec"]["ports"][0]["targetPort"] == "http"


def test_a_patch_that_breaks_the_shape_is_refused_too(client):
    client.create("pods", pod())
    with pytest.raises(ApiError) as error:
        client.patch("pods", "web", {"spec": {"containers": "x"}})
    # upstream's patch handler: a patched object that does not decode is a 422 on "patch" (patch.go)
    assert error.value.code == 422 and error.value.status["details"]["causes"][0]["field"] == "patch"
    assert "cannot unmarshal string into Go struct field" in error.value.message


def test_nulls_and_unknown_fields_are_dropped_as_gos_decoder_does(client):
    body = pod()
    body["spec"]["nodeSelector"] = None
    body["spec"]["containers"][0]["imagez"] = "typo"
    body["status"] = None
    created = client.create("pods", body)
    assert "nodeSelector" not in created["spec"] and "imagez" not in created["spec"]["containers"][0]


def test_subresource_bodies_are_decoded_too(client):
    client.create("pods", pod())
    with pytest.raises(ApiError) as error:
        client.create("pods", {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web"},
                               "deleteOptions": "now"}, "default", subresource="eviction", name="web")
    assert error.value.code == 400 and "Go struct field Eviction.deleteOptions" in error.value.message
    with pytest.raises(ApiError) as error:
        client.patch("pods", "web", [{"op": "remove", "path": ""}], patch_type="application/json-patch+json")
    assert error.value.code == 422
