"""The story of issue 9's "data locality made real": a claim pins its pod's zone, and every
later pod using the volume follows it there — on a whole cluster, on virtual time."""
import pytest

from kubelab import Cluster
from kubelab.objects import volumes

from .manifests import claim, pod_with_claim, storage_class, volume


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster(nodes=3, seed=0, cloud=True)   # the fake cloud puts node-1/2/3 in zones a/b/c
    cluster.apply(claim("data"))                      # the default class: standard, WaitForFirstConsumer
    cluster.settle()
    return cluster


def zone_of(cluster, node_name):
    return cluster.get("nodes", node_name)["metadata"]["labels"][volumes.ZONE_LABEL]


def test_the_claim_waits_for_its_first_consumer(cluster):
    pending = cluster.get("persistentvolumeclaims", "data")
    assert (pending["spec"]["storageClassName"], volumes.phase(pending)) == ("standard", "Pending")
    assert cluster.list("persistentvolumes") == []
    assert "waiting for first consumer to be created before binding" in cluster.kubectl("describe pvc data")


def test_the_first_pod_chooses_the_zone_and_the_volume_is_made_there(cluster):
    cluster.apply(pod_with_claim("writer"))
    cluster.settle()
    writer = cluster.get("pods", "writer")
    assert writer["status"]["phase"] == "Running"
    bound = cluster.get("persistentvolumeclaims", "data")
    assert volumes.phase(bound) == "Bound"
    assert bound["metadata"]["annotations"][volumes.ANN_SELECTED_NODE] == writer["spec"]["nodeName"]
    pv = cluster.get("persistentvolumes", bound["spec"]["volumeName"])
    zone = zone_of(cluster, writer["spec"]["nodeName"])
    assert volumes.volume_zone(pv) == [zone] and pv["metadata"]["labels"][volumes.ZONE_LABEL] == zone
    assert "ProvisioningSucceeded" in cluster.kubectl("describe pvc data")
    assert cluster.exec("writer", ["sh", "-c", "echo hello > /data/greeting; cat /data/greeting"]).strip() == "hello"


def test_every_later_pod_using_the_volume_goes_to_that_zone(cluster):
    writer_node = cluster.get("pods", "writer")["spec"]["nodeName"]
    zone = zone_of(cluster, writer_node)
    for index in range(3):
        # each reader would rather be elsewhere: it avoids the writer's node by anti-affinity
        reader = pod_with_claim(f"reader-{index}", affinity={"podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": {
                "labelSelector": {"matchLabels": {"role": "writer"}}, "topologyKey": "kubernetes.io/hostname"}}]}})
        cluster.apply(reader)
        cluster.settle()
        assert zone_of(cluster, cluster.get("pods", f"reader-{index}")["spec"]["nodeName"]) == zone
    explanation = cluster.kubectl("scheduler explain reader-0")
    other_nodes = [line for line in explanation.splitlines()[1:] if writer_node not in line]
    assert other_nodes and all("VolumeBinding: node(s) had volume node affinity conflict" in line
                               for line in other_nodes)


def test_without_volume_binding_the_zone_would_be_forgotten(cluster):
    replay = cluster.kubectl("scheduler explain reader-0 --disable VolumeBinding")
    assert "VolumeZone: node(s) had no available volume zone" in replay   # the disk's zone label still holds


def test_a_pod_whose_claim_is_missing_or_unbound_waits_with_upstreams_words(cluster):
    cluster.apply(pod_with_claim("orphan", claim_name="nope"))
    cluster.apply(storage_class("now", volumeBindingMode="Immediate", provisioner="example.com/absent"))
    cluster.apply(claim("unbound", klass="now"))
    cluster.apply(pod_with_claim("impatient", claim_name="unbound"))
    cluster.settle()
    orphan = cluster.kubectl("describe pod orphan")
    assert '0/3 nodes are available: persistentvolumeclaim "nope" not found.' in orphan
    impatient = cluster.kubectl("describe pod impatient")
    assert "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims." in impatient
    assert "Waiting for a volume to be created either by the external provisioner 'example.com/absent'" in \
        cluster.kubectl("describe pvc unbound")


