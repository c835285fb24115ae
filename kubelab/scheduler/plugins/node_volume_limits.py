"""NodeVolumeLimits: a node can attach only so many volumes of one driver.

Extension points: PreFilter, Filter.

A cloud machine takes a limited number of disks (an AWS instance some 25 EBS volumes). Each
CSI driver tells the scheduler its limit per node; PreFilter collects the CSI volumes of the
pod's bound claims (driver, volumeHandle) and skips pods without any; Filter counts the
distinct volumes the node's pods already use per driver, adds the pod's new ones, and rejects
the node when a driver would exceed its limit: "node(s) exceed max volume count" (Unschedulable:
evicting a pod would free an attachment).

Where the limit comes from: upstream reads the CSINode object's `spec.drivers[].allocatable.count`;
kubelab has no CSINode kind, so it reads the node's `status.allocatable` key
`attachable-volumes-csi-<driver>` (the key upstream used before CSINode). A node without one
has no limit. Left out: inline CSI and ephemeral volumes, unbound claims (counted upstream
through their class's driver), the in-tree volume types' limits.
"""
from __future__ import annotations

from ...objects import meta
from ..framework import OK, SKIPPED, ASSIGNED_POD_DELETE, CycleState, FilterPlugin, NodeInfo, PreFilterPlugin, Status
from ..framework import unschedulable
from .volume_binding import claim_names

Name = "NodeVolumeLimits"

ERR_REASON = "node(s) exceed max volume count"
LIMIT_KEY_PREFIX = "attachable-volumes-csi-"
_STATE = "PreFilter" + Name


class NodeVolumeLimits(PreFilterPlugin, FilterPlugin):
    name = Name

    def __init__(self, handle=None):
        self.handle = handle

    def events_to_register(self):
        from ..framework import NODE_EVENTS
        return [(ASSIGNED_POD_DELETE, None), *[(event, None) for event in NODE_EVENTS]]

    def csi_volumes(self, pod: dict) -> set[tuple[str, str]]:
        """(driver, volumeHandle) of the CSI PVs the pod's bound claims use."""
        claims = self.handle.lister("persistentvolumeclaims") if self.handle else None
        pvs = self.handle.lister("persistentvolumes") if self.handle else None
        found = set()
        for name in claim_names(pod):
            claim = claims.get(f"{meta.namespace(pod)}/{name}") if claims else None
            volume = pvs.get(claim["spec"].get("volumeName") or "") if claim and pvs else None
            csi = ((volume or {}).get("spec") or {}).get("csi")
            if csi:
                found.add((csi.get("driver", ""), csi.get("volumeHandle", "")))
        return found

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        wanted = self.csi_volumes(pod)
        if not wanted:
            return SKIPPED
        state[_STATE] = wanted
        return OK

    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        wanted = state.get(_STATE) or set()
        allocatable = ((node_info.node or {}).get("status") or {}).get("allocatable") or {}
        limits = {key[len(LIMIT_KEY_PREFIX):]: int(value) for key, value in allocatable.items()
                  if key.startswith(LIMIT_KEY_PREFIX) and str(value).isdigit()}
        if not limits or not any(driver in limits for driver, _ in wanted):
            return OK
        attached: set[tuple[str, str]] = set()
        for other in node_info.pods.values():
            attached |= self.csi_volumes(other)
        for driver, limit in limits.items():
            new = {handle for d, handle in wanted if d == driver} - {handle for d, handle in attached if d == driver}
            used = len({handle for d, handle in attached if d == driver})
            if new and used + len(new) > limit:
                return unschedulable(Name, ERR_REASON)
        return OK


def new(arguments: dict | None = None, handle=None) -> NodeVolumeLimits:
    return NodeVolumeLimits(handle)
