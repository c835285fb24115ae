"""PersistentVolumes and their claims: the words every storage component shares.

A PersistentVolumeClaim (PVC) asks for storage: "10Gi, ReadWriteOnce, of class `standard`".
A PersistentVolume (PV) is a piece of storage: "20Gi of /var/local-path/pv-1 on node-2".
Binding pairs them one to one: the PV's `spec.claimRef` names the claim, the claim's
`spec.volumeName` names the volume. The PV binder (controllers/persistentvolume_binder.py),
the scheduler's VolumeBinding plugin and the API server's printers all ask the questions
below, so they live here once (upstream: pkg/controller/volume/persistentvolume/util and
component-helpers/storage/volume).

    find_matching_volume(claim, volumes)   the smallest Available PV that fits the claim
                                           (class, access modes, size, selector, and — for the
                                           scheduler — the node), or a PV already pre-bound to it

Left out: volumeMode Block, VolumeAttributesClasses, dataSource and cross-namespace
dataSourceRef (refused by the API server), the beta `volume.beta.kubernetes.io/storage-class`
annotation.
"""
from __future__ import annotations

from typing import Callable

from . import quantity, selector

# Annotations upstream's PV controller writes, and the scheduler's handshake with provisioners.
ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_DYNAMICALLY_PROVISIONED = "pv.kubernetes.io/provisioned-by"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_DEFAULT_STORAGE_CLASS = "storageclass.kubernetes.io/is-default-class"

PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection"
PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection"

ACCESS_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}

ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"

IMMEDIATE = "Immediate"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"


def access_modes_string(modes: list[str] | None) -> str:
    """"RWO,ROX" — upstream's GetAccessModesAsString, in its fixed order."""
    modes = modes or []
    return ",".join(short for mode, short in ACCESS_MODES.items() if mode in modes)


def claim_class(claim: dict) -> str:
    """The class a claim asks for ("" for "no class": only PVs without a class match)."""
    return (claim.get("spec") or {}).get("storageClassName") or ""


def volume_class(volume: dict) -> str:
    return (volume.get("spec") or {}).get("storageClassName") or ""


def is_default_class(storage_class: dict) -> bool:
    return (storage_class.get("metadata") or {}).get("annotations", {}).get(ANN_DEFAULT_STORAGE_CLASS) == "true"


def requested_bytes(claim: dict) -> int:
    storage = (((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage", "0")
    return quantity.value(storage)


def capacity_bytes(volume: dict) -> int:
    return quantity.value(((volume.get("spec") or {}).get("capacity") or {}).get("storage", "0"))


def claim_ref_matches(volume: dict, claim: dict) -> bool:
    """Does the PV's claimRef name this claim (and, if it carries a uid, this very claim)?"""
    ref = (volume.get("spec") or {}).get("claimRef")
    if not ref:
        return False
    metadata = claim.get("metadata") or {}
    return ref.get("name") == metadata.get("name") and ref.get("namespace") == metadata.get("namespace") and \
        (not ref.get("uid") or ref.get("uid") == metadata.get("uid"))


def phase(obj: dict) -> str:
    return (obj.get("status") or {}).get("phase", "")


def volume_zone(volume: dict) -> list[str]:
    """The zones a PV's nodeAffinity allows (from `topology.kubernetes.io/zone` In terms), else []."""
    zones: list[str] = []
    terms = ((((volume.get("spec") or {}).get("nodeAffinity") or {}).get("required") or {})
             .get("nodeSelectorTerms") or [])
    for term in terms:
        for expression in term.get("matchExpressions") or []:
            if expression.get("key") == ZONE_LABEL and expression.get("operator") == "In":
                zones += [zone for zone in expression.get("values") or [] if zone not in zones]
    return zones


def volume_fits_claim(volume: dict, claim: dict) -> bool:
    """Class, access modes, size and selector: could this PV serve this claim (ignoring nodes)?"""
    if volume_class(volume) != claim_class(claim):
        return False
    wanted_modes = set((claim.get("spec") or {}).get("accessModes") or [])
    if not wanted_modes <= set((volume.get("spec") or {}).get("accessModes") or []):
        return False
    if capacity_bytes(volume) < requested_bytes(claim):
        return False
    wanted = (claim.get("spec") or {}).get("selector")
    if wanted and not selector.label_selector_matches(wanted, (volume.get("metadata") or {}).get("labels") or {}):
        return False
    return True


def find_matching_volume(claim: dict, volumes: list[dict],
                         node_fits: Callable[[dict], bool] | None = None) -> dict | None:
    """The PV to bind this claim to, as upstream's FindMatchingVolume chooses it.

    A PV already pre-bound to the claim (its claimRef names it) wins if it fits; otherwise the
    smallest unclaimed fitting PV (ties: by name). `node_fits(pv)` (the scheduler's,
    for WaitForFirstConsumer) rejects PVs whose node affinity excludes the chosen node.
    """
    best = None
    for volume in volumes:
        if (volume.get("metadata") or {}).get("deletionTimestamp"):
            continue
        if node_fits is not None and not node_fits(volume):
            continue
        if claim_ref_matches(volume, claim):
            if volume_fits_claim(volume, claim):
                return volume
            continue
        if (volume.get("spec") or {}).get("claimRef"):
            continue  # bound, released or reserved for another claim
        if not volume_fits_claim(volume, claim):
            continue
        if best is None or (capacity_bytes(volume), volume["metadata"]["name"]) < \
                (capacity_bytes(best), best["metadata"]["name"]):
            best = volume
    return best
