"""Plugins on their own: a cache of nodes and placed pods, a handle, and one pod run through a plugin."""
from kubelab.scheduler.cache import Cache
from kubelab.scheduler.runtime import Handle


def node(name, labels=None, taints=(), cpu="4", memory="8Gi", pods="110", images=()):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {
        "kubernetes.io/hostname": name, **(labels or {})}},
        "spec": {"taints": list(taints)},
        "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": pods},
                   "images": [{"names": [image], "sizeBytes": size} for image, size in images]}}


def pod(name, labels=None, namespace="default", node_name=None, affinity=None, spread=(), ports=(),
        cpu=None, memory=None, node_selector=None, image="nginx", containers=None, tolerations=()):
    requests = {k: v for k, v in {"cpu": cpu, "memory": memory}.items() if v}
    spec = {"containers": containers or [{"name": "c", "image": image,
                                          "resources": {"requests": requests} if requests else {},
                                          "ports": [dict(p) for p in ports]}],
            "tolerations": list(tolerations)}
    if node_name:
        spec["nodeName"] = node_name
    if affinity:
        spec["affinity"] = affinity
    if spread:
        spec["topologySpreadConstraints"] = list(spread)
    if node_selector:
        spec["nodeSelector"] = node_selector
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": labels or {}}, "spec": spec}


class FakeLister:
    def __init__(self, objects):
        self.objects = list(objects)

    def get(self, key):
        return next((o for o in self.objects if o["metadata"]["name"] == key.split("/")[-1]), None)

    def list(self, namespace=None, label_selector=None):
        return [o for o in self.objects if namespace is None or o["metadata"].get("namespace") == namespace]


def world(nodes, placed=(), namespaces=(), services=(), replicasets=()):
    """A Handle over a cache holding `nodes` and the `placed` pods (each with spec.nodeName)."""
    cache = Cache()
    for n in nodes:
        cache.add_node(n)
    for p in placed:
        cache.add_pod(p)
    listers = {"namespaces": FakeLister(namespaces), "services": FakeLister(services),
               "replicasets": FakeLister(replicasets)}
    return Handle(snapshot=cache.snapshot, listers=listers), cache


def run_filter(plugin, handle, incoming):
    """plugin's PreFilter then Filter on every node: node -> reason ("" when it passes)."""
    state = {}
    status = plugin.pre_filter(state, incoming) if hasattr(plugin, "pre_filter") else None
    if status is not None and status.is_skip():
        return {info.name: "" for info in handle.snapshot().node_info_list}
    if status is not None and not status.is_success():
        return {info.name: status.message for info in handle.snapshot().node_info_list}
    return {info.name: plugin.filter(state, incoming, info).message for info in handle.snapshot().node_info_list}


def run_score(plugin, handle, incoming, nodes=None):
    """PreScore, Score and NormalizeScore over the nodes: node -> normalized score."""
    infos = [i for i in handle.snapshot().node_info_list if nodes is None or i.name in nodes]
    state = {}
    if hasattr(plugin, "pre_filter"):
        plugin.pre_filter(state, incoming)
    if hasattr(plugin, "pre_score"):
        status = plugin.pre_score(state, incoming, infos)
        if status.is_skip():
            return {info.name: 0 for info in infos}
    raw = {info.name: plugin.score(state, incoming, info) for info in infos}
    return plugin.normalize_score(state, incoming, raw)
