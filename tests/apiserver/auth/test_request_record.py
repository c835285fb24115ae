"""Every request leaves a record of its path — authentication → authorization → admission →
validation → store — which a lesson draws (viz.request_path)."""
import html
import re

import pytest

from kubelab import viz
from kubelab.client import ApiError

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"},
       "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}


def path(plane):
    record = plane.apiserver.chain.records[-1]
    return [(step.name.split(":")[0], step.outcome) for step in record.steps], record


def test_a_served_create_passes_every_step(plane):
    created = plane.admin.create("pods", POD)
    steps, record = path(plane)
    assert [name for name, _ in steps][:2] == ["authentication", "authorization"]
    assert {name for name, _ in steps} >= {"authentication", "authorization", "admission", "validation", "store"}
    assert all(outcome == "passed" for _, outcome in steps)
    assert record.steps[-1].detail == f"resourceVersion {created['metadata']['resourceVersion']}"
    assert (record.user, record.verb, record.resource, record.code) == ("kubernetes-admin", "create", "pods", 200)


def test_each_refusal_is_recorded_at_the_step_that_made_it(plane):
    with pytest.raises(ApiError):
        plane.as_token("nonsense").create("pods", POD)
    assert path(plane)[0] == [("authentication", "refused")]

    nobody = plane.service_account("default", "nobody")
    with pytest.raises(ApiError):
        nobody.create("pods", POD)
    assert path(plane)[0] == [("authentication", "passed"), ("authorization", "refused")]

    with pytest.raises(ApiError) as invalid:
        plane.admin.create("pods", {**POD, "metadata": {"name": "Not_A_Name", "namespace": "default"}})
    assert invalid.value.code == 422
    steps, record = path(plane)
    assert steps[-1] == ("validation", "refused") and record.code == 422

    plane.admin.create("pods", POD)
    with pytest.raises(ApiError):
        plane.admin.create("pods", POD)
    assert path(plane)[0][-1] == ("store", "refused")  # AlreadyExists: the store's compare failed


def test_a_read_skips_admission_and_validation(plane):
    plane.admin.list("pods", "default")
    assert path(plane)[0] == [("authentication", "passed"), ("authorization", "passed"),
                              ("admission", "skipped"), ("validation", "skipped"), ("store", "passed")]


def test_the_lesson_draws_a_request_path(plane):
    with pytest.raises(ApiError):
        plane.service_account("default", "nobody").delete("pods", "web", "default")
    diagram = viz.request_path(plane.apiserver.chain.records[-1])
    assert diagram.summary == "delete pods: refused at authorization (403)"
    assert "authorization" in diagram.source and "#f4cccc" in diagram.source


def test_each_admission_plugin_records_itself_by_name(plane):
    plane.admin.create("pods", POD)
    names = [step.name for step in plane.apiserver.chain.records[-1].steps]
    assert "admission: NamespaceLifecycle" in names and "admission: ServiceAccount" in names
    assert names.index("admission: ServiceAccount") < names.index("validation") < names.index("store")


def test_the_plugin_that_refuses_is_the_step_named(plane):
    with pytest.raises(ApiError) as missing:
        plane.admin.create("pods", {**POD, "metadata": {"name": "web", "namespace": "nowhere"}})
    assert missing.value.code == 404   # not a store's 404: the NamespaceLifecycle plugin's
    record = plane.apiserver.chain.records[-1]
    assert (record.steps[-1].name, record.steps[-1].outcome) == ("admission: NamespaceLifecycle", "refused")
    assert record.refused_at == "admission: NamespaceLifecycle"


def test_a_refusal_is_recorded_by_its_step_not_guessed_from_its_reason(plane):
    """A 404 from the store and a 404 from admission read alike; each step says which it was."""
    with pytest.raises(ApiError):
        plane.admin.get("pods", "absent", "default")
    assert path(plane)[0][-1] == ("store", "refused")
    from kubelab.apiserver import handler_chain
    assert not hasattr(handler_chain, "_refusing_step")


def test_the_diagram_keeps_a_long_refusal_whole(plane):
    """Issue 8: the refusal text was cut after three lines; the Status box now holds all of it."""
    with pytest.raises(ApiError) as invalid:
        plane.admin.create("pods", {**POD, "metadata": {"name": "Not_A_Name", "namespace": "default"}})
    source = viz.request_path(plane.apiserver.chain.records[-1]).source
    answer = source[source.index("answer ["):]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", answer)).split())
    assert invalid.value.message in text
