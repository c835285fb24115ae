"""The column path decides exactly as the node-by-node plugins do (schedule_columns.py).

On random clusters — labels, taints, cordoned nodes, full nodes, extended resources, images —
and random pods — requests, nodeSelector, required and preferred node affinity with every
operator, matchFields, tolerations, nodeName — the same pod is scheduled twice, node by node and
over the NodeTable, with the same seed: the chosen node, the nodes visited, every verdict and
every score must be equal.
"""
import random

from kubelab.scheduler import schedule_columns
from kubelab.scheduler.cache import Cache
from kubelab.scheduler.profile import load_profiles
from kubelab.scheduler.runtime import Handle
from kubelab.scheduler.schedule_one import schedule_pod

ZONES = ["a", "b", "c"]
TAINTS = [("dedicated", "gpu", "NoSchedule"), ("spot", "true", "PreferNoSchedule"),
          ("maintenance", "", "NoExecute"), ("slow", "yes", "PreferNoSchedule")]


def random_node(rng: random.Random, index: int) -> dict:
    labels = {"kubernetes.io/hostname": f"node-{index}"}
    if rng.random() < 0.8:
        labels["topology.kubernetes.io/zone"] = rng.choice(ZONES)
    if rng.random() < 0.5:
        labels["disktype"] = rng.choice(["ssd", "hdd"])
    if rng.random() < 0.5:
        labels["gen"] = rng.choice(["1", "2", "3", "x"])
    allocatable = {"cpu": rng.choice(["1", "2", "4", "500m", "0"]), "memory": rng.choice(["1Gi", "4Gi", "0", "512Mi"]),
                   "pods": str(rng.choice([0, 1, 3, 110]))}
    if rng.random() < 0.15:
        allocatable["example.com/dongle"] = str(rng.randint(0, 2))
    spec: dict = {}
    if rng.random() < 0.1:
        spec["unschedulable"] = True
    if rng.random() < 0.25:
        spec["taints"] = [{"key": k, "value": v, "effect": e} for k, v, e in rng.sample(TAINTS, rng.randint(1, 2))]
    status = {"allocatable": allocatable, "capacity": allocatable}
    if rng.random() < 0.2:
        status["images"] = [{"names": ["nginx:1.27"], "sizeBytes": rng.choice([50_000_000, 500_000_000])}]
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"node-{index}", "labels": labels},
            "spec": spec, "status": status}


def random_requirement(rng: random.Random) -> dict:
    key = rng.choice(["topology.kubernetes.io/zone", "disktype", "gen", "missing"])
    operator = rng.choice(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"])
    values = {"In": rng.sample(ZONES + ["ssd", "2"], 2), "NotIn": [rng.choice(ZONES + ["hdd"])],
              "Gt": [rng.choice(["1", "2", "q"])], "Lt": [rng.choice(["2", "3"])]}.get(operator)
    requirement = {"key": key, "operator": operator}
    if values is not None:
        requirement["values"] = values
    return requirement


def random_term(rng: random.Random, nodes: int) -> dict:
    term: dict = {}
    if rng.random() < 0.85:
        term["matchExpressions"] = [random_requirement(rng) for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.2:
        term["matchFields"] = [{"key": "metadata.name", "operator": rng.choice(["In", "NotIn"]),
                                "values": [f"node-{rng.randrange(nodes)}"]}]
    return term


def random_pod(rng: random.Random, name: str, nodes: int) -> dict:
    requests = {}
    if rng.random() < 0.8:
        requests["cpu"] = rng.choice(["100m", "250m", "1", "3"])
    if rng.random() < 0.7:
        requests["memory"] = rng.choice(["64Mi", "1Gi", "3Gi"])
    if rng.random() < 0.1:
        requests["example.com/dongle"] = "1"
    spec: dict = {"containers": [{"name": "c", "image": rng.choice(["nginx:1.27", "busybox"]),
                                  "resources": {"requests": requests}}]}
    if rng.random() < 0.3:
        spec["nodeSelector"] = {"topology.kubernetes.io/zone": rng.choice(ZONES)}
    affinity: dict = {}
    if rng.random() < 0.3:
        affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
            "nodeSelectorTerms": [random_term(rng, nodes) for _ in range(rng.randint(1, 2))]}
    if rng.random() < 0.4:
        affinity["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"weight": rng.choice([1, 50, 100]), "preference": random_term(rng, nodes)} for _ in range(rng.randint(1, 3))]
    spec["affinity"] = {"nodeAffinity": affinity} if affinity else {}
    for kind, chance in (("podAntiAffinity", 0.2), ("podAffinity", 0.15)):
        if rng.random() < chance:
            spec["affinity"][kind] = {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": rng.choice(["a", "b"])}},
                 "topologyKey": rng.choice(["kubernetes.io/hostname", "topology.kubernetes.io/zone"])}]}
    for kind, chance in (("podAntiAffinity", 0.15), ("podAffinity", 0.15)):
        if rng.random() < chance:
            spec["affinity"].setdefault(kind, {})["preferredDuringSchedulingIgnoredDuringExecution"] = [
                {"weight": rng.choice([1, 30]), "podAffinityTerm": {
                    "labelSelector": {"matchLabels": {"app": rng.choice(["a", "b"])}},
                    "topologyKey": rng.choice(["kubernetes.io/hostname", "topology.kubernetes.io/zone"])}}]
    if rng.random() < 0.2:
        spec["topologySpreadConstraints"] = [{
            "maxSkew": rng.choice([1, 2]), "topologyKey": rng.choice(["topology.kubernetes.io/zone", "disktype"]),
            "whenUnsatisfiable": rng.choice(["DoNotSchedule", "ScheduleAnyway"]),
            "labelSelector": {"matchLabels": {"app": rng.choice(["a", "b"])}}}]
    if not spec["affinity"]:
        del spec["affinity"]
    if rng.random() < 0.3:
        spec["tolerations"] = [{"key": k, "operator": "Exists", **({"effect": e} if rng.random() < 0.5 else {})}
                               for k, _, e in rng.sample(TAINTS, rng.randint(1, 2))]
    if rng.random() < 0.05:
        spec["nodeName"] = f"node-{rng.randrange(nodes)}"
    labels = {"app": rng.choice(["a", "b"])}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "uid": name, "labels": labels},
            "spec": spec, "status": {}}


