# %% [markdown]
# # 11 · Scale: why Kubernetes is built the way it is
#
# **What you will learn.** What grows when a cluster grows, how to see it as a curve, and the
# three ideas that keep the work per event from growing with the cluster — *informer indexes*,
# the API server's *watch cache*, and the scheduler's `percentageOfNodesToScore` — each shown by
# switching it off and counting what it costs. Then Kubernetes' official limits and promises
# (SLOs), and where kubelab stands against them.
#
# **Before this.** 02 (the API server and watch), 04 (the scheduler, §8), 06 (informers, the
# work queue and the ReplicaSet controller).
#
# **The problem in one sentence.** At 5,000 nodes and 150,000 pods every component is watching
# and reacting all the time, so any work that is done *per event, for every object or every
# node* turns a linear cluster into a quadratic one — and a quadratic one never starts.

# %% [markdown]
# ## Glossary
#
# | word | meaning |
# |---|---|
# | **growth exponent** | how work grows with size: 1 linear (twice the pods, twice the work), 2 quadratic (four times) |
# | **log-log plot** | both axes logarithmic: a power law `work = c · podsᵏ` becomes a straight line of slope k |
# | **informer index** | a map kept beside an informer's cache, value → keys (client-go's Indexer): pods by namespace, by owner |
# | **watch cache** | kube-apiserver's copy of each resource in memory, fed by *one* etcd watch; lists and watches are served from it |
# | **fan-out** | how many watchers one write reaches |
# | **percentageOfNodesToScore** | how many feasible nodes the scheduler looks for before it stops filtering and scores those |
# | **SLI / SLO** | a measured indicator (p99 of pod startup latency) and the promise made about it (≤ 5 s) |
# | **p50 / p99** | the median, and the value 99 % of measurements stay under |

# %% [markdown]
# ## 1. What grows when the cluster grows?
#
# The three ideas sit in three places: indexes in every component's informers (client side),
# the watch cache in the API server, `percentageOfNodesToScore` in the scheduler.

# %%
from kubelab import viz

viz.architecture(highlight="kube-apiserver", cloud=False)

# %% [markdown]
# `scale.measure(nodes)` (kubelab/viz/scale.py) starts a cluster, creates Deployments of 10 pods until there are 5
# pods per node, waits until every pod runs, and counts — on the virtual clock, so the counts
# are the same on every run and every machine (seconds on a wall clock are not; the benchmark
# measures those, §6). The columns: store **writes**; **lists** that reached the store;
# store **watchers** open; watch events the store **delivered** (its fan-out); cached objects
# the controller manager's informers **scanned** to answer reads; ReplicaSet **syncs**; nodes
# the scheduler **filtered** and **scored**, summed over the pods; pod startup **p50 / p99**
# in virtual seconds.

# %%
from kubelab.viz import scale

on = [scale.measure(nodes) for nodes in (3, 6, 12)]
print(scale.table(on))

# %% [markdown]
# Twice the nodes, twice the pods — and about twice the writes: each pod costs the same
# number of writes whatever the size (its creation and binding, the kubelet's status reports,
# the Events that tell its story, its ReplicaSet's status). That is the part that *must* grow:
# fidelity is not for sale, every write still happens. The other columns are where the danger is.
#
# ## 2. The growth curve
#
# Now the same three clusters with two of the ideas switched off — informers that scan instead
# of looking up an index, and an API server without a watch cache — drawn on log-log axes,
# where the slope is the growth exponent:

# %%
off = [scale.measure(nodes, informer_indexes=False, watch_cache=False) for nodes in (3, 6, 12)]
print(scale.table(off))
for figure in ("writes", "delivered", "scanned"):
    print(f"growth exponent of {figure:>9}: {scale.exponent(on, figure):.2f} on, {scale.exponent(off, figure):.2f} off")
scale.growth_plot({"every idea on": on, "indexes and watch cache off": off})

# %% [markdown]
# Writes grow with slope 1 both ways. Without the watch cache the events the store delivers
# grow faster (every write goes to every node's watch), and without indexes so do the objects
# scanned: a ReplicaSet sync that scans every pod costs more as *other* Deployments grow. A slope
# of 1.5 or 2 looks harmless at 60 pods; at 150,000 pods it is the difference between seconds
# and days.
#
# ## 3. Idea one: informer indexes
#
# A ReplicaSet sync needs *its own* pods (those it controls) and the namespace's orphans it
# might adopt. The informer keeps an index from each pod's controller UID to its key
# (`add_indexers`, as client-go's Indexer), so the sync reads exactly those:

