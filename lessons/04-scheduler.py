# %% [markdown]
# # 04 · The scheduler: filter, score, bind
#
# **What you will learn.** How kube-scheduler picks a node for each new pod: the *filters* that
# rule nodes out (resources, node selectors and affinity, taints, pod affinity and spreading),
# the *scores* that rank the rest, the one write that binds the pod — and what happens when no
# node fits (preemption by priority).
#
# **Before this.** 00 (the tour) and 02 (the API server): the scheduler is only a client of the
# API, watching pods with no node and writing Bindings.
#
# **The problem in one sentence.** A pod asks for resources and states where it may and would
# like to run; among thousands of nodes, one must be chosen quickly, fairly and explainably.

# %% [markdown]
# ## Glossary
#
# | word | meaning |
# |---|---|
# | **Filter** | a plugin's yes/no per node: "can this pod run here?" (e.g. NodeResourcesFit: enough cpu?) |
# | **Score** | a plugin's 0..100 per feasible node: "how good is this node?"; weighted and summed |
# | **feasible node** | a node every filter accepted |
# | **nodeSelector / node affinity** | the pod's rules about *node labels* (`disktype: ssd`) |
# | **taint / toleration** | a node's "keep away", and a pod's "I don't mind" |
# | **pod (anti-)affinity** | rules about *other pods*: near them, or away from them, per topology domain |
# | **topology domain** | nodes sharing a label value: each node (`kubernetes.io/hostname`), each zone |
# | **topology spread** | "no domain may have more than maxSkew matching pods above the emptiest" |
# | **PriorityClass** | a named priority; a higher-priority pod may **preempt** (evict) lower ones |
# | **Binding** | the scheduler's one write: pod X goes to node Y (`spec.nodeName`) |
# | **PersistentVolumeClaim** | a pod's request for storage; bound to a **PersistentVolume** (a disk, in one zone) |

# %% [markdown]
# ## 1. One decision, on a live cluster
#
# Three equal nodes, one pod. The scheduler keeps each decision: which filters each node passed
# and each score plugin's raw and normalized score, times its weight.

# %%
from kubelab import Cluster, viz

cluster = Cluster(nodes=3, seed=4)
cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
               "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                        "resources": {"requests": {"cpu": "500m", "memory": "256Mi"}}}]}})
cluster.settle()
print(cluster.kubectl("scheduler explain web"))

# %% [markdown]
# Every node passed every filter, and every node scored the same: TaintToleration 100 × 3,
# NodeResourcesFit (LeastAllocated: the free share of cpu and memory once the pod is placed),
# NodeResourcesBalancedAllocation (are cpu and memory used in the same proportion?) and
# ImageLocality (does the node hold the image? — 0 here, see §6). On a tie the scheduler picks at
# random (seeded here). Then it wrote one Binding; the kubelet of that node did the rest:

# %%
print(cluster.kubectl("get events --field-selector involvedObject.name=web"))

# %% [markdown]
# ## 2. Labels on nodes: nodeSelector and node affinity
#
# Give node-2 a fast disk (a label, written through the API), then ask for one. **Guess the
# node** before you run the cell.

# %%
node = cluster.get("nodes", "node-2")
node["metadata"]["labels"]["disktype"] = "ssd"
cluster.client.update("nodes", node)

cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db"},
               "spec": {"nodeSelector": {"disktype": "ssd"},
                        "containers": [{"name": "db", "image": "postgres:17",
                                        "env": [{"name": "POSTGRES_PASSWORD", "value": "example"}]}]}})
cluster.settle()
print(cluster.kubectl("scheduler explain db"))

# %% [markdown]
# The same decision drawn: green feasible, red filtered out (with the plugin and its reason).
# `viz.scheduling_widget(cluster.scheduler)` lets you pick any recent decision.

# %%
viz.scheduling(cluster.scheduler.last_decision)

# %% [markdown]
# The other nodes were filtered out by NodeAffinity, UnschedulableAndUnresolvable: no eviction
# could ever give them the label. A selector nobody matches leaves the pod Pending, with the
# scheduler's reasons counted over the nodes — upstream's exact message:

