"""VolumeZone: a pod whose volume lives in one zone can only run in that zone.

Extension points: PreFilter, Filter.

A zonal disk (a cloud's persistent disk, or a volume kubelab's provisioner made) is labelled
with its zone and region — `topology.kubernetes.io/zone: kubelab-region-1a` — and can only be
attached to machines there. PreFilter reads those labels from the PVs of the pod's bound
claims (a label may list several zones joined by "__"); a pod without such volumes: Skip.
Filter compares them with the node's own labels: a node in another zone gets "node(s) had no
available volume zone" (unresolvable: no eviction moves a disk); a node without zone labels
passes, as upstream's does. A claim still waiting for its first consumer has no PV yet:
VolumeBinding decides its zone.

Upstream: pkg/scheduler/framework/plugins/volumezone (v1.32), with its PreFilter words for a
claim that can't be looked at ('persistentvolumeclaim "data" not found', "PersistentVolumeClaim
had no pv name and storageClass name").
"""
from __future__ import annotations

from ...objects import meta, volumes
from ..node_table import np
from ..framework import OK, SKIPPED, ClusterEvent, CycleState, FilterPlugin, NodeInfo, PreFilterPlugin, Status, unresolvable
from .volume_binding import claim_names

Name = "VolumeZone"

ERR_REASON = "node(s) had no available volume zone"
TOPOLOGY_LABELS = (volumes.ZONE_LABEL, volumes.REGION_LABEL, "failure-domain.beta.kubernetes.io/zone",
                   "failure-domain.beta.kubernetes.io/region")
_STATE = "PreFilter" + Name


class VolumeZone(PreFilterPlugin, FilterPlugin):
    name = Name

    def __init__(self, handle=None):
        self.handle = handle

    def events_to_register(self):
        return [(ClusterEvent("PersistentVolumeClaim", "Add", "PvcAdd"), None),
                (ClusterEvent("PersistentVolumeClaim", "Update", "PvcUpdate"), None),
                (ClusterEvent("PersistentVolume", "Add", "PvAdd"), None),
                (ClusterEvent("PersistentVolume", "Update", "PvUpdate"), None),
                (ClusterEvent("StorageClass", "Add", "StorageClassAdd"), None),
                (ClusterEvent("Node", "Add", "NodeAdd"), None),
                (ClusterEvent("Node", "UpdateNodeLabel", "NodeLabelChange"), None)]

    def _lister(self, resource: str):
        return self.handle.lister(resource) if self.handle else None

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        claims, pvs, classes = (self._lister(r) for r in ("persistentvolumeclaims", "persistentvolumes",
                                                          "storageclasses"))
        wanted: list[tuple[str, set[str]]] = []
        for name in claim_names(pod):
            claim = claims.get(f"{meta.namespace(pod)}/{name}") if claims else None
            if claim is None:
                return unresolvable(Name, f'persistentvolumeclaim "{name}" not found')
            volume_name = claim["spec"].get("volumeName")
            if not volume_name:
                class_name = volumes.claim_class(claim)
                if not class_name:
                    return unresolvable(Name, "PersistentVolumeClaim had no pv name and storageClass name")
                storage_class = classes.get(class_name) if classes else None
                if storage_class is not None and \
                        storage_class.get("volumeBindingMode") == volumes.WAIT_FOR_FIRST_CONSUMER:
                    continue   # VolumeBinding places it
                return unresolvable(Name, "PersistentVolume had no name")
            volume = pvs.get(volume_name) if pvs else None
            if volume is None:
                return unresolvable(Name, f'persistentvolume "{volume_name}" not found')
            for key in TOPOLOGY_LABELS:
                value = meta.labels(volume).get(key)
                if value:
                    wanted.append((key, set(value.split("__"))))
        if not wanted:
            return SKIPPED
        state[_STATE] = wanted
        return OK

    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        wanted = state.get(_STATE) or []
        if not any(key in node_info.labels for key in TOPOLOGY_LABELS):
            return OK
        for key, values in wanted:
            if node_info.labels.get(key) not in values:
                return unresolvable(Name, ERR_REASON)
        return OK

    def filter_mask(self, state: CycleState, pod: dict, table):
        """`filter` over the label columns: unlabelled nodes pass, labelled ones must be in the zones."""
        unlabelled = np.ones(len(table), bool)
        for key in TOPOLOGY_LABELS:
            unlabelled &= ~table.label_present(key)
        inside = np.ones(len(table), bool)
        for key, values in state.get(_STATE) or []:
            inside &= table.label_in(key, values)
        return unlabelled | inside


def new(arguments: dict | None = None, handle=None) -> VolumeZone:
    return VolumeZone(handle)
