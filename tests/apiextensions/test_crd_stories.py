"""CustomResourceDefinitions in-process: a CRD serves a kind, its schema guards it, its deletion empties it."""
import pytest

from kubelab import Cluster
from kubelab.api.errors import ApiError

from crontab import CRONTAB_CRD, crd, crontab

CRD_NAME = "crontabs.stable.example.com"


@pytest.fixture
def cluster():
    return Cluster(nodes=1, seed=0)


def _refusal(call) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


def test_a_created_crd_is_named_established_and_serves_its_kind(cluster):
    cluster.client.create("customresourcedefinitions", CRONTAB_CRD)
    stored = cluster.get("customresourcedefinitions", CRD_NAME)
    conditions = {c["type"]: (c["status"], c["reason"]) for c in stored["status"]["conditions"]}
    assert conditions == {"NamesAccepted": ("True", "NoConflicts"), "Established": ("True", "InitialNamesAccepted")}
    assert stored["status"]["acceptedNames"]["listKind"] == "CronTabList"
    assert stored["metadata"]["finalizers"] == ["customresourcecleanup.apiextensions.k8s.io"]
    created = cluster.client.create("crontabs", crontab(), namespace="default")
    assert created["spec"]["replicas"] == 1          # the schema's default
    assert created["metadata"]["generation"] == 1
    listed = cluster.client.list("crontabs", "default")
    assert listed["kind"] == "CronTabList" and [i["metadata"]["name"] for i in listed["items"]] == \
        ["my-new-cron-object"]


def test_unknown_fields_are_pruned_unless_preserved(cluster):
    cluster.client.create("customresourcedefinitions", CRONTAB_CRD)
    created = cluster.client.create("crontabs", crontab(typo=1, extra={"kept": {"deep": True}}), namespace="default")
    assert "typo" not in created["spec"]
    assert created["spec"]["extra"] == {"kept": {"deep": True}}


def test_an_object_breaking_its_schema_is_a_422_naming_each_field(cluster):
    cluster.client.create("customresourcedefinitions", CRONTAB_CRD)
    error = _refusal(lambda: cluster.client.create(
        "crontabs", crontab(replicas=20, mode="x", port=True, cronSpec="every minute"), namespace="default"))
    assert error.code == 422 and error.reason == "Invalid"
    messages = {c["field"]: c["message"] for c in error.status["details"]["causes"]}
    assert messages["spec.replicas"] == ("Invalid value: 20: spec.replicas in body should be less than or "
                                         "equal to 10")
    assert messages["spec.mode"] == 'Unsupported value: "x": supported values: "fast", "slow"'
    assert messages["spec.port"].startswith('Invalid value: "boolean": spec.port in body must be of type')
    assert messages["spec.cronSpec"].startswith('Invalid value: "every minute": spec.cronSpec in body should match')
    assert error.message.startswith('CronTab.stable.example.com "my-new-cron-object" is invalid: ')
    missing = _refusal(lambda: cluster.client.create(
        "crontabs", {**crontab(), "spec": {"image": "x"}}, namespace="default"))
    assert [(c["field"], c["message"]) for c in missing.status["details"]["causes"]] == \
        [("spec.cronSpec", "Required value")]
    assert cluster.client.list("crontabs", "default")["items"] == []


def test_status_is_a_subresource_when_declared(cluster):
    cluster.client.create("customresourcedefinitions", CRONTAB_CRD)
    created = cluster.client.create("crontabs", {**crontab(), "status": {"ready": True}}, namespace="default")
    assert "status" not in created
    created["status"] = {"ready": True}
    written = cluster.client.update("crontabs", created, subresource="status")
    assert written["status"] == {"ready": True}
    written["spec"]["replicas"] = 3
    written["status"] = {"ready": False}
    updated = cluster.client.update("crontabs", written)
    assert updated["status"] == {"ready": True} and updated["metadata"]["generation"] == 2