# %%
cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "gpu-job"},
               "spec": {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                   "nodeSelectorTerms": [{"matchExpressions": [
                       {"key": "accelerator", "operator": "In", "values": ["nvidia-a100"]}]}]}}},
                   "containers": [{"name": "job", "image": "busybox:1.37", "command": ["sleep", "3600"]}]}})
cluster.settle()
print(cluster.kubectl("get events --field-selector involvedObject.name=gpu-job"))

# %% [markdown]
# The pod waits in the scheduler's `unschedulablePods` until a cluster event that *could* help:
# NodeAffinity registered "a node added" and "a node's labels changed", and its *queueing
# hint* checks that the new labels really match. Label node-3, and it is placed at once:

# %%
node = cluster.get("nodes", "node-3")
node["metadata"]["labels"]["accelerator"] = "nvidia-a100"
cluster.client.update("nodes", node)
cluster.settle()
print(cluster.kubectl("get pod gpu-job -o wide"))
_, event, moved = cluster.scheduler.queue.moves[-1]
print(f"{event}: {moved} pod moved back from unschedulablePods")

# %% [markdown]
# ## 3. What if? Replaying a decision with another profile
#
# The weights are a policy. `kubectl scheduler explain POD --disable P --weight P=N` replays the
# decision on a private copy of the scheduler's view of the cluster *as it is now* (db and gpu-job
# have arrived since, each counted as 100m cpu and 200Mi by NodeResourcesFit's score) — nothing in
# the cluster changes. **Guess** which node `web` would get with resources weighing 5:

# %%
print(cluster.kubectl("scheduler explain web --disable NodeResourcesBalancedAllocation --weight NodeResourcesFit=5"))

# %% [markdown]
# The same file format configures a real kube-scheduler (`KubeSchedulerConfiguration`,
# `kubelab scheduler --config FILE`): profiles chosen by `spec.schedulerName`, plugins enabled
# or disabled per extension point, weights, plugin args (MostAllocated to pack nodes tight).

# %% [markdown]
# ## 4. Taints: the node says "keep away"
#
# A NoSchedule taint keeps every pod off a node unless it tolerates the taint. **Guess** where
# `batch` goes once node-1 and node-3 are tainted.

# %%
for name in ("node-1", "node-3"):
    node = cluster.get("nodes", name)
    node["spec"]["taints"] = [{"key": "dedicated", "value": "ml", "effect": "NoSchedule"}]
    cluster.client.update("nodes", node)
cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "batch"},
               "spec": {"containers": [{"name": "batch", "image": "busybox:1.37", "command": ["sleep", "3600"]}]}})
cluster.settle()
print(cluster.kubectl("get pod batch -o wide"))

# %% [markdown]
# ## 5. Other pods: anti-affinity and topology spread
#
# Replicas of one service should not share a failure: one per node (pod anti-affinity on
# `kubernetes.io/hostname`), or evenly over zones (a topology spread constraint). A fresh
# cluster of four nodes in two zones:

# %%
spread = Cluster(nodes=4, seed=0)
for index, node in enumerate(spread.list("nodes")):
    node["metadata"]["labels"]["topology.kubernetes.io/zone"] = "zone-" + "ab"[index // 2]
    spread.client.update("nodes", node)
spread.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
              "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "api"}}, "template": {
                  "metadata": {"labels": {"app": "api"}},
                  "spec": {"containers": [{"name": "api", "image": "nginx:1.27"}],
                           "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                               {"labelSelector": {"matchLabels": {"app": "api"}},
                                "topologyKey": "kubernetes.io/hostname"}]}}}}}})
spread.settle()
print(spread.kubectl("get pods -o wide"))

# %% [markdown]
# **Guess** what a fifth replica does, then run:

# %%
spread.kubectl("scale deployment api --replicas=5")
spread.settle()
pending = [p for p in spread.list("pods", "default") if not p["spec"].get("nodeName")][0]
print(next(c["message"] for c in pending["status"]["conditions"] if c["type"] == "PodScheduled"))

