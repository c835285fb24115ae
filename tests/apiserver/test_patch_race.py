"""A patch that loses a race to another writer (another API server on the same store) is
applied again to the new object, as upstream's GuaranteedUpdate does — unless it pinned a
resourceVersion, which then is a 409 Conflict."""
import json

import pytest

from kubelab.apiserver import ApiError, Request

MERGE = {"patchType": "application/merge-patch+json"}


def configmap(apiserver):
    apiserver.handle(Request("create", "configmaps", "default", body={
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"x": "1"}}))


def sneak_in_after_first_read(apiserver, store):
    """Make another writer change the ConfigMap right after the patch's first read."""
    original, reads = apiserver.read, []

    def racing_read(*args, **kwargs):
        answer = original(*args, **kwargs)
        reads.append(1)
        if len(reads) == 1:
            kv = store.get("/registry/configmaps/default/settings")
            other = json.loads(kv.value)
            other["data"]["y"] = "2"
            store.put(kv.key, json.dumps(other))
        return answer
    apiserver.read = racing_read


def test_a_patch_that_loses_a_race_is_applied_again_and_keeps_both_changes(apiserver, store):
    configmap(apiserver)
    sneak_in_after_first_read(apiserver, store)
    patched = apiserver.handle(Request("patch", "configmaps", "default", "settings",
                                       body={"metadata": {"labels": {"tier": "front"}}}, params=MERGE))
    assert patched["data"] == {"x": "1", "y": "2"} and patched["metadata"]["labels"] == {"tier": "front"}


def test_a_patch_that_pinned_a_resource_version_gets_the_conflict(apiserver, store):
    configmap(apiserver)
    version = apiserver.handle(Request("get", "configmaps", "default", "settings"))["metadata"]["resourceVersion"]
    sneak_in_after_first_read(apiserver, store)
    with pytest.raises(ApiError) as error:
        apiserver.handle(Request("patch", "configmaps", "default", "settings", params=MERGE,
                                 body={"metadata": {"resourceVersion": version, "labels": {"tier": "front"}}}))
    assert error.value.code == 409
