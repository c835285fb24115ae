"""The scheduler's cache: every node, and the pods bound — or *assumed* — to be on it.

The informers tell the scheduler about nodes and pods; the cache folds them into one
`NodeInfo` per node, kept up to date as events arrive, so a scheduling cycle reads totals
instead of adding up pods.

Assume: once a cycle picks node-2 for a pod, the cache counts the pod on node-2 *at once*,
before the binding has even been written. The next pod's cycle — which may run before the
API server has answered, and certainly before the informer has heard back — then sees node-2
with that pod on it, and two pods are not squeezed into the room for one. When the informer
reports the pod with spec.nodeName set, the assumption is confirmed (when nothing the counts
read of it changed meanwhile, the counts stay and only the informer's copy replaces the assumed
one); if binding fails, the scheduler forgets it.

Invariant: a pod key is counted on at most one node, and `assumed` holds exactly the
counted pods the informer has not yet confirmed as bound.

The snapshot a cycle reads (`Snapshot`) lists the nodes in name order, the nodes holding pods
with affinity terms (InterPodAffinity visits only those), and how many nodes hold each image
(ImageLocality), and the same nodes as columns (node_table.py, for filtering and scoring all nodes
at once). It is rebuilt only when a node came, changed or went; a pod coming or going refreshes its
node's row and its place in the affinity lists.

Real Kubernetes also expires assumptions that are never confirmed (off by default since
v1.23) and copies the cache into a snapshot at the start of each cycle, because its informers
run concurrently with the cycle; kubelab runs a cycle inside one clock callback, so nothing
changes under it and the cache's NodeInfos serve as the snapshot directly.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..objects import meta
from .node_info import NodeInfo
from .node_table import NodeTable


# what NodeInfo and the node table count of a pod (requests, ports, affinity terms, its group)
_COUNTED = ("containers", "initContainers", "overhead", "affinity")
_GROUPED = ("namespace", "labels", "deletionTimestamp")


@dataclass
class Snapshot:
    """What one scheduling cycle sees: every node, and indexes over them."""
    node_info_list: list[NodeInfo] = field(default_factory=list)   # by node name
    by_name: dict[str, NodeInfo] = field(default_factory=dict)
    have_pods_with_affinity: list[NodeInfo] = field(default_factory=list)
    have_pods_with_required_anti_affinity: list[NodeInfo] = field(default_factory=list)
    image_num_nodes: dict[str, int] = field(default_factory=dict)  # image name -> nodes holding it
    _table: NodeTable | None = None

    @property
    def table(self) -> NodeTable:
        """The same nodes as columns (node_table.py), built on first use, kept current by the cache."""
        if self._table is None:
            self._table = NodeTable(self.node_info_list)
        return self._table

    def refresh(self, node_name: str, pod: dict, affinity, sign: int) -> None:
        """`pod` came to (+1) or left (-1) `node_name`: its table row, and the affinity indexes, follow."""
        info = self.by_name.get(node_name)
        if info is None:
            return
        if self._table is not None:
            self._table.refresh(node_name)
            self._table.pod_changed(node_name, pod, affinity, sign)
        if not (info.pods_with_affinity or self.have_pods_with_affinity
                or info.pods_with_required_anti_affinity or self.have_pods_with_required_anti_affinity):
            return   # (no pod with affinity terms anywhere: both lists stay empty)
        for nodes, present in ((self.have_pods_with_affinity, bool(info.pods_with_affinity)),
                               (self.have_pods_with_required_anti_affinity, bool(info.pods_with_required_anti_affinity))):
            i = bisect.bisect_left(nodes, node_name, key=lambda n: n.name)  # the lists stay in name order
            here = i < len(nodes) and nodes[i] is info
            if present and not here:
                nodes.insert(i, info)
            elif here and not present:
                del nodes[i]

    def get(self, node_name: str) -> NodeInfo | None:
        return self.by_name.get(node_name)


class Cache:
    def __init__(self):
        self.node_infos: dict[str, NodeInfo] = {}  # node name -> NodeInfo (node may be None: pods came first)
        self.pod_nodes: dict[str, str] = {}        # pod key -> node it is counted on
        self.assumed: set[str] = set()             # pod keys counted but not yet seen bound
        self._snapshot: Snapshot | None = None  # rebuilt when nodes or affinity pods come or go

    # -- nodes -------------------------------------------------------------------------------
    def add_node(self, node: dict) -> None:
        info = self.node_infos.setdefault(meta.name(node), NodeInfo())
        info.set_node(node)
        self._snapshot = None

    update_node = add_node

    def remove_node(self, node: dict) -> None:
        info = self.node_infos.get(meta.name(node))
        if info is None:
            return
        info.set_node(None)
        if not info.pods:
            del self.node_infos[meta.name(node)]
        self._snapshot = None

    # -- pods --------------------------------------------------------------------------------
    def add_pod(self, pod: dict, key: str | None = None) -> None:
        """Count a pod the informer reports bound (this confirms it if it was assumed)."""
        key = key or meta.key(pod)
        if key in self.assumed and self._confirm(key, pod):
            return
        self.remove_pod(key)
        self.assumed.discard(key)
        node_name = pod["spec"]["nodeName"]
        info = self.node_infos.get(node_name)
        if info is None:   # (not setdefault: that would build a NodeInfo for every pod)
            info = self.node_infos[node_name] = NodeInfo()
        info.add_pod(pod, key)
        self.pod_nodes[key] = node_name
        if self._snapshot is not None:
            self._snapshot.refresh(node_name, pod, info.pods_with_affinity.get(key), 1)

    update_pod = add_pod

    def _confirm(self, key: str, pod: dict) -> bool:
        """The informer reports an assumed pod bound where it was assumed, and nothing the counts
        read of it changed: keep the counts, hold the informer's copy instead of the assumed one."""
        node_name = pod["spec"].get("nodeName")
        info = self.node_infos.get(node_name)
        assumed = info.pods.get(key) if info is not None and self.pod_nodes.get(key) == node_name else None
        if assumed is None or not all(assumed["spec"].get(field) == pod["spec"].get(field) for field in _COUNTED) \
                or not all(assumed["metadata"].get(field) == pod["metadata"].get(field) for field in _GROUPED):
            return False
        info.pods[key] = pod
        if key in info.pods_with_affinity:
            info.pods_with_affinity[key].pod = pod   # (the same PodInfo serves both affinity maps)
        info.generation += 1
        self.assumed.discard(key)
        return True

    def remove_pod(self, key: str) -> None:
        """Stop counting the pod with this key, wherever it was counted."""
        node_name = self.pod_nodes.pop(key, None)
        self.assumed.discard(key)
        if node_name is None:
            return
        info = self.node_infos[node_name]
        pod, affinity = info.pods.get(key), info.pods_with_affinity.get(key)
        info.remove_pod(key)
        if self._snapshot is not None and pod is not None:
            self._snapshot.refresh(node_name, pod, affinity, -1)
        if info.node is None and not info.pods:
            del self.node_infos[node_name]

    def assume_pod(self, pod: dict, node_name: str) -> None:
        """Count `pod` on `node_name` now, ahead of the binding (on a copy: never touch the informer's)."""
        assumed = {**pod, "spec": {**pod["spec"], "nodeName": node_name}}  # the cache never changes a pod
        key = meta.key(pod)
        self.add_pod(assumed, key)
        self.assumed.add(key)

    def forget_pod(self, key: str) -> None:
        """Drop an assumption (the binding failed)."""
        if key in self.assumed:
            self.remove_pod(key)

    def is_assumed(self, key: str) -> bool:
        return key in self.assumed

    # -- reading -----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """Every known node's NodeInfo, sorted by node name (the order Filter visits them), and indexes."""
        snapshot = self._snapshot
        if snapshot is None:
            snapshot = Snapshot()
            for name in sorted(self.node_infos):
                info = self.node_infos[name]
                if info.node is None:
                    continue
                snapshot.node_info_list.append(info)
                snapshot.by_name[name] = info
                if info.pods_with_affinity:
                    snapshot.have_pods_with_affinity.append(info)
                if info.pods_with_required_anti_affinity:
                    snapshot.have_pods_with_required_anti_affinity.append(info)
                for image in (info.node.get("status") or {}).get("images") or []:
                    for image_name in image.get("names") or []:
                        snapshot.image_num_nodes[image_name] = snapshot.image_num_nodes.get(image_name, 0) + 1
            self._snapshot = snapshot
        return snapshot