# %% [markdown]
# Anti-affinity is *symmetric*: a placed pod's rule also keeps newcomers away ("existing pods
# anti-affinity rules"). And even without any rule of yours, replicas of a Deployment spread:
# PodTopologySpread's *system default* constraints (maxSkew 3 per node, 5 per zone, soft) apply
# to every pod a Service or ReplicaSet selects.
#
# ### Data locality: a volume pins its pods' zone
#
# The study notes ask the scheduler to weigh *data locality* too. A disk lives in one zone and
# cannot leave it, so a pod that needs the disk's data must run there. A PersistentVolumeClaim
# asks for storage; the cluster's default StorageClass, `standard`, makes the volume only when
# the first pod using the claim is placed (`WaitForFirstConsumer`), in that node's zone. Three
# nodes in three zones (a fake cloud labels them), one claim:

# %%
disk = Cluster(nodes=3, seed=0, cloud=True)
disk.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
disk.settle()
print(disk.kubectl("get storageclass"))
print(disk.kubectl("get pvc"))


def with_data(name):
    """A pod that mounts the claim "data" at /data."""
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": name, "image": "nginx:1.27",
                                     "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                     "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]}}


# %% [markdown]
# The claim waits, Pending, for its first consumer. The first pod goes where the usual filters
# and scores say; VolumeBinding's PreBind then writes the chosen node on the claim
# (`volume.kubernetes.io/selected-node`), the provisioner makes a volume in that node's zone, the
# PV binder binds the two, and only then does the scheduler bind the pod:

# %%
disk.apply(with_data("writer"))
disk.settle()
print(disk.kubectl("get pods -o wide"))
print(disk.kubectl("get pv"))
volume = disk.get("persistentvolumes", disk.get("persistentvolumeclaims", "data")["spec"]["volumeName"])
print(volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"])

# %% [markdown]
# **Guess** where a second pod using the same claim goes, then run:

# %%
disk.apply(with_data("reader"))
disk.settle()
print(disk.kubectl("scheduler explain reader"))

# %% [markdown]
# The volume's node affinity now rules out every node outside its zone: "node(s) had volume
# node affinity conflict", UnschedulableAndUnresolvable — no eviction moves a disk. (VolumeZone
# would say the same from the volume's zone label: "node(s) had no available volume zone".)
#
# ## 6. Interference: balanced allocation
#
# A node full of cpu-hungry pods with spare memory is half wasted. BalancedAllocation scores how
# evenly cpu and memory are used once the pod is placed: 100 × (1 − |cpu share − memory share| / 2).

# %%
from kubelab.scheduler.plugins.node_resources_balanced_allocation import balanced_resource_score

print(balanced_resource_score([1500, 512], [2000, 4096]), "— 75 % cpu, 12 % memory")
print(balanced_resource_score([1000, 2048], [2000, 4096]), "— 50 % cpu, 50 % memory")

# %% [markdown]
# ## 7. Deadlines: priority and preemption
#
# When no node fits, a pod of *higher priority* may evict lower ones. Two PriorityClasses and a
# full cluster:

# %%
full = Cluster(nodes=2, seed=0)
full.apply([{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
             "value": value} for name, value in (("batch", 100), ("critical", 100000))])
full.apply([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"batch-{i}"},
             "spec": {"priorityClassName": "batch", "containers": [
                 {"name": "job", "image": "busybox:1.37", "command": ["sleep", "3600"],
                  "resources": {"requests": {"cpu": "1500m"}}}]}}
            for i in range(2)])
full.settle()
full.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "checkout"},
            "spec": {"priorityClassName": "critical", "containers": [
                {"name": "app", "image": "nginx:1.27", "resources": {"requests": {"cpu": "1"}}}]}})
full.run(60)
print(full.kubectl("get pods -o wide"))
print(full.kubectl("get events --field-selector reason=Preempted"))

# %% [markdown]
# The scheduler chose the victim as upstream does (lowest priority first, then the fewest and
# least important victims), marked it `DisruptionTarget`, deleted it *gracefully*, set the
# preemptor's `status.nominatedNodeName`, and bound it once the room was really free.
#
# ## 8. Why not look at every node? `percentageOfNodesToScore`
#
# Filtering and scoring cost time per node. In a big cluster the scheduler stops once it has
# found *enough* feasible nodes — and starts the next search where this one stopped, so every
# node gets its turn:

