"""Stories about shared objects (kubelab/objects/frozen.py): read like dicts, refuse every change,
copy into plain ones, and a new version shares what did not change with the one before."""
import copy
import json
import pickle

import pytest

from kubelab.objects.frozen import FrozenDict, FrozenList, SharedObjectError, freeze, is_frozen, loads, thaw

POD = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "web-1", "namespace": "default", "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "args": [["nested"], "x"]}],
                "nodeName": "node-1"},
       "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]}}


def every_container(value):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from every_container(item)
    elif isinstance(value, list):
        yield value
        for item in value:
            yield from every_container(item)


def test_a_frozen_object_reads_as_the_plain_one_and_every_part_of_it_is_frozen():
    shared = loads(json.dumps(POD), "7")
    assert shared == dict(POD, metadata=dict(POD["metadata"], resourceVersion="7"))
    assert isinstance(shared, dict) and all(is_frozen(part) for part in every_container(shared))
    assert json.loads(json.dumps(shared)) == shared and repr(freeze(POD)) == repr(POD)


@pytest.mark.parametrize("change", [
    lambda pod: pod.__setitem__("kind", "Node"), lambda pod: pod["metadata"].pop("labels"),
    lambda pod: pod["metadata"]["labels"].update(tier="db"), lambda pod: pod.setdefault("x", 1),
    lambda pod: pod.clear(), lambda pod: pod.popitem(), lambda pod: pod.__delitem__("kind"),
    lambda pod: pod["spec"]["containers"].append({}), lambda pod: pod["spec"]["containers"].extend([{}]),
    lambda pod: pod["spec"]["containers"].insert(0, {}), lambda pod: pod["spec"]["containers"].pop(),
    lambda pod: pod["spec"]["containers"].remove(pod["spec"]["containers"][0]),
    lambda pod: pod["spec"]["containers"].sort(), lambda pod: pod["spec"]["containers"].reverse(),
    lambda pod: pod["spec"]["containers"].clear(), lambda pod: pod["spec"]["containers"].__setitem__(0, {}),
    lambda pod: pod["spec"]["containers"].__delitem__(0), lambda pod: pod["spec"]["containers"][0]["args"][0].append(1),
])
def test_every_way_to_change_a_shared_object_is_refused_with_the_rule(change):
    shared = freeze(POD)
    with pytest.raises(SharedObjectError, match=r"shared read-only.*never modify objects from the store.*deepcopy"):
        change(shared)
    assert shared == POD


def test_augmented_assignment_on_a_shared_part_is_refused_too():
    shared = freeze(POD)
    labels, containers = shared["metadata"]["labels"], shared["spec"]["containers"]
    with pytest.raises(SharedObjectError):
        labels |= {"tier": "db"}
    with pytest.raises(SharedObjectError):
        containers += [{}]
    assert shared == POD


def test_a_deep_copy_or_a_thaw_is_plain_and_yours_a_shallow_copy_only_at_the_top():
    shared = freeze(POD)
    for mine in (copy.deepcopy(shared), thaw(shared), pickle.loads(pickle.dumps(thaw(shared)))):
        assert mine == POD and not any(is_frozen(part) for part in every_container(mine))
        mine["spec"]["containers"][0]["image"] = "nginx:1.28"
    top = copy.copy(shared)
    top["status"] = {"phase": "Running"}                   # the top level is yours ...
    with pytest.raises(SharedObjectError):
        top["metadata"]["labels"]["app"] = "db"             # ... its parts are still shared
    assert pickle.loads(pickle.dumps(shared)) == shared and type(pickle.loads(pickle.dumps(shared))) is FrozenDict
    assert shared == POD


def test_a_new_version_shares_what_did_not_change_with_the_one_before():
    before = loads(json.dumps(POD), "7")
    changed = copy.deepcopy(POD)
    changed["status"]["phase"] = "Running"
    after = loads(json.dumps(changed), "8", before)
    assert after == dict(changed, metadata=dict(changed["metadata"], resourceVersion="8"))
    assert after["spec"] is before["spec"] and after["metadata"]["labels"] is before["metadata"]["labels"]
    assert after["status"]["conditions"] is before["status"]["conditions"]
    assert after["status"] is not before["status"] and before["status"]["phase"] == "Pending"
    assert all(is_frozen(part) for part in every_container(after))


def test_keys_and_short_strings_are_one_string_for_every_object():
    first, second = (loads(json.dumps(POD)) for _ in range(2))
    assert next(key for key in first if key == "metadata") is next(key for key in second if key == "metadata")
    assert first["status"]["phase"] is second["status"]["phase"]
    assert type(FrozenList([1])) is FrozenList and FrozenList([1]) == [1]
