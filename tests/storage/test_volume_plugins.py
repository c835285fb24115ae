"""The volume plugins one by one, on hand-made listers (cases after upstream's plugin tests:
volumezone/volume_zone_test.go, nodevolumelimits/csi_test.go, volumerestrictions, volumebinding)."""
from kubelab.objects import meta
from kubelab.scheduler.cache import Cache
from kubelab.scheduler.framework import SKIP, UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE
from kubelab.scheduler.node_info import NodeInfo
from kubelab.scheduler.plugins import node_volume_limits, volume_binding, volume_restrictions, volume_zone
from kubelab.scheduler.runtime import Handle

from .manifests import claim, pod_with_claim, storage_class, volume


class Lister:
    def __init__(self, *objects):
        self.objects = {meta.key(obj): obj for obj in objects}

    def get(self, key):
        return self.objects.get(key)

    def list(self):
        return [self.objects[key] for key in sorted(self.objects)]


def namespaced(obj, namespace="default"):
    obj["metadata"]["namespace"] = namespace
    return obj


def bound(claim_obj, volume_name):
    claim_obj["spec"]["volumeName"] = volume_name
    claim_obj["status"] = {"phase": "Bound"}
    return namespaced(claim_obj)


def node(name, zone=None, **allocatable):
    labels = {"kubernetes.io/hostname": name, **({"topology.kubernetes.io/zone": zone} if zone else {})}
    return NodeInfo({"metadata": {"name": name, "labels": labels},
                     "status": {"allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110", **allocatable}}})


def handle(claims=(), volumes=(), classes=(), snapshot=None):
    return Handle(listers={"persistentvolumeclaims": Lister(*claims), "persistentvolumes": Lister(*volumes),
                           "storageclasses": Lister(*classes)}, snapshot=snapshot or (lambda: None))


def pod(name="app", claim_name="data"):
    return namespaced(pod_with_claim(name, claim_name))


def test_volume_zone_keeps_a_pod_in_its_volumes_zone_and_lets_zoneless_nodes_pass():
    zonal = volume("pv-a", labels={"topology.kubernetes.io/zone": "zone-a__zone-b"})
    plugin = volume_zone.new(None, handle([bound(claim(), "pv-a")], [zonal]))
    state = {}
    assert plugin.pre_filter(state, pod()).is_success()
    assert plugin.filter(state, pod(), node("n1", "zone-a")).is_success()
    assert plugin.filter(state, pod(), node("n2", "zone-b")).is_success()
    rejected = plugin.filter(state, pod(), node("n3", "zone-c"))
    assert (rejected.code, rejected.reasons) == (UNSCHEDULABLE_AND_UNRESOLVABLE, ("node(s) had no available volume zone",))
    assert plugin.filter(state, pod(), node("n4")).is_success()
    assert volume_zone.new(None, handle([bound(claim(), "pv-b")], [volume("pv-b")])).pre_filter({}, pod()).code == SKIP


def test_volume_zone_prefilter_words_for_a_missing_claim_and_an_unbound_one():
    missing = volume_zone.new(None, handle()).pre_filter({}, pod())
    assert missing.reasons == ('persistentvolumeclaim "data" not found',)
    no_class = volume_zone.new(None, handle([namespaced(claim(klass=""))])).pre_filter({}, pod())
    assert no_class.reasons == ("PersistentVolumeClaim had no pv name and storageClass name",)
    waiting = volume_zone.new(None, handle([namespaced(claim(klass="standard"))], [], [
        storage_class("standard", volumeBindingMode="WaitForFirstConsumer")])).pre_filter({}, pod())
    assert waiting.code == SKIP


