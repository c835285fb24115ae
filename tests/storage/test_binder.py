"""Stories of the PV binder and the hostpath provisioner, without a scheduler."""
from kubelab.objects import volumes

from .conftest import events_of
from .manifests import claim, storage_class, volume


def test_a_claim_binds_to_the_smallest_volume_that_fits_and_both_sides_say_so(client, clock, manager):
    client.create("persistentvolumes", volume("big", storage="10Gi", klass=""))
    client.create("persistentvolumes", volume("small", storage="2Gi", klass=""))
    client.create("persistentvolumes", volume("tiny", storage="500Mi", klass=""))
    client.create("persistentvolumes", volume("rox-only", storage="1Gi", modes=("ReadOnlyMany",), klass=""))
    clock.run(2)
    assert {v["metadata"]["name"]: volumes.phase(v) for v in client.list("persistentvolumes")["items"]} == \
        {"big": "Available", "rox-only": "Available", "small": "Available", "tiny": "Available"}
    client.create("persistentvolumeclaims", claim("data", storage="1Gi", klass=""))
    clock.run(2)
    bound = client.get("persistentvolumeclaims", "data")
    assert bound["spec"]["volumeName"] == "small"
    assert bound["status"] == {"phase": "Bound", "capacity": {"storage": "2Gi"}, "accessModes": ["ReadWriteOnce"]}
    assert bound["metadata"]["annotations"] == {"pv.kubernetes.io/bind-completed": "yes",
                                                "pv.kubernetes.io/bound-by-controller": "yes"}
    pv = client.get("persistentvolumes", "small")
    assert (pv["spec"]["claimRef"]["name"], pv["spec"]["claimRef"]["uid"]) == ("data", bound["metadata"]["uid"])
    assert volumes.phase(pv) == "Bound"


def test_a_claim_without_class_or_volume_waits_and_says_why(client, clock, manager):
    client.create("persistentvolumeclaims", claim("lonely", klass=""))
    clock.run(2)
    assert volumes.phase(client.get("persistentvolumeclaims", "lonely")) == "Pending"
    assert ("Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set") \
        in events_of(client, "lonely")


def test_a_retained_volume_is_released_when_its_claim_goes_and_is_not_given_to_the_next(client, clock, manager):
    client.create("persistentvolumes", volume("keep", klass=""))
    client.create("persistentvolumeclaims", claim("first", klass=""))
    clock.run(2)
    client.delete("persistentvolumeclaims", "first")
    clock.run(2)
    assert client.list("persistentvolumeclaims")["items"] == []   # no pod used it: the finalizer came off
    assert volumes.phase(client.get("persistentvolumes", "keep")) == "Released"
    client.create("persistentvolumeclaims", claim("second", klass=""))
    clock.run(2)
    assert volumes.phase(client.get("persistentvolumeclaims", "second")) == "Pending"


def test_a_hand_made_volume_with_delete_fails_to_delete(client, clock, manager):
    client.create("persistentvolumes", volume("manual", klass="", persistentVolumeReclaimPolicy="Delete"))
    client.create("persistentvolumeclaims", claim("c", klass=""))
    clock.run(2)
    client.delete("persistentvolumeclaims", "c")
    clock.run(2)
    pv = client.get("persistentvolumes", "manual")
    assert pv["status"]["phase"] == "Failed"
    assert ("Warning", "VolumeFailedDelete", 'error getting deleter volume plugin for volume "manual": no deletable '
            "volume plugin matched") in events_of(client, "manual")


def test_the_default_class_exists_and_an_immediate_class_provisions_at_once(client, clock, manager):
    standard = client.get("storageclasses", "standard")
    assert (standard["provisioner"], standard["volumeBindingMode"]) == ("kubelab.io/hostpath", "WaitForFirstConsumer")
    client.create("storageclasses", storage_class("now", volumeBindingMode="Immediate"))
    created = client.create("persistentvolumeclaims", claim("fast", klass="now"))
    clock.run(3)
    bound = client.get("persistentvolumeclaims", "fast")
    name = "pvc-" + created["metadata"]["uid"]
    assert (bound["status"]["phase"], bound["spec"]["volumeName"]) == ("Bound", name)
    assert bound["metadata"]["annotations"]["volume.kubernetes.io/storage-provisioner"] == "kubelab.io/hostpath"
    reasons = {reason for _, reason, _ in events_of(client, "fast")}
    assert reasons == {"ExternalProvisioning", "Provisioning", "ProvisioningSucceeded"}
    pv = client.get("persistentvolumes", name)
    assert pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == "kubelab.io/hostpath"
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    client.delete("persistentvolumeclaims", "fast")
    clock.run(3)
    assert client.list("persistentvolumes")["items"] == []   # Delete: the provisioner removed it


def test_a_wait_for_first_consumer_claim_waits_until_a_node_is_selected(client, clock, manager):
    client.create("persistentvolumeclaims", claim("later"))   # the default class: standard
    clock.run(3)
    pending = client.get("persistentvolumeclaims", "later")
    assert pending["spec"]["storageClassName"] == "standard" and volumes.phase(pending) == "Pending"
    assert ("Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding") in \
        events_of(client, "later")
    assert client.list("persistentvolumes")["items"] == []


def test_the_docs_task_pv_volume_binds_its_claim_of_class_manual(client, clock, manager):
    """kubernetes.io/docs/tasks/configure-pod-container/configure-persistent-volume-storage: class
    "manual" exists on the PV and the claim only, never as a StorageClass object."""
    client.create("persistentvolumes", {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {
        "name": "task-pv-volume", "labels": {"type": "local"}}, "spec": {
        "storageClassName": "manual", "capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
        "hostPath": {"path": "/mnt/data"}}})
    client.create("persistentvolumeclaims", {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {
        "name": "task-pv-claim"}, "spec": {"storageClassName": "manual", "accessModes": ["ReadWriteOnce"],
                                           "resources": {"requests": {"storage": "3Gi"}}}})
    clock.run(2)
    claim_now = client.get("persistentvolumeclaims", "task-pv-claim")
    assert (claim_now["status"]["phase"], claim_now["spec"]["volumeName"]) == ("Bound", "task-pv-volume")
    assert claim_now["status"]["capacity"] == {"storage": "10Gi"}
    client.create("persistentvolumeclaims", claim("other", klass="manual"))
    clock.run(2)
    assert ("Warning", "ProvisioningFailed", 'storageclass.storage.k8s.io "manual" not found') in \
        events_of(client, "other")
