"""The Node authorizer's graph: which objects each node's pods use.

A kubelet needs a pod's Secrets, ConfigMaps, PersistentVolumeClaims (and their volumes) and
its service account's tokens to run the pod — and nothing else. Upstream keeps a graph
(plugin/pkg/auth/authorizer/node/graph.go) fed by informers:

    secret ─┐
    configmap ─┼─▶ pod ─▶ node          pv ─▶ pvc ─▶ pod
    pvc ───────┤
    serviceaccount ┘

and lets node N read an object only if a path leads from it to N. kubelab keeps the same
edges, fed by store watches on pods and claims (as PolicyCache is fed for RBAC): each pod or
claim is indexed when it changes, lazily — the raw value is kept until a node asks, so a
cluster whose kubelets never read a Secret pays only for the watch. As upstream's
graph_populator, a new version of a pod already drawn is not read again: a pod's node and the
objects it names cannot change while it is the same pod (its node is set once, by binding; its
spec's references are immutable), so the key's create revision says whether anything can have
changed; and a version without "nodeName" anywhere in it is unbound and needs no decoding.

Pods not yet bound to a node give no edges; a pod deleted, or rebound, takes its edges with
it. Simplification: upstream also draws VolumeAttachments, ResourceSlices and the secrets a
PersistentVolume's CSI driver names; kubelab serves none of those.
"""
from __future__ import annotations

import collections
import json
import threading

Ref = tuple[str, str, str]   # (kind plural, namespace, name): ("secrets", "default", "db-password")
_PREFIXES = ("/registry/pods/", "/registry/persistentvolumeclaims/")


class NodeGraph:
    """node name -> the Secrets, ConfigMaps, PVCs, PVs and ServiceAccounts its pods reach."""

    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()
        self._watchers = []
        self._list_and_watch()

    def _list_and_watch(self) -> None:
        """(Re)build from a fresh list, then watch from just after it (as an informer relists)."""
        for watcher in self._watchers:
            watcher.cancel()
        self._pending: dict[str, tuple] = {}   # key -> (raw value, its create revision); (None, 0): deleted
        self._edges: dict[str, tuple[str, frozenset, int]] = {}   # pod key -> (node, refs, create revision)
        self._nodes_by_ref: dict[Ref, collections.Counter] = collections.defaultdict(collections.Counter)
        self._volume_of_claim: dict[Ref, str] = {}             # pvc -> the PV it is bound to
        self._stale = False   # a watch ended (the store restarted, or compacted past it): list again
        self._watchers = []
        for prefix in _PREFIXES:
            listed = self.store.range(prefix, prefix=True)
            for kv in listed.kvs:
                self._pending[kv.key] = (kv.value, kv.create_revision)
            self._watchers.append(self.store.watch(prefix, self._on_change, prefix=True,
                                                   start_revision=listed.revision + 1))

    def _on_change(self, response) -> None:
        with self._lock:
            if getattr(response, "canceled", False):
                self._stale = True
                return
            for event in getattr(response, "events", response):
                self._pending[event.kv.key] = (None, 0) if event.type == "DELETE" else \
                    (event.kv.value, event.kv.create_revision)

    def reaches(self, node: str, kind: str, namespace: str, name: str) -> bool:
        """Is there a path from the object to `node`? kind: secrets, configmaps,
        persistentvolumeclaims, persistentvolumes, serviceaccounts."""
        with self._lock:
            if self._stale:
                try:
                    self._list_and_watch()
                except Exception:   # the store is still away: nothing can be shown reachable yet
                    self._stale = True
                    return False
            self._index_pending()
            if kind == "persistentvolumes":
                return any(volume == name and node in self._nodes_by_ref.get(claim, ())
                           for claim, volume in self._volume_of_claim.items())
            return self._nodes_by_ref.get((kind, namespace, name), collections.Counter())[node] > 0

    def stop(self) -> None:
        for watcher in self._watchers:
            watcher.cancel()

    # -- indexing ---------------------------------------------------------------------------
    def _index_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for key, (raw, created) in pending.items():
            if key.startswith("/registry/persistentvolumeclaims/"):
                obj = json.loads(raw) if raw is not None else None
                _, namespace, name = key.rsplit("/", 2)
                volume = ((obj or {}).get("spec") or {}).get("volumeName")
                if volume:
                    self._volume_of_claim[("persistentvolumeclaims", namespace, name)] = volume
                else:
                    self._volume_of_claim.pop(("persistentvolumeclaims", namespace, name), None)
                continue
            if raw is not None and key in self._edges and self._edges[key][2] == created:
                continue   # the same pod, drawn already: only its status can have changed
            bound = raw is not None and (b'"nodeName"' if isinstance(raw, bytes) else '"nodeName"') in raw
            obj = json.loads(raw) if bound else None   # no "nodeName" anywhere: unbound, no edges
            old = self._edges.pop(key, None)
            if old is not None:
                for ref in old[1]:
                    self._nodes_by_ref[ref][old[0]] -= 1
                    if self._nodes_by_ref[ref][old[0]] <= 0:
                        del self._nodes_by_ref[ref][old[0]]
            node = ((obj or {}).get("spec") or {}).get("nodeName")
            if obj is None or not node:
                continue
            refs = frozenset(pod_references(obj))
            self._edges[key] = (node, refs, created)
            for ref in refs:
                self._nodes_by_ref[ref][node] += 1


def pod_references(pod: dict) -> set[Ref]:
    """Every object a pod uses (upstream's graph_populator: secrets, configmaps, claims, its account)."""
    namespace = pod.get("metadata", {}).get("namespace", "")
    spec = pod.get("spec") or {}
    refs: set[Ref] = set()

    def add(kind: str, name) -> None:
        if isinstance(name, str) and name:
            refs.add((kind, namespace, name))

    add("serviceaccounts", spec.get("serviceAccountName"))
    for secret in spec.get("imagePullSecrets") or []:
        add("secrets", (secret or {}).get("name"))
    for volume in spec.get("volumes") or []:
        volume = volume or {}
        add("secrets", (volume.get("secret") or {}).get("secretName"))
        add("configmaps", (volume.get("configMap") or {}).get("name"))
        add("persistentvolumeclaims", (volume.get("persistentVolumeClaim") or {}).get("claimName"))
        if volume.get("ephemeral"):
            add("persistentvolumeclaims", f"{pod.get('metadata', {}).get('name', '')}-{volume.get('name', '')}")
        for source in (volume.get("projected") or {}).get("sources") or []:
            add("secrets", ((source or {}).get("secret") or {}).get("name"))
            add("configmaps", ((source or {}).get("configMap") or {}).get("name"))
        for driver in ("cephfs", "cinder", "flexVolume", "iscsi", "rbd", "scaleIO", "storageos", "csi"):
            reference = (volume.get(driver) or {}).get("secretRef") or \
                (volume.get(driver) or {}).get("nodePublishSecretRef") or {}
            add("secrets", reference.get("name") if isinstance(reference, dict) else None)
    containers = (spec.get("initContainers") or []) + (spec.get("containers") or []) + \
        (spec.get("ephemeralContainers") or [])
    for container in containers:
        for source in (container or {}).get("envFrom") or []:
            add("secrets", ((source or {}).get("secretRef") or {}).get("name"))
            add("configmaps", ((source or {}).get("configMapRef") or {}).get("name"))
        for variable in (container or {}).get("env") or []:
            value_from = (variable or {}).get("valueFrom") or {}
            add("secrets", (value_from.get("secretKeyRef") or {}).get("name"))
            add("configmaps", (value_from.get("configMapKeyRef") or {}).get("name"))
    return refs
