"""Story: a CRD schema's untyped `default` changed from 0 to false is written, listed and applied.

Python's `==` holds for 0 and false (and 1 and true): the API server's no-op check compared the
new object with the stored one that way and wrote nothing (upstream compares the encoded bytes),
and the watch cache reused the version-before's equal-looking parts, so lists kept serving 0.
"""
from crontab import crd, crontab

from kubelab.objects import frozen


def extra_of(definition: dict) -> dict:
    return definition["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["extra"]


def test_a_crd_default_changed_from_0_to_false_is_stored_listed_and_applied(client):
    definition = crd()
    extra_of(definition)["default"] = {"retries": 0}
    client.create("customresourcedefinitions", definition)
    assert client.list("customresourcedefinitions")["items"]   # the watch cache holds the CRD now
    current = client.get("customresourcedefinitions", "crontabs.stable.example.com")
    extra_of(current)["default"] = {"retries": False}
    updated = client.update("customresourcedefinitions", current)
    assert updated["metadata"]["resourceVersion"] != current["metadata"]["resourceVersion"]
    assert extra_of(updated)["default"]["retries"] is False
    listed = client.list("customresourcedefinitions")["items"][0]
    assert extra_of(listed)["default"]["retries"] is False
    made = client.create("crontabs", crontab("defaulted"), "default")
    assert made["spec"]["extra"] == {"retries": False} and made["spec"]["extra"]["retries"] is False


def test_an_update_that_only_reorders_keys_is_still_a_no_op(client):
    client.create("customresourcedefinitions", crd())
    current = client.get("customresourcedefinitions", "crontabs.stable.example.com")
    reordered = {key: current[key] for key in reversed(list(current))}
    assert client.update("customresourcedefinitions", reordered)["metadata"]["resourceVersion"] == \
        current["metadata"]["resourceVersion"]


def test_freezing_like_the_version_before_keeps_equal_parts_even_when_their_json_type_differs():
    """Why the cache does not pass `like` for free-form kinds (frozen.py's note: typed kinds only)."""
    before = frozen.freeze({"spec": {"default": 0}})
    assert frozen.freeze({"spec": {"default": False}}, like=before)["spec"]["default"] is not False
    assert frozen.freeze({"spec": {"default": False}})["spec"]["default"] is False
