# %% [markdown]
# # 06 · Controllers: the reconcile loop
#
# **What you will learn.** What a controller is — an informer, a work queue and a `sync`
# that makes the world match the spec; how the replication controller keeps N pods without
# ever creating one twice (expectations); how the endpoints controller follows pod
# readiness; what the service account and token controllers do; and how to write and run
# a controller of your own.
#
# **Before this.** 00 (the tour), 02 (the API server). 04 (the scheduler) and 05 (the
# kubelet) are the other components a controller's work flows into.
#
# **The problem in one sentence.** Someone must keep turning *what you asked for* (a
# Deployment of 3) into *what exists* (3 running pods), forever, whatever breaks.

# %% [markdown]
# ## Glossary
#
# | word | meaning |
# |---|---|
# | **controller** | a loop that watches objects and acts through the API until actual state matches desired state |
# | **informer** | list, then watch, one resource; keeps a local cache and calls handlers on changes |
# | **work queue** | the keys ("namespace/name") still to look at; a key is never processed twice at once |
# | **sync / reconcile** | read the desired state from the cache, compare, act, write status; safe to run any number of times |
# | **expectations** | "I created 2 pods, wait until the informer has seen them" — no double creation |
# | **controller manager** | one process running dozens of controllers on shared informers |
# | **owner reference** | a pod's pointer to the ReplicaSet that owns it |

# %% [markdown]
# ## 1. The shape of every controller
#
# Event handlers never do work: they only put a key on the queue. A worker takes one key at
# a time and calls `sync(key)`. Here is the worker, from kubelab's client library:

# %%
import inspect
from pathlib import Path
import kubelab
from kubelab import Cluster, viz
from kubelab.client import Controller

print(inspect.getsource(Controller._work))

# %% [markdown]
# A failed sync (a 409, a refused create) is not an error to show anyone: the key comes back
# later with backoff, and the next sync reads the world afresh. The controller manager runs
# all the controllers in one process, sharing one informer per resource:

# %%
examples = Path(kubelab.__file__).parent / "examples"
cluster = Cluster(nodes=2, seed=0)
print(sorted(cluster.controller_manager.controllers))

# %% [markdown]
# ## 2. Replication, and why nothing is created twice
#
# Scale a Deployment and watch the chain: the deployment controller changes its ReplicaSet's
# replicas, the replicaset controller creates the missing pods.

# %%
cluster.apply((examples / "nginx-deployment.yaml").read_text())
cluster.settle()
mark = len(cluster.trace)
print(cluster.kubectl("scale deployment nginx-deployment --replicas=5"))
cluster.settle()
print(cluster.trace[mark:].table())

# %% [markdown]
# The replicaset controller's `sync`, read top to bottom: get the ReplicaSet from the cache,
# claim the pods its selector matches, and only *if its expectations are satisfied* create
# or delete the difference.

# %%
from kubelab.controllers.replicaset import ReplicaSetController
print(inspect.getsource(ReplicaSetController.sync))

# %% [markdown]
# **Why expectations?** The controller's cache lags behind its own writes. Right after
# creating 2 pods the cache still shows 3; a second sync at that moment would create 2 more.
# So the controller notes "I expect 2 creations" and skips acting until its informer has
# seen them; once it has, they are satisfied again (and a restarted controller starts with
# none at all: it reads what exists from a fresh list).

# %%
rs_controller = cluster.controller_manager.controllers["replicaset"]
rs_key = "default/" + cluster.list("replicasets")[0]["metadata"]["name"]
cluster.kubectl("scale deployment nginx-deployment --replicas=3")
cluster.settle()
print("satisfied after settling:", rs_controller.expectations.satisfied(rs_key))
print(cluster.kubectl("get pods"))

# %%
viz.ownership(cluster.list("deployments"), cluster.list("replicasets"), cluster.list("pods"))

# %% [markdown]
# ## 3. Endpoints follow readiness
#
# The endpoints controller lists, for each Service, the IPs of the *ready* pods its selector
# matches. A pod that stops being Ready moves to `notReadyAddresses` and gets no traffic.
# Mark one pod not ready by hand (as a failing readiness probe would). The kubelet owns pod
# status and would say Ready again at once, so we stop node-1's kubelet first (its
# containers keep running):

