"""Stories of the storage kinds at the API: defaults, upstream's validation words, the default class."""
import pytest

from kubelab.api.printers.tables import TABLES
from kubelab.client import ApiError

from .manifests import claim, storage_class, volume


def causes(error):
    return [(c["field"], c["message"]) for c in error.value.status["details"]["causes"]]


def test_a_storage_class_defaults_to_delete_and_immediate_and_refuses_changes_to_its_provisioner(client):
    created = client.create("storageclasses", storage_class(parameters={"type": "ssd"}))
    assert (created["reclaimPolicy"], created["volumeBindingMode"]) == ("Delete", "Immediate")
    created["provisioner"], created["parameters"] = "other.io/x", {}
    created["volumeBindingMode"] = "WaitForFirstConsumer"
    with pytest.raises(ApiError) as error:
        client.update("storageclasses", created)
    assert causes(error) == [("parameters", "Forbidden: updates to parameters are forbidden."),
                             ("provisioner", "Forbidden: updates to provisioner are forbidden."),
                             ("volumeBindingMode", 'Invalid value: "WaitForFirstConsumer": field is immutable')]
    with pytest.raises(ApiError) as error:
        client.create("storageclasses", storage_class("bad", provisioner="", reclaimPolicy="Recycle",
                                                      volumeBindingMode="Later"))
    assert causes(error) == [
        ("provisioner", "Required value"),
        ("reclaimPolicy", 'Unsupported value: "Recycle": supported values: "Delete", "Retain"'),
        ("volumeBindingMode", 'Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"')]


def test_a_persistent_volume_needs_capacity_access_modes_and_exactly_one_source(client):
    created = client.create("persistentvolumes", volume())
    assert created["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert created["spec"]["volumeMode"] == "Filesystem" and created["status"] == {"phase": "Pending"}
    assert created["metadata"]["finalizers"] == ["kubernetes.io/pv-protection"]
    bad = volume("pv-2", modes=(), local={"path": "/mnt/disks/a"})
    del bad["spec"]["capacity"]
    with pytest.raises(ApiError) as error:
        client.create("persistentvolumes", bad)
    assert causes(error) == [
        ("spec.accessModes", "Required value: must specify at least 1 access mode"),
        ("spec.capacity", "Required value"),
        ("spec.nodeAffinity", "Required value: Local volume requires node affinity")]
    with pytest.raises(ApiError) as error:
        client.create("persistentvolumes", volume("pv-3", nfs={"server": "nfs", "path": "/"}))
    assert causes(error) == [("spec.nfs", "Forbidden: kubelab models hostPath, local and csi PersistentVolumes only")]
    created["spec"]["hostPath"]["path"] = "/elsewhere"
    with pytest.raises(ApiError) as error:
        client.update("persistentvolumes", created)
    assert causes(error) == [("spec.persistentvolumesource",
                              "Forbidden: spec.persistentvolumesource is immutable after creation")]


def test_a_claim_names_its_size_and_modes_and_keeps_its_spec(client):
    created = client.create("persistentvolumeclaims", claim(klass="manual"))
    assert created["status"] == {"phase": "Pending"}
    assert created["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    with pytest.raises(ApiError) as error:
        client.create("persistentvolumeclaims", claim("empty", storage="0", modes=()))
    assert causes(error) == [("spec.accessModes", "Required value: at least 1 access mode is required"),
                             ("spec.resources[storage]", 'Invalid value: "0": must be greater than zero')]
    created["spec"]["resources"]["requests"]["storage"] = "2Gi"
    with pytest.raises(ApiError) as error:
        client.update("persistentvolumeclaims", created)
    assert causes(error)[0][1].startswith("Forbidden: spec is immutable after creation except resources.requests")
    created = client.get("persistentvolumeclaims", "data")
    created["spec"]["volumeName"] = "pv-1"   # what the binder does: fill in what was empty
    assert client.update("persistentvolumeclaims", created)["spec"]["volumeName"] == "pv-1"


def test_a_claim_without_a_class_gets_the_default_class_and_an_empty_class_stays_empty(client, clock):
    assert client.create("persistentvolumeclaims", claim("before"))["spec"].get("storageClassName") is None
    client.create("storageclasses", storage_class("standard", default=True))
    clock.run(5)
    client.create("storageclasses", storage_class("newer", default=True))
    assert client.create("persistentvolumeclaims", claim("after"))["spec"]["storageClassName"] == "newer"
    assert client.create("persistentvolumeclaims", claim("none", klass=""))["spec"]["storageClassName"] == ""


def test_kubectl_columns_are_v1_32s(client):
    sc = client.create("storageclasses", storage_class("standard", default=True))
    pv = client.create("persistentvolumes", volume(modes=("ReadWriteOnce", "ReadOnlyMany"), klass="standard"))
    pvc = client.create("persistentvolumeclaims", claim(klass="standard"))
    columns = {plural: [name.upper() for name, wide in TABLES[plural][0] if not wide]
               for plural in ("storageclasses", "persistentvolumes", "persistentvolumeclaims")}
    assert columns["persistentvolumes"] == ["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM",
                                            "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"]
    assert columns["persistentvolumeclaims"] == ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES",
                                                 "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"]
    assert TABLES["storageclasses"][1](sc, 0)[:5] == ["standard (default)", "kubelab.io/hostpath", "Delete",
                                                      "Immediate", "false"]
    assert TABLES["persistentvolumes"][1](pv, 0)[:9] == ["pv-1", "5Gi", "RWO,ROX", "Retain", "Pending", "",
                                                         "standard", "<unset>", ""]
    assert TABLES["persistentvolumeclaims"][1](pvc, 0)[:7] == ["data", "Pending", "", "", "", "standard", "<unset>"]
