"""VolumeRestrictions: a ReadWriteOncePod claim serves one pod in the whole cluster.

Extension points: PreFilter, Filter.

`accessModes: [ReadWriteOncePod]` promises that a single pod writes the volume. PreFilter looks
for the pod's RWOP claims (none: Skip) and counts the placed pods that already use one of them;
Filter then rejects every node while such a pod exists: "node has pod using
PersistentVolumeClaim with the same name and ReadWriteOncePod access mode" (Unschedulable, so
preemption may evict the holder), as upstream's plugin does. The queue retries on
AssignedPodDelete.

Upstream: pkg/scheduler/framework/plugins/volumerestrictions (v1.32). Left out: the inline
disk conflicts (GCE PD, AWS EBS, RBD, iSCSI: "node(s) had no available disk"), kinds kubelab
does not model.
"""
from __future__ import annotations

from ...objects import meta
from ..framework import (ASSIGNED_POD_DELETE, OK, SKIPPED, CycleState, FilterPlugin, NodeInfo, PreFilterPlugin, Status,
                         unschedulable)
from .volume_binding import claim_names

Name = "VolumeRestrictions"

ERR_REASON_READ_WRITE_ONCE_POD_CONFLICT = "node has pod using PersistentVolumeClaim with the same name and " \
                                          "ReadWriteOncePod access mode"
_STATE = "PreFilter" + Name


class VolumeRestrictions(PreFilterPlugin, FilterPlugin):
    name = Name

    def __init__(self, handle=None):
        self.handle = handle

    def events_to_register(self):
        return [(ASSIGNED_POD_DELETE, None)]

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        claims = self.handle.lister("persistentvolumeclaims") if self.handle else None
        namespace = meta.namespace(pod)
        rwop = {name for name in claim_names(pod) if claims and "ReadWriteOncePod" in (
            (claims.get(f"{namespace}/{name}") or {}).get("spec", {}).get("accessModes") or [])}
        if not rwop:
            return SKIPPED
        snapshot = self.handle.snapshot()
        conflicts = sum(1 for node_info in (snapshot.node_info_list if snapshot else [])
                        for other in node_info.pods.values()
                        if meta.namespace(other) == namespace and meta.uid(other) != meta.uid(pod)
                        and rwop & set(claim_names(other)))
        state[_STATE] = conflicts
        return OK

    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        if state.get(_STATE):
            return unschedulable(Name, ERR_REASON_READ_WRITE_ONCE_POD_CONFLICT)
        return OK


def new(arguments: dict | None = None, handle=None) -> VolumeRestrictions:
    return VolumeRestrictions(handle)
