"""What the scheduler keeps from one pod to the next must follow the cluster when it changes.

Issue 9's speed comes partly from answers kept between pods: PodTopologySpread's default
selector (while the Service and ReplicaSet listers hold the same objects), masks that read only
the nodes' labels (for the node table's life), per-host sums without a lookup by code. These
stories change what the answer depends on and check the kept answer changes with it.
"""
import numpy as np
import pytest

from kubelab.scheduler.cache import Cache
from kubelab.scheduler.node_table import constant_array, is_constant
from kubelab.scheduler.plugins.pod_topology_spread import PodTopologySpread
from kubelab.scheduler.runtime import Handle


class VersionedLister:
    """A lister that says when it changed, as an informer does (its last resourceVersion)."""

    def __init__(self):
        self.objects, self.last_resource_version = [], "1"

    def add(self, obj):
        self.objects.append(obj)
        self.last_resource_version = str(int(self.last_resource_version) + 1)

    def list(self, namespace=None, label_selector=None):
        return [obj for obj in self.objects if obj["metadata"].get("namespace") == namespace]


def web_pod(name="web-1"):
    return {"metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}}, "spec": {}}


def test_the_default_selector_follows_a_service_created_between_two_pods():
    services, replicasets = VersionedLister(), VersionedLister()
    plugin = PodTopologySpread(Handle(listers={"services": services, "replicasets": replicasets}))
    assert plugin.default_selector(web_pod()) == ()          # nothing selects it: no default spreading
    services.add({"metadata": {"name": "web", "namespace": "default"}, "spec": {"selector": {"app": "web"}}})
    assert plugin.default_selector(web_pod("web-2")) == (("app", "=", ("web",)),)
    replicasets.add({"metadata": {"name": "web-abc", "namespace": "default"},
                     "spec": {"selector": {"matchLabels": {"app": "web"}}}})
    assert plugin.default_selector(web_pod("web-3")) == (("app", "=", ("web",)), ("app", "=", ("web",)))


def test_a_lister_that_cannot_say_when_it_changed_is_asked_every_time():
    class Plain:
        def __init__(self):
            self.objects = []

        def list(self, namespace=None, label_selector=None):
            return list(self.objects)
    services = Plain()
    plugin = PodTopologySpread(Handle(listers={"services": services}))
    assert plugin.default_selector(web_pod()) == ()
    services.objects.append({"metadata": {"name": "web", "namespace": "default"}, "spec": {"selector": {"app": "web"}}})
    assert plugin.default_selector(web_pod()) == (("app", "=", ("web",)),)


def node(name, labels):
    allocatable = {"cpu": "4", "memory": "8Gi", "pods": "110"}
    return {"metadata": {"name": name, "labels": labels}, "status": {"allocatable": allocatable}}


def test_label_masks_are_read_only_and_a_relabelled_node_builds_a_new_table():
    cache = Cache()
    for index in range(3):
        cache.add_node(node(f"node-{index}", {"kubernetes.io/hostname": f"node-{index}", "disktype": "ssd"}))
    table = cache.snapshot().table
    mask = table.by_labels("ssd", lambda: table.label_in("disktype", ["ssd"]))
    assert mask.tolist() == [True, True, True]
    with pytest.raises(ValueError):
        mask[0] = False                      # shared by every pod asking the same: nobody may write it
    cache.update_node(node("node-1", {"kubernetes.io/hostname": "node-1", "disktype": "hdd"}))
    fresh = cache.snapshot().table
    assert fresh is not table
    assert fresh.by_labels("ssd", lambda: fresh.label_in("disktype", ["ssd"])).tolist() == [True, False, True]


def test_a_label_with_a_value_of_its_own_on_every_node_is_summed_without_codes():
    cache = Cache()
    for index in range(4):
        cache.add_node(node(f"node-{index}", {"kubernetes.io/hostname": f"node-{index}",
                                               "zone": "a" if index < 2 else "b"}))
    table = cache.snapshot().table
    assert table.one_value_per_node("kubernetes.io/hostname") and not table.one_value_per_node("zone")
    per_node, rows = np.array([3, 0, 2, 1]), np.array([True, True, False, True])
    assert table.sum_by_code("kubernetes.io/hostname", per_node, rows).tolist() == [3, 0, 0, 1, 0]
    assert table.sum_by_code("zone", per_node, rows).tolist() == [3, 1, 0]


def test_constant_scores_are_shared_and_read_only():
    zeros = constant_array(5, 0)
    assert zeros is constant_array(5, 0) and is_constant(zeros) and not is_constant(np.zeros(5, np.int64))
    with pytest.raises(ValueError):
        zeros[0] = 1
