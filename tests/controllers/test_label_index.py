"""Pods by label (label_index.py): the same pods, in the same order, as walking the namespace."""
import random

import pytest

from kubelab.client import Informer
from kubelab.controllers.label_index import LABEL_INDEX, label_index, pods_selected


def pod(name, namespace, labels):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


@pytest.mark.parametrize("seed", range(8))
def test_pods_selected_are_the_namespace_walk(client, clock, seed):
    rng = random.Random(seed)
    client.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                      "metadata": {"name": "default"}}, "other")
    informer = Informer(client, "pods", clock)
    informer.add_indexers({LABEL_INDEX: label_index})
    informer.start()
    for index in range(rng.randrange(0, 25)):
        labels = {key: rng.choice(["a", "b"]) for key in ("app", "tier", "zone") if rng.random() < 0.7}
        namespace = rng.choice(["default", "other"])
        client.create("pods", pod(f"p{index}", namespace, labels), namespace)
    clock.run(1)
    selectors = [None, {}, {"matchLabels": {"app": "a"}}, {"matchLabels": {"app": "a", "tier": "b"}},
                 {"matchLabels": {"zone": "b"}, "matchExpressions": [{"key": "app", "operator": "In", "values": ["b"]}]},
                 {"matchExpressions": [{"key": "tier", "operator": "Exists"}]}]
    for label_selector in selectors:
        for namespace in ("default", "other"):
            assert pods_selected(informer, namespace, label_selector) == informer.list(namespace, label_selector)
    informer.stop()