# %%
from kubelab.scheduler.schedule_one import num_feasible_nodes_to_find

for nodes in (50, 100, 500, 1000, 5000):
    print(f"{nodes:>5} nodes: look for {num_feasible_nodes_to_find(0, nodes):>4} feasible nodes")

# %% [markdown]
# 50 % minus one point per 125 nodes, never below 5 % or 100 nodes: at 5,000 nodes a pod is
# compared with 500 of them, a tenth of the work for a "good enough" node.
# benchmarks/RESULTS.md has the scheduler's speed at 5,000 nodes, measured this way.
#
# ## 9. Exercises
#
# **Exercise 4.1.** Write a Score plugin, `LeastPods`: `score` is the number of pods already on
# the node (`len(node_info.pods)`); `normalize_score` must turn that into 0..100 with the
# *emptiest* node at 100 (look at how TaintToleration turns its counts around). The check runs it
# as the only scorer of a profile.

# %%
from kubelab.scheduler.framework import MAX_NODE_SCORE, ScorePlugin, default_normalize_score  # noqa: F401


class LeastPods(ScorePlugin):
    name = "LeastPods"

    def score(self, state, pod, node_info):
        # BEGIN SOLUTION ex 4.1
        return len(node_info.pods)
        # END SOLUTION

    def normalize_score(self, state, pod, scores):
        # BEGIN SOLUTION ex 4.1
        most = max(scores.values(), default=0) or 1
        return {node: MAX_NODE_SCORE - MAX_NODE_SCORE * pods // most for node, pods in scores.items()}
        # END SOLUTION

# %% exercise-only
from kubelab.checks import check_least_pods

print(check_least_pods(LeastPods))

# %% [markdown]
# **Exercise 4.2.** Six nodes in three zones (two each). Write the placement rules for a `web`
# Deployment (pods labelled `app: web`) so that six replicas land one per node and two per zone,
# and a seventh replica stays Pending rather than sharing a node. Return the pod spec fields.

# %%
def web_placement():
    # BEGIN SOLUTION ex 4.2
    web = {"matchLabels": {"app": "web"}}
    return {
        "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": web, "topologyKey": "kubernetes.io/hostname"}]}},
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                       "whenUnsatisfiable": "DoNotSchedule", "labelSelector": web}],
    }
    # END SOLUTION

# %% exercise-only
from kubelab.checks import check_web_placement

print(check_web_placement(web_placement))

# %% [markdown]
# ## Recap
#
# - The scheduler only reads (informers) and writes one Binding per pod: it never runs anything.
# - Each pod goes through **PreFilter → Filter → PostFilter (preemption) → PreScore → Score →
#   NormalizeScore → Reserve → Permit → PreBind → Bind**; plugins hook into the points they need.
# - Filters answer *Unschedulable* (something could change) or *UnschedulableAndUnresolvable*
#   (nothing short of changing the node will): preemption only tries the first kind.
# - Scores are normalized to 0..100, weighted (TaintToleration 3, NodeAffinity 2,
#   PodTopologySpread 2, InterPodAffinity 2, the rest 1) and summed; ties are broken at random.
# - Pods that fit nowhere wait for the cluster events their rejecting plugins registered.
# - Volumes are data locality made real: a claim's volume is made in the zone of its first pod,
#   and VolumeBinding keeps every later pod using it in that zone.
#
# ## Check your understanding
#
# 1. Why is "node(s) didn't match Pod's node affinity/selector" *UnschedulableAndUnresolvable*
#    while "Insufficient cpu" is only *Unschedulable*?
# 2. Predict, then try: with `nodeSelector: {disktype: ssd}` and a `dedicated=ml:NoSchedule`
#    taint on node-2, where does `db` go? What does the event say?
# 3. A pod requests nothing. Which score plugins still tell the nodes apart?
#
# ## Going further
#
# - `kubelab/scheduler/plugins/`: one file per plugin, each opening with its rules.
# - `kubectl scheduler queue` shows activeQ, backoffQ and unschedulablePods.
# - `viz.scheduling(cluster.scheduler.last_decision)` draws the nodes coloured by verdict.
