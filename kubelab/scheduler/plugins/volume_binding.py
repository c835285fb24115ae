"""VolumeBinding: a pod goes only where its PersistentVolumeClaims can be served, and binds them there.

Extension points: PreFilter, Filter, Reserve, PreBind.

    PreFilter  the pod's claims: missing ('persistentvolumeclaim "data" not found', unresolvable);
               bound (their PV is known); unbound with an Immediate class — the PV binder's to
               bind first: "pod has unbound immediate PersistentVolumeClaims" (unresolvable
               until the claim binds); unbound with WaitForFirstConsumer — decided here, per node.
               A pod with no claims: Skip.
    Filter     a bound claim's PV must allow the node (its nodeAffinity): else "node(s) had volume
               node affinity conflict". A delayed claim needs, on this node, either an unclaimed
               PV that fits (the smallest, as the binder chooses) or a provisioner whose class
               allows the node's topology: else "node(s) didn't find available persistent
               volumes to bind". Both unresolvable: evicting pods frees no volume.
    Reserve    the chosen node's PVs are assumed taken, so the next pod's cycle doesn't pick them.
    PreBind    the scheduler writes the decision: a static PV gets the claim in its claimRef, a
               claim to provision gets volume.kubernetes.io/selected-node; then it waits (re-run
               each second, upstream polls too) until the PV binder and the provisioner have bound
               every claim, or 600 s pass ("binding volumes: context deadline exceeded").

This is "data locality made real": a provisioned volume is pinned to the zone of the node first
chosen for it, and every later pod using it can only go to a node in that zone.

Upstream: pkg/scheduler/framework/plugins/volumebinding (v1.32). Left out: storage capacity
scoring (alpha), generic ephemeral volumes, CSIStorageCapacity ("node(s) did not have enough free
storage").
"""
from __future__ import annotations

import copy

from ...client import ApiError
from ...objects import meta, volumes
from ..framework import (OK, SKIPPED, WAIT, ClusterEvent, CycleState, FilterPlugin, NodeInfo, PreBindPlugin,
                         PreFilterPlugin, ReservePlugin, Status, unresolvable)
from ...objects.node_selector import node_selector_matches

Name = "VolumeBinding"

ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
ERR_REASON_NODE_CONFLICT = "node(s) had volume node affinity conflict"
ERR_REASON_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
BIND_TIMEOUT_SECONDS = 600
NO_PROVISIONER = "kubernetes.io/no-provisioner"

_STATE = "PreFilter" + Name

PVC_EVENTS = (ClusterEvent("PersistentVolumeClaim", "Add", "PvcAdd"),
              ClusterEvent("PersistentVolumeClaim", "Update", "PvcUpdate"),
              ClusterEvent("PersistentVolume", "Add", "PvAdd"), ClusterEvent("PersistentVolume", "Update", "PvUpdate"),
              ClusterEvent("StorageClass", "Add", "StorageClassAdd"))


def claim_names(pod: dict) -> list[str]:
    return [volume["persistentVolumeClaim"]["claimName"] for volume in pod["spec"].get("volumes") or []
            if (volume.get("persistentVolumeClaim") or {}).get("claimName")]


def volume_allows(volume: dict, node_info: NodeInfo) -> bool:
    """Does the PV's nodeAffinity admit this node? (no affinity: any node)"""
    required = ((volume.get("spec") or {}).get("nodeAffinity") or {}).get("required")
    return required is None or node_selector_matches(required, node_info.labels, node_info.name)


def topology_allows(storage_class: dict, labels: dict[str, str]) -> bool:
    """Does the class's allowedTopologies admit a node with these labels? (none: every node)"""
    terms = storage_class.get("allowedTopologies") or []
    return not terms or any(all(labels.get(e["key"]) in (e.get("values") or []) for e in term.get(
        "matchLabelExpressions") or []) for term in terms)