@pytest.mark.parametrize("change, field, message", [
    ({"metadata": {"name": "crontab.stable.example.com"}}, "metadata.name",
     'Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group'),
    ({"spec": {**CRONTAB_CRD["spec"], "versions": [{**CRONTAB_CRD["spec"]["versions"][0], "storage": False}]}},
     "spec.versions", "must have exactly one version marked as storage version"),
    ({"spec": {**CRONTAB_CRD["spec"], "scope": "Galaxy"}}, "spec.scope",
     'Unsupported value: "Galaxy": supported values: "Cluster", "Namespaced"'),
    ({"spec": {**CRONTAB_CRD["spec"], "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
        "openAPIV3Schema": {"type": "object", "properties": {"spec": {"properties": {}}}}}}]}},
     "spec.versions[0].schema.openAPIV3Schema.properties[spec].type",
     "Required value: must not be empty for specified object fields"),
    ({"spec": {**CRONTAB_CRD["spec"], "versions": [{"name": "v1", "served": True, "storage": True}]}},
     "spec.versions[0].schema.openAPIV3Schema", "Required value: schemas are required"),
    ({"spec": {**CRONTAB_CRD["spec"], "names": {"plural": "pods", "kind": "CronTab"}},
      "metadata": {"name": "pods.stable.example.com"}}, "spec.names.plural", "already in use"),
])
def test_a_bad_crd_is_refused_with_upstreams_field_and_serves_nothing(cluster, change, field, message):
    error = _refusal(lambda: cluster.client.create("customresourcedefinitions", crd(**change)))
    assert error.code == 422
    assert any(c["field"] == field and message in c["message"] for c in error.status["details"]["causes"]), \
        error.status["details"]["causes"]
    assert cluster.client.list("customresourcedefinitions")["items"] == []
    assert _refusal(lambda: cluster.client.list("crontabs", "default")).code == 404


def test_a_second_crd_with_taken_names_is_not_accepted(cluster):
    cluster.client.create("customresourcedefinitions", CRONTAB_CRD)
    rival = crd(metadata={"name": "crontabs.stable.example.com"})
    other = crd(metadata={"name": "crontabz.stable.example.com"},
                spec={**CRONTAB_CRD["spec"], "names": {**CRONTAB_CRD["spec"]["names"], "plural": "crontabz",
                                                       "shortNames": []}})
    assert rival  # same name: AlreadyExists, as for any object
    cluster.client.create("customresourcedefinitions", other)
    stored = cluster.get("customresourcedefinitions", "crontabz.stable.example.com")
    names = {c["type"]: c for c in stored["status"]["conditions"]}
    assert (names["NamesAccepted"]["status"], names["NamesAccepted"]["reason"], names["NamesAccepted"]["message"]) \
        == ("False", "SingularConflict", '"crontab" is already in use')
    assert names["Established"]["status"] == "False"
    assert _refusal(lambda: cluster.client.list("crontabz", "default")).code == 404


def test_deleting_the_crd_deletes_its_objects_and_stops_serving(cluster):
    cluster.client.create("customresourcedefinitions", CRONTAB_CRD)
    cluster.client.create("crontabs", crontab(), namespace="default")
    cluster.client.delete("customresourcedefinitions", CRD_NAME)
    assert cluster.store.range("/registry/stable.example.com/", prefix=True).kvs == []
    assert cluster.client.list("customresourcedefinitions")["items"] == []
    assert _refusal(lambda: cluster.client.list("crontabs", "default")).code == 404


def test_the_scale_subresource_reads_and_writes_the_declared_paths(cluster):
    version = {**CRONTAB_CRD["spec"]["versions"][0],
               "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                                        "statusReplicasPath": ".status.replicas"}}}
    version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]["replicas"] = {"type": "integer"}
    cluster.client.create("customresourcedefinitions", crd(spec={**CRONTAB_CRD["spec"], "versions": [version]}))
    cluster.client.create("crontabs", crontab(replicas=2), namespace="default")
    scale = cluster.client.get("crontabs", "my-new-cron-object", "default", subresource="scale")
    assert (scale["kind"], scale["spec"], scale["status"]) == ("Scale", {"replicas": 2}, {"replicas": 0})
    scale["spec"]["replicas"] = 5
    cluster.client.update("crontabs", scale, subresource="scale")
    assert cluster.get("crontabs", "my-new-cron-object", "default")["spec"]["replicas"] == 5
    scale["spec"]["replicas"] = 50   # the CRD's schema still holds: maximum 10
    error = _refusal(lambda: cluster.client.update("crontabs", {**scale, "metadata": {
        **scale["metadata"], "resourceVersion": ""}}, subresource="scale"))
    assert error.code == 422 and "spec.replicas in body should be less than or equal to 10" in error.message


def test_a_crd_serving_two_versions_is_refused_as_kubelab_serves_one(cluster):
    v1 = CRONTAB_CRD["spec"]["versions"][0]
    error = _refusal(lambda: cluster.client.create("customresourcedefinitions", crd(
        spec={**CRONTAB_CRD["spec"], "versions": [v1, {**v1, "name": "v2", "storage": False}]})))
    assert error.code == 422 and "kubelab serves one version per CustomResourceDefinition" in error.message