# %%
import inspect

from kubelab.client.informer import Informer

print(inspect.getsource(Informer.by_index))

# %% [markdown]
# Switch the indexes off (`Cluster(informer_indexes=False)`: every informer still answers the
# same, by looking at every cached object) and divide what the controller manager's informers
# scanned by its ReplicaSet syncs. **Predict** first: twelve nodes, 60 pods in six Deployments
# of 10 — about how many objects per sync, each way?

# %%
indexed = on[-1]   # 12 nodes, every idea on (the same counts as measuring it again)
scanning = scale.measure(12, informer_indexes=False)
for label, row in (("with indexes", indexed), ("without", scanning)):
    print(f"{label:>12}: {row.scanned:>6,} objects scanned in {row.syncs} ReplicaSet syncs = "
          f"{row.scanned / row.syncs:5.1f} per sync; {row.writes} writes")
assert indexed.writes == scanning.writes   # the same cluster, the same writes: only the reading differs

# %% [markdown]
# With the indexes a sync reads its own 10 pods and a few more objects (its Deployment's other
# ReplicaSets, the other controllers' reads); without, it looks at every pod in the cache — 60
# here, 150,000 in a big cluster, and again for every one of the thousands of syncs. Upstream's
# controllers register exactly such indexes (by namespace always; by owner, by node name where
# it pays), and the rule "never list the world in a sync" is why a controller's work stays
# proportional to the objects it owns.
#
# ## 4. Idea two: the watch cache
#
# Without a watch cache, every client watch is a watch on etcd, and every list reads etcd.
# Each kubelet watches pods (its own, by field selector — but the filter runs *after* the
# event reached the API server), each kube-proxy watches Services and EndpointSlices: the
# store's fan-out per write grows with the number of nodes. With the cache, the API server
# keeps one etcd watch per resource, decodes each event once, and serves lists from memory.

# %%
cached = on[-1]
uncached = scale.measure(12, watch_cache=False)
for label, row in (("watch cache", cached), ("no cache", uncached)):
    print(f"{label:>11}: {row.watchers:>3} store watchers, {row.delivered:>6,} events delivered "
          f"({row.delivered / row.writes:5.1f} per write), {row.lists:>3} lists read from the store")

# %% [markdown]
# With the cache the store has one watcher per resource the API server serves — 33 however
# many nodes — and each write reaches about one of them; without it, a watcher per client
# watch, and each write goes to every kubelet's pod watch. The store's work per write no
# longer depends on how many components watch: that is what lets one etcd serve 5,000
# kubelets. The lists column says it too: without the cache, each pod created costs one list
# of the store — the API server's own Priority admission plugin reading every PriorityClass to
# find the default one; with it, the plugin reads the cache (upstream's reads an informer) and
# no list reaches the store, nor does a kubectl's or an informer's first list. The switch is
# kube-apiserver's own flag, on by default: `kubelab apiserver --watch-cache=false`.
#
# ## 5. Idea three: `percentageOfNodesToScore`
#
# Lesson 04 §8 showed the rule; here is its cost. Ten pods on 200 nodes, with the default
# (adaptive) and with 100 % — every node filtered and scored for every pod:

# %%
every_node = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
              "percentageOfNodesToScore": 100}
adaptive = scale.measure(200, pods=10)
exhaustive = scale.measure(200, pods=10, scheduler_config=every_node)
for label, row in (("adaptive", adaptive), ("100 %", exhaustive)):
    print(f"{label:>8}: {row.filtered / row.pods:5.0f} nodes filtered and {row.scored / row.pods:5.0f} "
          f"scored per pod")

