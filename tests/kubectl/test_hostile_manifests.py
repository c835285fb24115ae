"""Story: a manifest built to hurt is refused by kubectl in one line, as upstream's kubectl refuses it.

A 9-level YAML alias bomb is a few hundred bytes that expand to 387 million strings; Go's
yaml library counts aliases while decoding and stops ("document contains excessive
aliasing"). kubelab's kubectl reads manifests the same way (objects/goyaml.py), so
`cluster.apply(bomb)` answers at once instead of hanging the notebook's kernel.
"""
import time

import pytest

from kubelab import Cluster


@pytest.fixture(scope="module")
def cluster():
    return Cluster(nodes=1, seed=0)


def bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels)]
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n" + \
        "".join(f"  {line}\n" for line in lines)


def test_an_alias_bomb_is_refused_in_one_line_at_once(cluster):
    started = time.monotonic()
    answer = cluster.kubectl("apply -f -", stdin=bomb())
    assert answer == ("error: error parsing STDIN: error converting YAML to JSON: yaml: document contains "
                      "excessive aliasing")
    assert time.monotonic() - started < 1
    assert all(c["metadata"]["name"] != "bomb" for c in cluster.list("configmaps", "default"))


def test_ordinary_anchors_and_several_documents_still_apply(cluster):
    manifest = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\ndata: &shared {colour: blue}\n---\n"
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\ndata: {colour: red, when: 2025-01-01}\n")
    assert cluster.apply(manifest) == "configmap/one created\nconfigmap/two created"
    assert cluster.get("configmaps", "two", "default")["data"] == {"colour": "red", "when": "2025-01-01"}