def test_custom_objects_take_merge_and_json_patches_but_not_strategic_merge(cluster):
    cluster.client.create("customresourcedefinitions", CRONTAB_CRD)
    cluster.client.create("crontabs", crontab(), namespace="default")
    patched = cluster.client.patch("crontabs", "my-new-cron-object", {"spec": {"replicas": 4, "typo": 1}}, "default")
    assert patched["spec"]["replicas"] == 4 and "typo" not in patched["spec"]
    patched = cluster.client.patch("crontabs", "my-new-cron-object",
                                   [{"op": "replace", "path": "/spec/image", "value": "other"}], "default",
                                   patch_type="application/json-patch+json")
    assert patched["spec"]["image"] == "other"
    error = _refusal(lambda: cluster.client.patch("crontabs", "my-new-cron-object", {"spec": {"replicas": 2}},
                                                  "default", patch_type="application/strategic-merge-patch+json"))
    assert error.code == 415 and "application/merge-patch+json" in error.message
    error = _refusal(lambda: cluster.client.patch("crontabs", "my-new-cron-object", {"spec": {"replicas": 99}},
                                                  "default"))
    assert error.code == 422


def test_a_new_cluster_in_the_same_process_serves_none_of_the_last_ones_custom_kinds(cluster):
    from kubelab.apiserver.http.served import served
    cluster.client.create("customresourcedefinitions", CRONTAB_CRD)
    cluster.client.list("crontabs", "default")
    assert "crontabs" in served()
    Cluster(nodes=1, seed=1)
    assert "crontabs" not in served()


@pytest.mark.parametrize("spec", [
    "crontabs", {"names": []}, {"versions": "v1"}, {"versions": [1]}, {"scope": 3},
    {"versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": "object"}}]},
    {"versions": [{"name": "v1", "served": "yes", "storage": True}]},
    {"versions": [{**CRONTAB_CRD["spec"]["versions"][0], "additionalPrinterColumns": [1]}]},
    {"versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
        "type": "object", "properties": {"spec": {"type": "object", "properties": []}}}}}]},
    {"versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
        "type": "object", "properties": {"spec": {"type": "object", "required": "all"}}}}}]},
])
def test_a_crd_of_the_wrong_shape_is_a_400_or_422_never_a_500(cluster, spec):
    body = crd(spec=spec if isinstance(spec, str) else {**CRONTAB_CRD["spec"], **spec})
    error = _refusal(lambda: cluster.client.create("customresourcedefinitions", body))
    assert error.code in (400, 422), error.status
    assert cluster.client.list("customresourcedefinitions")["items"] == []


@pytest.mark.parametrize("metadata", [{"labels": "web"}, {"annotations": ["a"]}, {"finalizers": "x"},
                                      {"ownerReferences": {"kind": "X"}}])
def test_a_custom_object_with_metadata_of_the_wrong_shape_is_a_400(cluster, metadata):
    cluster.client.create("customresourcedefinitions", CRONTAB_CRD)
    body = crontab()
    body["metadata"].update(metadata)
    error = _refusal(lambda: cluster.client.create("crontabs", body, namespace="default"))
    assert error.code == 400 and "cannot be handled as a CronTab" in error.message, error.status
    body = crontab()
    body["spec"] = "every minute"
    error = _refusal(lambda: cluster.client.create("crontabs", body, namespace="default"))
    assert error.code == 422 and 'spec in body must be of type object: "string"' in error.message


def test_an_updated_crd_schema_judges_the_next_write(cluster):
    cluster.client.create("customresourcedefinitions", CRONTAB_CRD)
    cluster.client.create("crontabs", crontab(replicas=8), namespace="default")
    stored = cluster.get("customresourcedefinitions", CRD_NAME)
    stored["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["replicas"][
        "maximum"] = 5
    cluster.client.update("customresourcedefinitions", stored)
    error = _refusal(lambda: cluster.client.create("crontabs", crontab(name="big", replicas=8), namespace="default"))
    assert "spec.replicas in body should be less than or equal to 5" in error.message
    renamed = cluster.get("customresourcedefinitions", CRD_NAME)
    renamed["spec"]["group"] = "other.example.com"
    error = _refusal(lambda: cluster.client.update("customresourcedefinitions", renamed))
    assert error.code == 422 and any(c["field"] == "spec.group" and "field is immutable" in c["message"]
                                     for c in error.status["details"]["causes"])