# %% [markdown]
# The scheduler stops filtering once it has found enough feasible nodes, scores only those, and
# starts the next pod's search where this one stopped, so every node gets its turn. Per pod the
# work stops growing with the cluster past a point: 50 % minus one point per 125 nodes, at
# least 5 %, and never fewer than 100 nodes. **Exercise 11.1** asks you to write that rule.
#
# ## 6. The official limits, the SLOs, and where kubelab stands
#
# Kubernetes v1.32 supports clusters of at most (kubernetes.io, "Considerations for large
# clusters"): **5,000 nodes**, **150,000 pods** in total, **110 pods per node**, **300,000
# containers** in total — and upstream's scale tests keep a namespace to a few thousand pods.
# Within those limits SIG Scalability promises (its SLOs, each a p99 per cluster-day):
#
# | SLI | SLO |
# |---|---|
# | latency of mutating API calls (POST, PUT, PATCH, DELETE) of one object | ≤ 1 s |
# | latency of reads: one object / one namespace / the whole cluster | ≤ 1 s / 5 s / 30 s |
# | startup latency of schedulable stateless pods, images pre-pulled: created → seen Running by a watch | ≤ 5 s |
#
# kubelab's own figures come from `benchmarks/scale_bench.py` (benchmarks/RESULTS.md, section
# "Scale", with the commands; quoted here, not measured again). In one Python process, 30 pods
# per node: **1,000 nodes and 30,000 pods settle in 178 CPU seconds** (5.9 ms and 9.7 store
# writes per pod), peak memory 877 MiB, pod startup p99 0.8 s of virtual time; 200 nodes
# take 40 CPU seconds, 500 nodes 88, 2,000 nodes 344. Per pod the cost is now flat, 6–8 ms from 10 to 2,000
# nodes (growth exponent below 1): the quadratic terms are gone — the last ones were the
# scheduler's topology spreading, which looked at every pod of the cluster for every pod it
# placed, and a sorted list of the store's keys that shifted every key after a new one. What is
# left is the constant: 150,000 pods at 6–7 ms each is a quarter of an hour of CPU, where issue
# 13's target (60 s, 4 GiB) needs 0.4 ms — so 5,000 nodes did not finish on this shared machine.
# Virtual-time latencies say that the protocol — watch, schedule, bind, start, report — fits
# inside the SLO; they do not say Python is as fast as Go.
#
# The pod startup latency in this lesson's clusters, on the virtual clock:

# %%
for row in on:
    print(f"{row.nodes:>3} nodes: p50 {row.p50:.1f} s, p99 {row.p99:.1f} s  (SLO: p99 ≤ 5 s)")

# %% [markdown]
# ## 7. Exercise
#
# **Exercise 11.1.** Write `nodes_to_find(all_nodes)`: how many feasible nodes the scheduler
# looks for before it stops filtering, with `percentageOfNodesToScore` at its default (0, adaptive).
# The rule, upstream's `numFeasibleNodesToFind`: a cluster of fewer than 100 nodes is searched
# whole; otherwise the percentage is 50 minus `all_nodes // 125` (whole numbers, as Go divides
# ints), never below 5, and the answer is `all_nodes * percentage // 100`, never fewer than
# 100. **Predict** first: how many at 5,000 nodes? At 6,000?

# %%
def nodes_to_find(all_nodes):
    # BEGIN SOLUTION ex 11.1
    if all_nodes < 100:
        return all_nodes
    percentage = max(50 - all_nodes // 125, 5)
    return max(all_nodes * percentage // 100, 100)
    # END SOLUTION

# %% exercise-only
from kubelab.checks import check_nodes_to_find

print(check_nodes_to_find(nodes_to_find))
print({nodes: nodes_to_find(nodes) for nodes in (50, 150, 1000, 5000, 6000)})

# %% [markdown]
# ## Recap
#
# - Count before you time: writes per pod, objects scanned per sync, events per write, nodes
#   scored per pod. A count that grows with the cluster *per event* is a quadratic in waiting.
# - **Indexes** keep a controller's sync proportional to its own objects.
# - **The watch cache** keeps etcd's work per write constant however many clients watch, and
#   serves lists from memory.
# - **percentageOfNodesToScore** caps the scheduler's work per pod: good, not perfect, placement.
# - Fidelity is not for sale: all three change how much is *read*, never what is *written*.
#
# ## Check your understanding
#
# 1. Why does the number of writes per pod not depend on the cluster's size, while events
#    delivered per write (without a watch cache) does?
# 2. Predict, then try: `scale.measure(12, informer_indexes=False, pods_per_deployment=60)` —
#    one Deployment of 60 pods. Do the indexes still save anything? Why?
# 3. A kubelet watches only its own pods (`spec.nodeName=node-7`). Without a watch cache, who
#    pays for the pods of the other 4,999 nodes?
#
# ## Going further
#
# - `benchmarks/scale_bench.py --nodes 100 500 1000 --progress` (a progress bar per size;
#   `--time-budget S` stops a size cleanly) and `--profile N` (where the CPU goes, by layer).
# - `kubelab/client/informer.py` (the indexes), `kubelab/apiserver/watch_cache.py`,
#   `kubelab/scheduler/schedule_one.py` (`num_feasible_nodes_to_find`).
# - Upstream: sig-scalability's SLO documents and its thresholds file.