def test_kubectl_prints_the_storage_columns(cluster):
    volume_name = cluster.get("persistentvolumeclaims", "data")["spec"]["volumeName"]
    lines = cluster.kubectl("get pvc data").splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS",
                                "VOLUMEATTRIBUTESCLASS", "AGE"]
    assert lines[1].split()[:6] == ["data", "Bound", volume_name, "1Gi", "RWO", "standard"]
    assert cluster.kubectl("get sc standard").splitlines()[1].split()[:5] == [
        "standard", "(default)", "kubelab.io/hostpath", "Delete", "WaitForFirstConsumer"]
    row = cluster.kubectl("get pv").splitlines()[1].split()
    assert row[:7] == [volume_name, "1Gi", "RWO", "Delete", "Bound", "default/data", "standard"]


def test_kubectl_describe_tells_the_claim_the_volume_and_the_class(cluster):
    claim_text = cluster.kubectl("describe pvc data")
    for line in ("StorageClass:  standard", "Status:        Bound", "Finalizers:    [kubernetes.io/pvc-protection]",
                 "Capacity:      1Gi", "Access Modes:  RWO", "VolumeMode:    Filesystem"):
        assert line in claim_text
    assert "Used By:       reader-0" in claim_text
    volume_text = cluster.kubectl(f"describe pv {cluster.get('persistentvolumeclaims', 'data')['spec']['volumeName']}")
    assert "Claim:             default/data" in volume_text
    assert "    Term 0:        topology.kubernetes.io/zone in [" in volume_text
    assert "    Type:          HostPath (bare host directory volume)" in volume_text
    assert "IsDefaultClass:        Yes" in cluster.kubectl("describe storageclass standard")


def test_a_pod_whose_claim_never_binds_gives_up_binding_after_the_timeout():
    cluster = Cluster(nodes=1, seed=1)
    cluster.apply(storage_class("nobody", provisioner="example.com/absent", volumeBindingMode="WaitForFirstConsumer"))
    cluster.apply(claim("stuck", klass="nobody"))
    cluster.apply(pod_with_claim("patient", claim_name="stuck"))
    cluster.run(30)
    waiting = cluster.get("pods", "patient")
    assert not waiting["spec"].get("nodeName")   # held at PreBind: no Binding written yet
    assert cluster.get("persistentvolumeclaims", "stuck")["metadata"]["annotations"][
        volumes.ANN_SELECTED_NODE] == "node-1"
    cluster.run(600)
    assert 'running PreBind plugin "VolumeBinding": binding volumes: context deadline exceeded' in \
        cluster.kubectl("describe pod patient")


def test_the_kubelet_waits_for_a_missing_claim_and_mounts_it_once_bound():
    cluster = Cluster(nodes=1, seed=2)
    cluster.apply(pod_with_claim("direct", claim_name="later", nodeName="node-1"))   # no scheduler involved
    cluster.run(20)
    described = cluster.kubectl("describe pod direct")
    assert ("Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data], failed to "
            "process volumes=[data]: error processing PVC default/later: failed to fetch PVC from API server: "
            'persistentvolumeclaims "later" not found') in described
    cluster.apply(volume("manual-1", klass=""))
    cluster.apply(claim("later", klass=""))
    cluster.run(60)
    assert cluster.get("pods", "direct")["status"]["phase"] == "Running"
    assert cluster.exec("direct", ["sh", "-c", "echo kept > /data/file; cat /data/file"]).strip() == "kept"


def test_two_pods_race_for_one_local_volume_and_one_waits():
    """A local disk on node-1 (class local-storage: no provisioner, WaitForFirstConsumer, as the docs'
    local volume example): the first pod takes it; the second finds no volume on any node."""
    cluster = Cluster(nodes=2, seed=3)
    cluster.apply(storage_class("local-storage", provisioner="kubernetes.io/no-provisioner",
                                volumeBindingMode="WaitForFirstConsumer"))
    cluster.apply(volume("disk-1", klass="local-storage", local={"path": "/mnt/disks/ssd1"}, nodeAffinity={
        "required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-1"]}]}]}}))
    for name in ("first", "second"):
        cluster.apply(claim(f"{name}-data", klass="local-storage"))
        cluster.apply(pod_with_claim(name, claim_name=f"{name}-data"))
    cluster.settle()
    pods = {pod["metadata"]["name"]: pod for pod in cluster.list("pods", "default")}
    running = [name for name, pod in pods.items() if pod["status"].get("phase") == "Running"]
    assert len(running) == 1 and pods[running[0]]["spec"]["nodeName"] == "node-1"
    waiting = ({"first", "second"} - set(running)).pop()
    assert "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind." in \
        cluster.kubectl(f"describe pod {waiting}")