def test_node_volume_limits_counts_distinct_csi_volumes_against_the_nodes_limit():
    def csi_volume(name):
        return volume(name, csi={"driver": "ebs.csi.aws.com", "volumeHandle": f"vol-{name}"})
    claims = [bound(claim("c1"), "pv-1"), bound(claim("c2"), "pv-2"), bound(claim("c3"), "pv-3")]
    plugin = node_volume_limits.new(None, handle(claims, [csi_volume("pv-1"), csi_volume("pv-2"), csi_volume("pv-3")]))
    full = node("n1", **{"attachable-volumes-csi-ebs.csi.aws.com": "2"})
    full.add_pod({**pod("a", "c1"), "spec": {**pod("a", "c1")["spec"], "nodeName": "n1"}})
    full.add_pod({**pod("b", "c2"), "spec": {**pod("b", "c2")["spec"], "nodeName": "n1"}})
    state = {}
    assert plugin.pre_filter(state, pod("new", "c3")).is_success()
    rejected = plugin.filter(state, pod("new", "c3"), full)
    assert (rejected.code, rejected.reasons) == (UNSCHEDULABLE, ("node(s) exceed max volume count",))
    assert plugin.filter(state, pod("new", "c3"), node("n2", **{"attachable-volumes-csi-ebs.csi.aws.com": "2"})) \
        .is_success()
    shared = {}   # a volume already attached there costs nothing more
    assert plugin.pre_filter(shared, pod("again", "c1")).is_success()
    assert plugin.filter(shared, pod("again", "c1"), full).is_success()
    assert plugin.filter(state, pod("new", "c3"), node("n3")).is_success()   # no limit known


def test_volume_restrictions_one_pod_per_read_write_once_pod_claim():
    rwop = bound(claim("solo", modes=("ReadWriteOncePod",)), "pv-1")
    cache = Cache()
    cache.add_node({"metadata": {"name": "n1", "labels": {}}, "status": {"allocatable": {"pods": "110"}}})
    holder = pod("holder", "solo")
    holder["metadata"]["uid"] = "u-1"
    holder["spec"]["nodeName"] = "n1"
    cache.add_pod(holder)
    plugin = volume_restrictions.new(None, handle([rwop], snapshot=cache.snapshot))
    state = {}
    newcomer = pod("second", "solo")
    assert plugin.pre_filter(state, newcomer).is_success()
    rejected = plugin.filter(state, newcomer, node("n2"))
    assert (rejected.code, rejected.reasons) == (UNSCHEDULABLE, (
        "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode",))
    assert volume_restrictions.new(None, handle([bound(claim("shared"), "pv-2")])).pre_filter({}, pod("x", "shared")) \
        .code == SKIP


def test_volume_binding_reasons_for_bound_unbound_and_delayed_claims():
    pinned = volume("pv-a", nodeAffinity={"required": {"nodeSelectorTerms": [{"matchExpressions": [
        {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["zone-a"]}]}]}})
    plugin = volume_binding.new(None, handle([bound(claim(), "pv-a")], [pinned]))
    state = {}
    assert plugin.pre_filter(state, pod()).is_success()
    assert plugin.filter(state, pod(), node("n1", "zone-a")).is_success()
    assert plugin.filter(state, pod(), node("n2", "zone-b")).reasons == ("node(s) had volume node affinity conflict",)
    immediate = volume_binding.new(None, handle([namespaced(claim(klass="fast"))], [],
                                                [storage_class("fast", volumeBindingMode="Immediate")]))
    assert immediate.pre_filter({}, pod()).reasons == ("pod has unbound immediate PersistentVolumeClaims",)
    local = volume_binding.new(None, handle([namespaced(claim(klass="local"))], [volume(
        "disk-1", klass="local", local={"path": "/mnt/disks/1"}, nodeAffinity={"required": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["n1"]}]}]}})],
        [storage_class("local", provisioner="kubernetes.io/no-provisioner", volumeBindingMode="WaitForFirstConsumer")]))
    state = {}
    assert local.pre_filter(state, pod()).is_success()
    assert local.filter(state, pod(), node("n1")).is_success()
    assert local.filter(state, pod(), node("n2")).reasons == ("node(s) didn't find available persistent volumes to bind",)
    assert volume_binding.new(None, handle()).pre_filter({}, pod()).reasons == (
        'persistentvolumeclaim "data" not found',)
