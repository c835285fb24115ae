# %% [markdown]
# # 00 · Architecture tour: from `kubectl apply` to a pod answering
#
# **What you will learn.** What each part of Kubernetes is for — etcd, the API server, the
# controller manager, the scheduler, the kubelet, kube-proxy, kubectl — and how they work
# together without ever calling one another: each one only talks to the API server.
#
# **Before this.** Nothing: this is the first lesson. You need to know what a container is.
# The lessons after this one open each component in turn, in the order a request travels.
#
# **The problem in one sentence.** You say "I want three nginx pods behind one address", and
# a crowd of independent programs, each watching the cluster through one API, has to make it
# true and keep it true.

# %% [markdown]
# ## Glossary
#
# | word | meaning |
# |---|---|
# | **cluster** | a control plane plus worker nodes that run your containers |
# | **control plane** | the programs that decide: API server, etcd, scheduler, controller manager, cloud controller manager |
# | **node** (worker) | a machine that runs pods; it has a kubelet, kube-proxy and a container runtime |
# | **pod** | the smallest thing Kubernetes runs: one or more containers sharing an IP, on one node |
# | **etcd** | the key-value store that holds every object of the cluster; only the API server talks to it |
# | **API server** | the front door: every read and write, from anyone, goes through it as JSON over REST |
# | **controller** | a loop that watches objects and acts to make the actual state match the desired state |
# | **scheduler** | picks a node for each new pod that has none |
# | **kubelet** | the agent on each node: runs the pods assigned to its node and reports their status |
# | **kube-proxy** | the agent on each node that turns Services into packet-forwarding rules |
# | **Deployment / ReplicaSet** | "keep N copies of this pod running" (a Deployment manages ReplicaSets, one per version; the ReplicaSet replaced the older ReplicationController, the "replication controller" of older diagrams) |
# | **Service** | one stable virtual IP in front of a changing set of pods |
# | **watch** | a long-lived request: "tell me every change to these objects from now on" |

# %% [markdown]
# ## 1. The picture
#
# This is the classic diagram of Kubernetes' components. Read the arrows: every component
# talks to the **API server**, and only the API server talks to **etcd**. The scheduler never
# calls a kubelet; a controller never calls the scheduler. They coordinate by writing objects
# and watching objects.
#
# It draws what the cluster below runs: three nodes, and no cloud controller manager — that
# one only runs on a cloud, to ask the provider's API for machines and load balancers
# (lesson 07 gives the cluster a cloud, and `viz.architecture()` alone draws it too).

# %%
from kubelab import Cluster, viz

viz.architecture(nodes=["node-1", "node-2", "node-3"], cloud=False)

# %% [markdown]
# ## 2. A cluster in this notebook
#
# `Cluster(nodes=3, seed=0)` starts every one of those components inside this Python kernel.
# They run on a **virtual clock**: time only moves when we say so, so minutes of cluster life
# take milliseconds, and the same seed gives the same names and IPs every time.

# %%
cluster = Cluster(nodes=3, seed=0)
print(cluster.kubectl("get nodes -o wide"))

# %% [markdown]
# Nobody created those Node objects by hand: each **kubelet** registered its own node with
# the API server when it started, and keeps reporting its status every 10 seconds. The trace
# — the API server's record of every write, like its audit log — shows it. Its WHO column
# is the *authenticated* user behind each write, named by its component: every component
# proves who it is with its own token (kubelet/node-1 is the user `system:node:node-1`).

# %%
print(cluster.trace.table())

# %% [markdown]
# ## 3. Desired state: apply a Deployment and a Service
#
# This is the nginx Deployment from the Kubernetes documentation, asking for 3 replicas,
# each requesting a quarter of a CPU and 128 MiB of memory, and a Service in front of them.

# %%
from pathlib import Path
import kubelab

examples = Path(kubelab.__file__).parent / "examples"
deployment = (examples / "nginx-deployment.yaml").read_text()
print(deployment)

# %%
mark = len(cluster.trace)
print(cluster.apply(deployment))
print(cluster.apply((examples / "nginx-service.yaml").read_text()))

# %% [markdown]
# `kubectl apply` returned at once: it only **wrote two objects** through the API server, which
# stored them in etcd. Nothing runs yet. Let the clock move until no component has work left:

# %%
seconds = cluster.settle()
print(f"the cluster settled after {seconds:.1f} virtual seconds")

# %% [markdown]
# ## 4. Who did what, in order
#
# Here is every write since the apply, as the API server saw it. Follow the chain: each line
# is one component reacting to a change it *watched*, and writing a new one.

# %%
print(cluster.trace[mark:].table())

# %% [markdown]
# Read it as a story:
#
# 1. **kubectl** creates the Deployment — desired state, stored in etcd. It speaks as the
#    user in your kubeconfig, `kubernetes-admin`.
# 2. The **deployment controller** (in the controller manager) sees it and creates a ReplicaSet.
# 3. The **replicaset controller** sees the ReplicaSet and creates three Pods, with no node.
# 4. The **scheduler** sees pods without a node, picks one for each, and writes a *binding*.
# 5. Each **kubelet** sees a pod bound to its node, pulls the image, starts the container
#    (through its container runtime) and writes the pod's status: an IP, `Running`, `Ready`.
# 6. The **endpoints controller** sees ready pods matching the Service and lists their IPs.
#
# No arrow goes from one component to another. Everything went through the API server.
#
# The three controllers in that story are logically separate control loops, each its own
# little program. To keep things simple, Kubernetes compiles them into one binary and runs
# them in one process: the **kube-controller-manager**. kubelab does the same:

