"""Stories: the compiled decoder builds exactly what the reference walk leaves, or defers to it.

decode_compiled.py builds a body's decoded copy in one pass; decode.py's walk (copy, then clean
in place) is the reference. On every object a running cluster stores, and on thousands of
seeded corruptions of them (nulls, unknown fields, wrong JSON types, out-of-range numbers), the
compiled builder must either give the reference's object or refuse (`Unfit`) exactly when the
reference refuses — never accept what the reference refuses, never change the body it reads.
"""
import copy
import json
import random

import pytest

from kubelab.api.resources import RESOURCES
from kubelab.apiserver import decode, decode_compiled
from kubelab.cluster import Cluster

WRONG_VALUES = [None, "text", 7, -1, 2 ** 40, 2 ** 70, 1.5, 3.0, True, False, [], [None], {}, {"x": None},
                [1, "a"], {"unknown": 1}]


def stored_objects() -> list[tuple[str, dict]]:
    """(plural, object) for everything a small settled cluster stores."""
    cluster = Cluster(nodes=2, seed=3)
    cluster.client.create("deployments", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                                       "ports": [{"containerPort": 80}],
                                                       "resources": {"requests": {"cpu": "100m"}}}]}}}})
    cluster.settle()
    by_prefix = {resource.prefix(None): plural for plural, resource in RESOURCES.items()}
    found = []
    for kv in cluster.store.range("/registry/", prefix=True).kvs:
        plural = next((name for prefix, name in by_prefix.items() if kv.key.startswith(prefix)), None)
        if plural is not None:
            found.append((plural, json.loads(kv.value)))
    return found


def paths(value, path=()):
    """Every (path, value) inside a JSON value."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, path + (index,))


def corrupted(obj: dict, rng: random.Random) -> dict:
    """`obj` with one to three values replaced, or an unknown key added, somewhere inside."""
    body = copy.deepcopy(obj)
    for _ in range(rng.randint(1, 3)):
        where, _ = rng.choice(list(paths(body))[1:])
        parent = body
        for part in where[:-1]:
            parent = parent[part]
        if isinstance(parent, dict) and rng.random() < 0.2:
            parent[f"unknown{rng.randint(0, 9)}"] = rng.choice(WRONG_VALUES)
        else:
            parent[where[-1]] = copy.deepcopy(rng.choice(WRONG_VALUES))
    return body


def reference(name: str, body: dict):
    """What decode.py's walk leaves of `body`, or the 400's message."""
    obj = decode.clone(body)
    try:
        decode.check_definition(name, obj, "Kind", "v1")
    except Exception as refusal:   # noqa: BLE001 — the refusal is the answer
        return "refused", str(refusal)
    return "decoded", obj


def compiled(name: str, body: dict):
    try:
        return "decoded", decode_compiled.builder(decode._root(name))(body)
    except decode_compiled.Unfit:
        return "refused", None


@pytest.fixture(scope="module")
def objects():
    return stored_objects()


def definition(plural: str) -> str:
    resource = RESOURCES[plural]
    return decode._PACKAGES.get(resource.group, "") + resource.kind


def test_every_stored_object_decodes_to_what_the_reference_leaves(objects):
    checked = 0
    for plural, obj in objects:
        name = definition(plural)
        if name not in decode._definitions():
            continue
        assert compiled(name, obj) == reference(name, obj), plural
        checked += 1
    assert checked > 30


def test_corrupted_bodies_are_refused_exactly_when_the_reference_refuses(objects):
    rng = random.Random(13)
    outcomes = {"decoded": 0, "refused": 0}
    for round_ in range(3000):
        plural, obj = rng.choice(objects)
        name = definition(plural)
        if name not in decode._definitions():
            continue
        body = corrupted(obj, rng)
        sent = copy.deepcopy(body)
        fast, expected = compiled(name, body), reference(name, body)
        assert body == sent, "the compiled decoder changed the body it read"
        assert fast[0] == expected[0], (plural, body)
        if fast[0] == "decoded":
            assert fast[1] == expected[1], (plural, body)
        outcomes[fast[0]] += 1
    assert outcomes["decoded"] > 300 and outcomes["refused"] > 300


def test_a_refused_body_still_gets_the_decoders_words_through_the_api(client):
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 1.5}]}]}}
    with pytest.raises(Exception) as error:
        client.create("pods", body)
    assert error.value.code == 400
    assert error.value.message == ('Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number 1.5 '
                                   "into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32")


def test_a_tuple_in_an_in_process_body_is_an_array_as_json_would_make_it(client):
    """In process nothing turns a body into JSON first: a tuple is taken as the array it encodes to."""
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "tuples"},
            "spec": {"containers": ({"name": "c", "image": "nginx", "args": ("a", "b")},)}}
    created = client.create("pods", body)
    assert created["spec"]["containers"][0]["args"] == ["a", "b"]
    assert isinstance(created["spec"]["containers"], list)