# %%
cluster.apply((examples / "nginx-service.yaml").read_text())
cluster.settle()
print(cluster.kubectl("get endpoints nginx"))
cluster.fault.stop("kubelet/node-1")
pod = next(p for p in cluster.list("pods") if p["spec"]["nodeName"] == "node-1")
for condition in pod["status"]["conditions"]:
    if condition["type"] in ("Ready", "ContainersReady"):
        condition["status"] = "False"
cluster.client.update_status("pods", pod)
cluster.run(1)
print(cluster.kubectl("get endpoints nginx"))
print(len(cluster.get("endpoints", "nginx")["subsets"][0].get("notReadyAddresses", [])), "not-ready address")

# %% [markdown]
# Start the kubelet again: it looks at its pods afresh, finds the container running, and
# says Ready — the pod is back in the endpoints. (Lesson 07 shows who else marks pods not
# ready: the node lifecycle controller, when a node goes silent.)

# %%
cluster.fault.start("kubelet/node-1")
cluster.settle()
print(cluster.kubectl("get endpoints nginx"))

# %% [markdown]
# ## 4. Service accounts and tokens
#
# The **service account controller** makes a `default` ServiceAccount in every namespace, so
# every pod has an identity. The **token controller** fills in Secrets that ask for a
# long-lived token of an account:

# %%
cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
cluster.settle()
print(cluster.kubectl("get serviceaccounts -n shop"))
cluster.apply({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
               "metadata": {"name": "robot-token", "namespace": "shop",
                            "annotations": {"kubernetes.io/service-account.name": "default"}}})
cluster.settle()
secret = cluster.get("secrets", "robot-token", "shop")
print(sorted(secret["data"]), "token of", len(secret["data"]["token"]), "base64 characters")

# %% [markdown]
# ## 5. Write your own controller
#
# A controller is a class with a `name`, handlers registered in `__init__` that enqueue keys,
# and a `sync(key)`. This one keeps, in every namespace, a ConfigMap `pod-count` whose
# `data.pods` says how many pods the namespace has. Its handlers enqueue the *namespace*
# of any pod that changes; `sync` gets a namespace.
#
# One rule first. An informer's objects are not copies: every controller of the process reads
# the very same object (in kubelab the API server's watch cache holds it too). client-go's
# cache says "NEVER modify objects from the store"; kubelab enforces it — change one and you
# are told to copy it first:

# %%
import copy

from kubelab.objects.frozen import SharedObjectError

shared = cluster.controller_manager.factory.informer("pods").list("default")[0]
try:
    shared["metadata"]["labels"]["touched"] = "yes"
except SharedObjectError as refusal:
    print(refusal)
mine = copy.deepcopy(shared)   # a plain copy, yours to change (and then to write with update)
mine["metadata"]["labels"]["touched"] = "yes"
print(sorted(mine["metadata"]["labels"]), "| the shared one:", sorted(shared["metadata"]["labels"]))

# %% [markdown]
# **Exercise 6.1.** Write `sync(namespace)`: count the namespace's pods in `self.pods` (the
# informer's cache), then create the ConfigMap if it does not exist, or update it if its
# count is different. Use `self.client.get/create/update("configmaps", ...)` and catch
# `ApiError` with `.code == 404` for "does not exist".

# %%
from kubelab.client import ApiError


class PodCountController(Controller):
    """Keeps ConfigMap <namespace>/pod-count: data.pods = the number of pods in the namespace."""
    name = "pod-count-controller"

    def __init__(self, client, clock, factory):
        super().__init__(client, clock, factory)
        self.pods = factory.informer("pods")
        enqueue_namespace = lambda pod: self.enqueue(pod["metadata"]["namespace"])
        self.pods.add_handlers(on_add=enqueue_namespace, on_update=lambda old, new: enqueue_namespace(new),
                               on_delete=enqueue_namespace)

    def sync(self, namespace):
        # BEGIN SOLUTION ex 6.1
        pods_here = str(len(self.pods.list(namespace)))
        try:
            counted = self.client.get("configmaps", "pod-count", namespace)
        except ApiError as missing:
            if missing.code != 404:
                raise
            self.client.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                              "metadata": {"name": "pod-count", "namespace": namespace},
                                              "data": {"pods": pods_here}}, namespace)
            return
        if (counted.get("data") or {}).get("pods") != pods_here:
            counted["data"] = {"pods": pods_here}
            self.client.update("configmaps", counted, namespace)
        # END SOLUTION