def decide(seed: int):
    rng = random.Random(seed)
    cache = Cache()
    size = rng.choice([3, 20, 150, 400])
    for index in range(size):
        cache.add_node(random_node(rng, index))
    for index in range(rng.randint(0, size * 2)):
        placed = random_pod(rng, f"placed-{index}", size)
        placed["spec"]["nodeName"] = f"node-{rng.randrange(size)}"
        cache.add_pod(placed)
    handle = Handle(snapshot=cache.snapshot)
    config = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
              "percentageOfNodesToScore": rng.choice([0, 5, 50, 100])}
    framework = load_profiles(config, handle)["default-scheduler"]
    pod = random_pod(rng, "incoming", size)
    start = rng.randrange(size)
    snapshot = cache.snapshot()
    schedule_columns.ENABLED = False
    try:
        slow = schedule_pod(framework, pod, snapshot.node_info_list, random.Random(seed), 0.0, start)
    finally:
        schedule_columns.ENABLED = True
    fast = schedule_pod(framework, pod, snapshot.node_info_list, random.Random(seed), 0.0, start, table=snapshot.table)
    return slow, fast


def test_the_column_path_chooses_as_the_plugins_do_on_random_clusters():
    schedule_columns.DISAGREEMENTS.clear()
    used = 0
    for seed in range(400):
        slow, fast = decide(seed)
        used += fast.by_columns
        assert fast.node_name == slow.node_name, seed
        assert fast.processed == slow.processed, seed
        assert fast.message == slow.message and fast.error == slow.error, seed
        assert list(fast.filter_results) == list(slow.filter_results), seed
        assert fast.filter_results == slow.filter_results, seed
        assert fast.raw_scores == slow.raw_scores, seed
        assert fast.normalized_scores == slow.normalized_scores, seed
        assert fast.scores == slow.scores, seed
    assert schedule_columns.DISAGREEMENTS == []  # no mask rejected a node its filter accepts
    assert used > 300  # most pods went the column way (the others ask for extended resources)


def test_a_pod_coming_or_going_refreshes_its_row():
    cache = Cache()
    for index in range(3):
        cache.add_node(random_node(random.Random(index), index))
    table = cache.snapshot().table
    pod = {"metadata": {"name": "p", "namespace": "default"},
           "spec": {"nodeName": "node-1", "containers": [{"name": "c", "resources": {"requests": {"cpu": "250m"}}}]}}
    cache.add_pod(pod)
    assert table.req_cpu[1] == 250 and table.num_pods[1] == 1
    cache.remove_pod("default/p")
    assert table.req_cpu[1] == 0 and table.num_pods[1] == 0


def test_the_column_path_stays_exact_while_pods_come_and_go():
    """The table keeps some answers from one pod to the next (NodeTable.kept) and recomputes only
    the rows a placed or removed pod changed: a run of pods, each placed where it was scheduled,
    decides the same both ways at every step."""
    for seed in range(6):
        rng = random.Random(1000 + seed)
        cache = Cache()
        size = rng.choice([20, 150])
        for index in range(size):
            cache.add_node(random_node(rng, index))
        handle = Handle(snapshot=cache.snapshot)
        config = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
                  "percentageOfNodesToScore": rng.choice([0, 50])}
        framework = load_profiles(config, handle)["default-scheduler"]
        placed = []
        for index in range(60):
            pod = random_pod(rng, f"pod-{index}", size)
            pod["spec"].pop("nodeName", None)
            snapshot = cache.snapshot()
            schedule_columns.ENABLED = False
            try:
                slow = schedule_pod(framework, pod, snapshot.node_info_list, random.Random(index), 0.0, index % size)
            finally:
                schedule_columns.ENABLED = True
            fast = schedule_pod(framework, pod, snapshot.node_info_list, random.Random(index), 0.0, index % size,
                                table=snapshot.table)
            assert (fast.node_name, fast.filter_results, fast.scores) == \
                (slow.node_name, slow.filter_results, slow.scores), (seed, index)
            if fast.node_name:
                cache.assume_pod(pod, fast.node_name)
                placed.append(pod)
            if placed and rng.random() < 0.2:
                cache.remove_pod(f"default/{placed.pop(rng.randrange(len(placed)))['metadata']['name']}")