class VolumeBinding(PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin):
    name = Name

    def __init__(self, handle=None, bind_timeout: float = BIND_TIMEOUT_SECONDS):
        self.handle = handle
        self.bind_timeout = bind_timeout
        # PV name -> (claim key, when): taken at Reserve, given back at Unreserve or once PreBind has
        # written the claimRef; an entry older than the bind timeout is stale (its pod went away)
        self.assumed: dict[str, tuple[str, float]] = {}

    def events_to_register(self):
        return [(event, None) for event in PVC_EVENTS] + [(ClusterEvent("Node", "Add", "NodeAdd"), None),
                                                          (ClusterEvent("Node", "UpdateNodeLabel", "NodeLabelChange"),
                                                           None)]

    def _lister(self, resource: str):
        return self.handle.lister(resource) if self.handle else None

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        names = claim_names(pod)
        if not names:
            return SKIPPED
        claims, pvs, classes = (self._lister(r) for r in ("persistentvolumeclaims", "persistentvolumes",
                                                          "storageclasses"))
        bound, delayed = [], []
        for name in names:
            claim = claims.get(f"{meta.namespace(pod)}/{name}") if claims else None
            if claim is None:
                return unresolvable(Name, f'persistentvolumeclaim "{name}" not found')
            if meta.is_being_deleted(claim):
                return unresolvable(Name, f'persistentvolumeclaim "{name}" is being deleted')
            volume_name = claim["spec"].get("volumeName")
            if volume_name:
                bound.append((claim, pvs.get(volume_name) if pvs else None))
                continue
            storage_class = classes.get(volumes.claim_class(claim)) if classes and volumes.claim_class(claim) else None
            if storage_class is not None and storage_class.get("volumeBindingMode") == volumes.WAIT_FOR_FIRST_CONSUMER:
                delayed.append((claim, storage_class))
            else:
                return unresolvable(Name, ERR_UNBOUND_IMMEDIATE)
        state[_STATE] = {"bound": bound, "delayed": delayed, "by_node": {}}
        return OK

    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        claims = state.get(_STATE)
        if claims is None:
            return OK
        for _, volume in claims["bound"]:
            if volume is None:
                return unresolvable(Name, ERR_REASON_PV_NOT_EXIST)
            if not volume_allows(volume, node_info):
                return unresolvable(Name, ERR_REASON_NODE_CONFLICT)
        static: dict[str, str] = {}    # claim key -> PV name
        provision: list[str] = []      # claim keys
        pvs = self._lister("persistentvolumes")
        for claim, storage_class in claims["delayed"]:
            taken = set(static.values())
            candidates = [pv for pv in (pvs.list() if pvs else []) if meta.name(pv) not in taken and
                          not self._assumed_by_another(meta.name(pv), meta.key(claim))]
            volume = volumes.find_matching_volume(claim, candidates, lambda pv: volume_allows(pv, node_info))
            if volume is not None:
                static[meta.key(claim)] = meta.name(volume)
            elif storage_class.get("provisioner") != NO_PROVISIONER and \
                    topology_allows(storage_class, node_info.labels):
                provision.append(meta.key(claim))
            else:
                return unresolvable(Name, ERR_REASON_BIND_CONFLICT)
        claims["by_node"][node_info.name] = (static, provision)
        return OK

    def _assumed_by_another(self, volume_name: str, claim_key: str) -> bool:
        owner, since = self.assumed.get(volume_name, (claim_key, 0.0))
        now = self.handle.clock.now() if self.handle and self.handle.clock else 0.0
        return owner != claim_key and now - since < self.bind_timeout

    def reserve(self, state: CycleState, pod: dict, node_name: str) -> Status:
        claims = state.get(_STATE)
        if claims is not None:
            static, _ = claims["by_node"].get(node_name, ({}, []))
            now = self.handle.clock.now() if self.handle and self.handle.clock else 0.0
            for claim_key, volume_name in static.items():
                self.assumed[volume_name] = (claim_key, now)
        return OK

    def unreserve(self, state: CycleState, pod: dict, node_name: str) -> None:
        claims = state.get(_STATE)
        if claims is not None:
            static, _ = claims["by_node"].get(node_name, ({}, []))
            for volume_name in static.values():
                self.assumed.pop(volume_name, None)

    def pre_bind(self, state: CycleState, pod: dict, node_name: str) -> Status:
        claims = state.get(_STATE)
        if claims is None:
            return OK
        client, clock = self.handle.client, self.handle.clock
        if "started" not in claims:
            claims["started"] = clock.now()
            static, provision = claims["by_node"].get(node_name, ({}, []))
            for claim_key, volume_name in static.items():
                self._claim_volume(client, claim_key, volume_name)
            for claim_key in provision:
                namespace, name = meta.split_key(claim_key)
                client.patch("persistentvolumeclaims", name, {"metadata": {"annotations": {
                    volumes.ANN_SELECTED_NODE: node_name}}}, namespace)
        waiting = [name for name in claim_names(pod) if not self._is_bound(client, meta.namespace(pod), name)]
        if not waiting:
            self.unreserve(state, pod, node_name)   # the claimRefs are written: nothing left to assume
            return OK
        if clock.now() - claims["started"] >= self.bind_timeout:
            return Status("Error", ("binding volumes: context deadline exceeded",), Name)
        return Status(WAIT, (), Name)

    @staticmethod
    def _claim_volume(client, claim_key: str, volume_name: str) -> None:
        """What upstream's scheduler binder writes for a static binding: the PV's claimRef."""
        namespace, name = meta.split_key(claim_key)
        claim = client.get("persistentvolumeclaims", name, namespace)
        volume = copy.deepcopy(client.get("persistentvolumes", volume_name))
        volume["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": namespace, "name": name,
                                      "uid": meta.uid(claim), "apiVersion": "v1",
                                      "resourceVersion": meta.resource_version(claim)}
        volume["metadata"].setdefault("annotations", {})[volumes.ANN_BOUND_BY_CONTROLLER] = "yes"
        client.update("persistentvolumes", volume)

    @staticmethod
    def _is_bound(client, namespace: str, name: str) -> bool:
        try:
            claim = client.get("persistentvolumeclaims", name, namespace)
        except ApiError:
            return False
        return volumes.phase(claim) == "Bound" and bool(claim["spec"].get("volumeName"))


def new(arguments: dict | None = None, handle=None) -> VolumeBinding:
    """The plugin's factory; args: bindTimeoutSeconds (upstream's VolumeBindingArgs, default 600)."""
    timeout = (arguments or {}).get("bindTimeoutSeconds", BIND_TIMEOUT_SECONDS)
    return VolumeBinding(handle, timeout)
