# %% [markdown]
# # 01 · etcd, the cluster store
#
# **What you will learn.** Where every Kubernetes object lives; why a *revision* is the
# cluster's clock; how watches, compare-and-swap, compaction and leases work; and the backup
# plan every cluster needs.
#
# **Before this.** Lesson 00 (the architecture tour): you saw that only the API server talks
# to etcd. Now we open etcd.
#
# **The problem in one sentence.** All the cluster's state must be kept in one place that
# many writers can change without losing each other's work, that can tell every watcher what
# changed and in what order — and that you can rebuild when it breaks.

# %% [markdown]
# ## Glossary
#
# | word | meaning |
# |---|---|
# | **key-value store** | a map from keys (`/registry/pods/default/web`) to values (the object's JSON) |
# | **revision** | one counter for the whole store; every write moves it by one. The API server shows it as `resourceVersion` |
# | **create / mod revision, version** | per key: the revision that created it, the revision of its last write, and how many writes since creation |
# | **range** | read one key, or every key between two keys (a prefix is a range) — now or *at a past revision* |
# | **watch** | "send me every change under this prefix from revision R on" — in order, none missed, none twice |
# | **transaction (txn)** | if these compares hold, do these ops, else those — atomically, as one revision |
# | **compare-and-swap** | a txn that writes only if the key is still at the revision you read: how two writers avoid losing updates |
# | **compaction** | forgetting history older than a revision, to keep the store small |
# | **lease** | a time-to-live that keys can hang on: when it expires, they are deleted |
# | **snapshot** | the whole store in one file, with an integrity hash: the backup |
# | **MVCC** | multi-version concurrency control: writes add versions instead of overwriting, so the past stays readable |

# %% [markdown]
# ## 1. The keys the API server writes
#
# Start a cluster, deploy nginx, and look at the store the way `etcdctl get --prefix
# /registry --keys-only` would on a real control plane.

# %%
from pathlib import Path
import json
import kubelab
from kubelab import Cluster, viz
from kubelab.viz.store_browser import tree_text

examples = Path(kubelab.__file__).parent / "examples"
cluster = Cluster(nodes=2, seed=0)
cluster.apply((examples / "nginx-deployment.yaml").read_text())
cluster.settle()
store = cluster.store
print(tree_text(store))

# %% [markdown]
# Every object has one key: `/registry/<resource>/<namespace>/<name>`. Two names are
# historical: nodes live under `minions/`, and Services under `services/specs/`. The value is
# the object's JSON, exactly what `kubectl get -o json` shows — minus one field:

# %%
pod_keys = [kv.key for kv in store.range("/registry/pods/", prefix=True, keys_only=True).kvs]
kv = store.get(pod_keys[0])
stored = json.loads(kv.value)
print(kv.key)
print("resourceVersion stored?", "resourceVersion" in stored["metadata"])
print("create_revision", kv.create_revision, "mod_revision", kv.mod_revision, "version", kv.version)

# %% [markdown]
# `resourceVersion` is not stored: it *is* the key's `mod_revision`, added by the API server
# on the way out. Ask the API server for the same pod:

# %%
name = pod_keys[0].rsplit("/", 1)[-1]
pod = cluster.get("pods", name, "default")
assert pod["metadata"]["resourceVersion"] == str(kv.mod_revision)
pod["metadata"]["resourceVersion"]

# %% [markdown]
# ## 2. The revision is the cluster's clock
#
# One counter for the whole store. Every write — by anyone, to any key — moves it by one.
# That makes "newer than" meaningful across objects: a pod at revision 40 was written after
# a node at revision 39.

# %%
before = store.revision
cluster.kubectl("scale deployment/nginx-deployment --replicas=4")
cluster.settle()
print(f"revision {before} → {store.revision}: {store.revision - before} writes while scaling")

# %% [markdown]
# ## 3. Watch: every change, in order
#
# Watches are how every component learns what happened (lesson 00's informers are watches).
# A store watch on a prefix from a start revision replays what happened since, then follows
# new writes. Here we replay the scale-up we just did:

# %%
seen = []
watcher = store.watch("/registry/pods/", seen.append, prefix=True, start_revision=before + 1)
store.sync_watchers()
watcher.cancel()
for response in seen[:6]:
    for event in response.events:
        print(event.kv.mod_revision, event.type, event.kv.key)

# %% [markdown]
# Each line has a larger revision than the one before. The numbers have gaps: the revision
# counts every write in the store, and the writes in between went to other keys (the
# ReplicaSet, Events, the node Leases) that this watch on `/registry/pods/` does not ask
# about. No change *under the prefix* is missing: a watcher that remembers the last revision
# it saw can reconnect from there and miss nothing. That is why every `kubectl get -w` and
# informer carries a `resourceVersion`.

# %% [markdown]
# ## 4. Two writers racing
#
# Two writers read the same Deployment (3 replicas), each adds one, each writes back. With
# plain puts, the second write erases the first: the result is 4, not 5. This is the *lost
# update*. etcd's answer is compare-and-swap: write only if the key's `mod_revision` is still
# the one you read. The API server does exactly this on every update — that's the
# `409 Conflict: the object has been modified` you may have seen from kubectl.
#
# **Exercise 1.1.** Write `add_replicas(store, key, how_many)`: read the Deployment at `key`,
# add `how_many` to `spec.replicas`, and write it back with `store.txn`, comparing the key's
# `mod_revision`; if the transaction is refused (`succeeded` is False), read again and retry.

# %%
from kubelab.store import Compare, Op


def add_replicas(store, key, how_many=1):
    """Add `how_many` to spec.replicas of the Deployment at `key`, safely with other writers."""
    # BEGIN SOLUTION ex 1.1
    while True:
        kv = store.get(key)
        deployment = json.loads(kv.value)
        deployment["spec"]["replicas"] += how_many
        response = store.txn([Compare(key, "mod", "=", kv.mod_revision)],
                             [Op.put(key, json.dumps(deployment))])
        if response.succeeded:
            return response.revision
    # END SOLUTION

# %% [markdown] exercise-only
# The check races your function against another writer who changes the key right after
# your first read, on several Deployments (none, one and many replicas, several racing
# writers), and stops a loop that never ends:

# %% exercise-only
from kubelab.checks import check_add_replicas

print(check_add_replicas(add_replicas))

# %% [markdown]
# ## 5. Compaction: the past is not kept forever
#
# Every write keeps the old version, so the store grows. Compaction forgets every version
# older than a revision (kube-apiserver asks etcd to compact every 5 minutes). A watcher that
# fell behind and asks for forgotten history gets an error — from etcd, "required revision
# has been compacted"; through the API server, HTTP status 410 (Gone) with the reason
# `Expired`, "too old resource version" — and the informer must list again from scratch.

# %%
from kubelab.store import CompactedError

old = before
store.compact(store.revision)
try:
    store.range("/registry/pods/", prefix=True, revision=old)
except CompactedError as error:
    print(error)

# %%
from kubelab.client import ApiError

try:
    cluster.client.watch("pods", lambda *event: None, "default", resource_version=str(old))
except ApiError as error:
    print(error.code, error.reason, "—", error.message)

# %% [markdown]
# ## 6. Leases: keys that expire
#
# A lease is a time-to-live. Keys attached to a lease are deleted, all at once, when it
# expires — unless someone keeps it alive. kube-apiserver puts every Event on a lease (one
# hour, `--event-ttl`), so old events disappear by themselves. A small store on the cluster's
# virtual clock shows it:

# %%
from kubelab.store import MemoryStore

scratch = MemoryStore(cluster.clock)
lease = scratch.grant(ttl=60)
scratch.put("/registry/events/default/web.1", "{}", lease=lease.id)
cluster.run(30)
print("after 30 s:", scratch.get("/registry/events/default/web.1") is not None)
cluster.run(31)
print("after 61 s:", scratch.get("/registry/events/default/web.1") is not None)