# %%
sorted(cluster.controller_manager.controllers)

# %%
actors = cluster.trace[mark:].actors()
assert actors.index("kubernetes-admin") < actors.index("deployment-controller") < actors.index("replicaset-controller") \
    < actors.index("kube-scheduler")
actors

# %% [markdown]
# ## 5. The result

# %%
print(cluster.kubectl("get deployments,replicasets"))
print(cluster.kubectl("get pods -o wide"))

# %% [markdown]
# The scheduler spread the three pods over the three nodes: each node had the same free
# CPU and memory, and the scheduler prefers the least allocated node. Each pod got an IP
# from its node's range (`10.244.N.0/24`). Drawn from the same live objects:

# %%
viz.draw(cluster, "state")

# %%
viz.draw(cluster, "ownership")

# %% [markdown]
# ## 6. A Service answering
#
# The Service got a virtual IP (its *ClusterIP*), and the endpoints controller keeps the list
# of ready pod IPs behind it. On every node, **kube-proxy** watches Services and Endpoints and
# writes packet-forwarding rules (iptables, in its default mode):

# %%
print(cluster.kubectl("get service nginx"))
print(cluster.kubectl("get endpoints nginx"))

# %%
print(cluster.proxies["node-1"].rules_text(service="default/nginx"))

# %% [markdown]
# A request to the ClusterIP walks those rules: `KUBE-SERVICES` matches the IP and port,
# the Service's chain `KUBE-SVC-…` picks one endpoint at random (1/3, then 1/2 of the rest,
# then the last), and that endpoint's chain `KUBE-SEP-…` rewrites the destination to the pod.
# Here is one packet's walk through node-1's tables:

# %%
cluster_ip = cluster.get("services", "nginx")["spec"]["clusterIP"]
print(cluster.proxies["node-1"].route(cluster_ip, 80))

# %% [markdown]
# Send 100 requests, each from a random node, and count which pod answered:

# %%
answered = cluster.requests("nginx", count=100)
answered

# %%
assert len(answered) == 3 and sum(answered.values()) == 100

# %%
viz.draw(cluster, "services")

# %% [markdown]
# ## 7. Keep it true: delete a pod
#
# Controllers do not run once; they keep comparing desired with actual. Delete a pod and
# predict what happens before you run the next cell.

# %%
victim = sorted(answered)[0]
mark = len(cluster.trace)
print(cluster.kubectl(f"delete pod {victim}"))
cluster.settle()
print(cluster.trace[mark:].table())

# %%
print(cluster.kubectl("get pods -o wide"))

# %% [markdown]
# The kubelet stopped the container and removed the pod; the replicaset controller saw
# only two pods where three were wanted and created a new one; the scheduler placed it; a
# kubelet started it; the endpoints controller swapped the IPs. Nobody told them to.

# %% [markdown]
# ## 8. Try it: scale with a slider
#
# Move the slider: it runs `kubectl scale`, lets the cluster settle, and redraws the nodes
# from live state. Try 10, then 1. Where do new pods go? Which pods go away first? The slider
# goes up to 30, the number the first question below asks about: past what the nodes' CPUs
# hold, some pods stay Pending.

# %%
# NBVAL_IGNORE_OUTPUT
# (a live widget: tests/viz/test_widgets.py checks it; nbval cannot replay widgets)
viz.scale_widget(cluster, "deployment/nginx-deployment", maximum=30)

# %% [markdown]
# ## 9. When nothing fits
#
# Each node has 2 CPUs. A pod asking for 8 cannot run anywhere. The scheduler says why, in
# the exact words the real one uses, as an Event on the pod:

# %%
print(cluster.apply((examples / "too-big-pod.yaml").read_text()))
cluster.settle()
print(cluster.kubectl("get pod too-big"))
print(cluster.kubectl("get events --field-selector involvedObject.name=too-big"))

# %% [markdown]
# ## Recap
#
# - **etcd** stores every object; only the **API server** reads and writes it.
# - Every other component — **controllers**, **scheduler**, **kubelet**, **kube-proxy**,
#   **kubectl** — is a client of the API server: it *watches* objects and *writes* objects.
# - The **controller manager** runs the controllers (deployment, replicaset, endpoints, …)
#   as loops in one process; each makes actual state match desired state, over and over.
# - The **scheduler** only decides *where*; the **kubelet** makes it happen on its node.
# - A **Service** is a stable virtual IP; **kube-proxy** on every node turns it into rules
#   that spread traffic over the ready pods.
#
# ## Check your understanding
#
# 1. *Predict, then run:* each node has 2 CPUs and each nginx pod requests 250m. Run
#    `cluster.kubectl("scale deployment/nginx-deployment --replicas=30")` and `cluster.settle()`.
#    How many pods run, how many stay Pending, and what does their FailedScheduling event say?
# 2. Why does `kubectl apply` return before any pod exists? What would go wrong if it waited
#    for the kubelets?
# 3. The endpoints controller and kube-proxy both react to pods becoming ready. Which one
#    writes to the API server, and which one only reads?
#
# ## Going further
#
# - The next lesson opens the store: `01-etcd-the-cluster-store`.
# - `cluster.trace.table(everything=True)` includes the Events and heartbeats left out above.
# - From a terminal, `kubelab demo` tells this same story, line by line as it happens.