# %% [markdown] exercise-only
# The check runs your controller in a fresh cluster — registered with
# `cluster.controller_manager.add(PodCountController)`, with a ClusterRole that lets its
# service account write ConfigMaps — through pods created and deleted in two namespaces:

# %% exercise-only
from kubelab.checks import check_pod_count_controller

print(check_pod_count_controller(PodCountController))

# %% [markdown]
# Out of the notebook, the same class runs in a real controller manager process:
# `kubelab controller-manager --kubeconfig F --controller mypackage.module.PodCountController`.

# %% [markdown]
# ## 6. Controllers that own pods their own way
#
# The replicaset controller's code also runs the notes' **replication controller** — the
# older ReplicationController kind (`kubectl get rc`), whose selector is a plain map. Two
# more controllers own pods directly, each answering a different question. A **DaemonSet**
# wants one pod *per node*: its controller checks each node (node selector, affinity,
# taints) and pins a pod to it, and a node that joins later gets one too.

# %%
workloads = Cluster(nodes=3, seed=0)
workloads.apply((examples / "fluentd-daemonset.yaml").read_text())
workloads.settle()
print(workloads.kubectl("get daemonset -n kube-system"))
print(workloads.kubectl("get pods -n kube-system -l name=fluentd-elasticsearch -o wide"))

# %% [markdown]
# A **StatefulSet** wants pods with an *identity*: `web-0`, `web-1`, `web-2`, started one at
# a time (each Running and Ready before the next), each with a DNS name through the headless
# Service `nginx` and a claim of its own (`www-web-0`, ...) that follows it if it is replaced.

# %%
workloads.apply((examples / "web-statefulset.yaml").read_text())
workloads.settle()
print(workloads.kubectl("get statefulset web"))
print(workloads.kubectl("get pods,pvc -l app=nginx"))
print(workloads.kubectl("describe statefulset web").split("Events:")[1])

# %% [markdown]
# Last, pods that are meant to *finish*. A **Job** wants `completions` pods to succeed, and
# then none running: its controller creates them (`parallelism` at a time), counts each
# success exactly once — every pod carries the `batch.kubernetes.io/job-tracking` finalizer
# until the count is written — and replaces failures after a 10 s, 20 s, 40 s... backoff,
# until `backoffLimit`. Here is the documentation's Job that computes pi:

# %%
workloads.apply((examples / "pi-job.yaml").read_text())
workloads.run(30)
print(workloads.kubectl("get jobs"))
print(workloads.kubectl("get pods -l job-name=pi"))
print(workloads.kubectl("describe job pi").split("Events:")[1])

# %% [markdown]
# A **CronJob** makes such a Job at each time of its schedule (`"*/5 * * * *"`, `@hourly`,
# on the cluster's clock), named after that time, keeping the last three that succeeded.

# %% [markdown]
# ## Recap
#
# - Every controller: informers (list + watch, a cache) → handlers enqueue keys → a worker
#   runs `sync(key)`: get → compare → act → write status, safe to repeat.
# - The replicaset controller counts, claims and creates/deletes the difference — but only
#   when its expectations say its cache has caught up with its own writes.
# - The endpoints controller follows pod readiness; the service account and token
#   controllers give every namespace an identity and fill token Secrets.
# - A controller of your own is one class, added to the manager like the built-in ones.
# - A DaemonSet runs a pod on every eligible node; a StatefulSet gives its pods fixed names,
#   an order, and a claim each. Both keep their template's history in ControllerRevisions.
# - A Job runs pods to completion and counts each success once; a CronJob makes Jobs on a schedule.
#
# ## Check your understanding
#
# 1. Why do event handlers only enqueue keys instead of doing the work themselves?
# 2. A controller crashes in the middle of creating 5 pods and restarts. Why does it not
#    create 5 more? (Hint: where does it read what exists from?)
# 3. *Predict, then run:* scale to 10 and immediately to 2, then settle. How many pods does
#    the replicaset controller create in total?
#
# ## Going further
#
# - Upstream: `pkg/controller/replicaset`, `pkg/controller/endpoint`,
#   `pkg/controller/serviceaccount`, `pkg/controller/daemon`, `pkg/controller/statefulset`,
#   and the sample-controller repository.
# - Lesson 07: what the node lifecycle controller does when a node goes silent.