# %% [markdown]
# ## 7. Time travel
#
# Because writes add versions, any revision since the last compaction is a complete,
# consistent picture of the cluster. Scale down, then read the pods as they were just before:

# %%
from kubelab.store.time_travel import registry_at

before_scale_down = store.revision
cluster.kubectl("scale deployment/nginx-deployment --replicas=1")
cluster.settle()
then = [key for key in registry_at(store, before_scale_down, "/registry/pods/")]
now = [kv.key for kv in store.range("/registry/pods/", prefix=True, keys_only=True).kvs]
print(f"pods at revision {before_scale_down}: {len(then)}; now (revision {store.revision}): {len(now)}")

# %% [markdown]
# Browse it yourself: pick a folder and a key, and slide the revision back.

# %%
# NBVAL_IGNORE_OUTPUT
# (a live widget: tests/viz/test_store_browser.py checks it; nbval cannot replay widgets)
viz.store_browser(store)

# %% [markdown]
# ## 8. The backup plan
#
# "When we use etcd as the backing store, we need a backup plan for that data." Here it is,
# as on a real control plane: **save** a snapshot, **check** it, and when disaster strikes,
# **restore** it into a *new* data directory and start the control plane on it.

# %%
import tempfile
from kubelab.store import snapshot

backups = Path(tempfile.mkdtemp())
saved = snapshot.save(store, backups / "cluster.snapshot")
print(f"saved: revision {saved.revision}, {saved.total_keys} keys, hash {saved.hash}")

# %% [markdown]
# Disaster: someone deletes every Deployment and ReplicaSet straight from the store (never
# do this — but a bad script or a broken disk does the same).

# %%
store.delete("/registry/deployments/", prefix=True)
store.delete("/registry/replicasets/", prefix=True)
print(cluster.kubectl("get deployments,replicasets"))

# %% [markdown]
# Restore the snapshot into a new data directory, open a store on it, and start a control
# plane on that store (`etcdutl snapshot restore` and a restart, on a real cluster):

# %%
from kubelab.store import FileStore

restored = snapshot.restore(backups / "cluster.snapshot", backups / "restored")
print(f"restored: revision {restored.revision}, {restored.total_keys} keys, hash {restored.hash}")
recovered = Cluster(nodes=2, seed=0, store=FileStore(backups / "restored"))
recovered.settle()
print(recovered.kubectl("get deployments"))

# %%
assert restored.hash == saved.hash

# %% [markdown]
# The same commands exist in a terminal, as etcdctl's: `kubelab store --data-dir DIR
# snapshot save FILE`, `kubelab store snapshot status FILE`, `kubelab store snapshot restore
# FILE --data-dir NEW`.
#
# ## Recap
#
# - etcd is a key-value store; the API server keeps each object's JSON at `/registry/…`.
# - One **revision** orders every write in the cluster; `resourceVersion` is a key's `mod_revision`.
# - A **watch** from a revision gets every later change, in order — the base of informers.
# - **Compare-and-swap** transactions keep concurrent writers from losing updates (409 Conflict).
# - **Compaction** forgets old versions; a watcher that is too far behind gets 410 Expired
#   ("too old resource version") and lists again.
# - **Leases** make keys expire (Events).
# - The **backup plan**: snapshot save, status, restore into a new data dir.
#
# ## Check your understanding
#
# 1. *Predict, then run:* after `store.compact(store.revision)`, what does
#    `cluster.client.list("pods", "default")` return — an error, or the pods? Why?
# 2. Two kubectl users run `kubectl scale --replicas` at the same moment. Which one wins, and
#    why doesn't either get a 409? (Hint: what does `scale` send?)
# 3. Why does `restore` refuse to write into a non-empty data directory?
#
# ## Going further
#
# - `kubelab store --help`: kubelab's etcdctl, for the file backend or a real etcd.
# - Real etcd replicates the store over 3 or 5 members with Raft; kubelab's store is one member.
