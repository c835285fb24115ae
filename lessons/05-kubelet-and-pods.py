# %% [markdown]
# # 05 · The kubelet and the life of a pod
#
# **What you will learn.** What the kubelet on each node does with the pods the scheduler gives
# it: the pod *sandbox*, init containers, native sidecars and app containers, started in order
# through the container runtime; restarts and **CrashLoopBackOff**; the three **probes**
# (liveness restarts, readiness gates traffic, startup waits); an image that cannot be pulled;
# a container killed for its memory; a pod the node refuses; and how a pod is stopped gracefully.
#
# **Before this.** 00 (the tour) and 04 (the scheduler): the scheduler only writes
# `spec.nodeName`. Everything after that happens on the node.
#
# **The problem in one sentence.** A pod is a wish written in the API; someone on the node must
# turn it into running processes, keep them running as wished, check they are healthy, and
# report back — without ever being told twice.

# %% [markdown]
# ## Glossary
#
# | word | meaning |
# |---|---|
# | **kubelet** | the agent on every node: watches the pods bound to its node, runs them through the container runtime, reports their status |
# | **container runtime / CRI** | containerd or CRI-O; the kubelet talks to it through the Container Runtime Interface (RunPodSandbox, CreateContainer, StartContainer, StopContainer…) |
# | **pod sandbox** | the pod's own network namespace (its IP) and shared resources, made before any container |
# | **init container** | runs to completion, in order, before the app containers start |
# | **native sidecar** | an init container with `restartPolicy: Always`: started in order, then kept running beside the app |
# | **restartPolicy** | Always, OnFailure or Never: does the kubelet start an exited container again? |
# | **CrashLoopBackOff** | the wait before restarting a container that keeps exiting: 10 s, doubling to 300 s |
# | **probe** | a check the kubelet runs against a container: exec, httpGet, tcpSocket or grpc |
# | **liveness / readiness / startup** | fail → restart it / fail → no traffic / until it passes, the others wait |
# | **ImagePullBackOff** | the wait before pulling again an image that could not be pulled (ErrImagePull) |
# | **OOMKilled** | the kernel killed the container for passing its memory limit (exit 137) |
# | **admission** | the kubelet's own last check that a pod fits its node (OutOfcpu, OutOfmemory…) |
# | **grace period** | how long a stopping container gets between SIGTERM and SIGKILL (30 s by default) |

# %% [markdown]
# ## 1. What the kubelet does
#
# The notes say the kubelet "creates, modifies, runs and deletes containers", "makes sure every
# pod assigned to it is running in its desired state" and "tests the container's health". Its
# loop is a controller's: watch the pods whose `spec.nodeName` is its node, and for each one
# compare the pod with what the runtime has, take one step, write the status.

# %%
import inspect

from kubelab import Cluster, viz
from kubelab.kubelet import kubelet

print("\n\n".join(inspect.getdoc(kubelet).split("\n\n")[1:3]))

# %% [markdown]
# One node, one pod with two init containers — the second a *native sidecar* that keeps a
# heartbeat file in a shared `emptyDir` volume — and an nginx app that serves that folder.
# `viz.watch_pod` runs the cluster and notes each change of the pod's READY, STATUS and
# RESTARTS columns, with the time since the pod was created:

# %%
cluster = Cluster(nodes=1, seed=5)
cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": {
    "initContainers": [
        {"name": "wait-db", "image": "busybox:1.37", "command": ["sh", "-c", "echo waiting for db; sleep 3"]},
        {"name": "heartbeat", "image": "busybox:1.37", "restartPolicy": "Always",
         "command": ["sh", "-c", "while true; do date >> /shared/heartbeat; sleep 5; done"],
         "volumeMounts": [{"name": "shared", "mountPath": "/shared"}]}],
    "containers": [{"name": "web", "image": "nginx:1.27",
                    "volumeMounts": [{"name": "shared", "mountPath": "/usr/share/nginx/html"}]}],
    "volumes": [{"name": "shared", "emptyDir": {}}]}})
life = viz.watch_pod(cluster, "web", 20, every=0.5)
life

# %%
life.diagram()

# %% [markdown]
# Read it with the kubelet's events: the sandbox first (the pod has its IP before any
# container), then `wait-db` pulled, created, started and *finished*, only then the sidecar,
# and only once the sidecar has *started*, the app. Each step is one CRI call:

# %%
print(cluster.kubectl("get events --field-selector involvedObject.name=web"))

# %% [markdown]
# The runtime's own view (the CRI's ListPodSandbox): one sandbox, one IP, three containers.
# `wait-db` has exited; the other two run side by side.

# %%
runtime = cluster.kubelets["node-1"].runtime
for sandbox in runtime.list_pod_sandboxes():
    print(sandbox.name, sandbox.ip, sandbox.state)
    for container in sandbox.containers.values():
        print(f"  {container.name:<10} {container.state:<8} {container.image.tag}")

# %% [markdown]
# ### Containers of a pod share resources
#
# The notes say a pod's containers "share resources". They share the sandbox (one IP, one
# hostname) and the volumes they mount: what the sidecar writes, nginx serves.

# %%
print(cluster.exec("web", "cat /usr/share/nginx/html/heartbeat", container="web"))
print("hostname:", cluster.exec("web", "hostname", container="heartbeat").strip(), "and",
      cluster.exec("web", "hostname", container="web").strip())

# %% [markdown]
# ## 2. A container that keeps crashing: CrashLoopBackOff
#
# With `restartPolicy: Always` (a pod's default) the kubelet starts an exited container again —
# but not at once every time. It waits 10 s after the second crash, then 20, 40, 80, 160, and
# never more than 300 s; a container that ran 10 minutes without trouble starts over at 10 s.
# **Predict** when the restarts come, then watch eleven virtual minutes:

# %%
cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "crash"}, "spec": {"containers": [
    {"name": "app", "image": "busybox:1.37", "command": ["sh", "-c", "echo starting; sleep 2; exit 1"]}]}})
crash = viz.watch_pod(cluster, "crash", 700)
crash

# %% [markdown]
# The waits between a crash and the next `Running`:

# %%
crashes, starts = crash.times("CrashLoopBackOff"), crash.times("Running")
print([later - earlier for earlier, later in zip(crashes, [t for t in starts if t > crashes[0]])])

# %% [markdown]
# Each wait is a `BackOff` event; the container's last run is kept in `lastState`, with its
# exit code (`kubectl logs --previous` reads the previous run's output):

# %%
status = cluster.get("pods", "crash")["status"]["containerStatuses"][0]
print(status["state"]["waiting"]["message"].split(" pod=")[0])
print({key: status["lastState"]["terminated"][key] for key in ("exitCode", "reason")}, "restarts:", status["restartCount"])

# %% [markdown]
# ## 3. Is it healthy? Probes
#
# A process that runs is not always a process that works. The kubelet asks, every
# `periodSeconds`: an HTTP GET (any 2xx–3xx is healthy), a TCP connect, a command run inside
# the container (exit 0), or a gRPC health check. After `failureThreshold` failures in a row
# (3 by default) the result flips.
#
# **Liveness.** The Kubernetes documentation's own example: `registry.k8s.io/liveness` answers
# `/healthz` with 200 for 10 s, then 500 for ever. **Predict** when the kubelet restarts it
# (probe every 3 s after 3 s, three failures needed):

# %%
cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "liveness-http"}, "spec": {"containers": [
    {"name": "liveness", "image": "registry.k8s.io/liveness", "args": ["/server"],
     "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "initialDelaySeconds": 3, "periodSeconds": 3}}]}})
viz.watch_pod(cluster, "liveness-http", 45)

# %%
print(cluster.kubectl("get events --field-selector involvedObject.name=liveness-http,type=Warning"))

# %% [markdown]
# **Readiness.** A failing readiness probe restarts nothing: the pod stays Running, but its
# Ready condition is False, so the endpoints controller takes it out of its Services. Two nginx
# pods behind a Service; then we make one *sick* (its app answers 500 from now on):

# %%
cluster.apply([
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "shop"}, "spec": {
        "replicas": 2, "selector": {"matchLabels": {"app": "shop"}}, "template": {
            "metadata": {"labels": {"app": "shop"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}],
                                     "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5}}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "shop"},
     "spec": {"selector": {"app": "shop"}, "ports": [{"port": 80}]}}])
cluster.run(30)
print(cluster.kubectl("get endpoints shop"))

# %%
sick = sorted(pod["metadata"]["name"] for pod in cluster.list("pods", "default", "app=shop"))[0]
runtime.set_sick("default", sick)
cluster.run(20)
print(cluster.kubectl("get pods -l app=shop"))
print(cluster.kubectl("get endpoints shop"))
print(cluster.requests("shop", 10))

# %% [markdown]
# Heal it, and it comes back into the Service after one successful probe (successThreshold 1):

# %%
runtime.set_sick("default", sick, sick=False)
cluster.run(10)
print(cluster.kubectl("get endpoints shop"))

# %% [markdown]
# **Startup.** A slow starter (its port opens after 45 s) with a liveness probe of its own would
# be killed before it ever served. A startup probe holds the other probes back until it has
# passed once — here up to 6 × 10 s:

# %%
cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "slow"}, "spec": {"containers": [
    {"name": "app", "image": "python:3.12", "command": ["sh", "-c", "sleep 45; python -m http.server 8080"],
     "startupProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 10, "failureThreshold": 6},
     "livenessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 10}}]}})
viz.watch_pod(cluster, "slow", 70)

# %% [markdown]
# ## 4. When it cannot even start
#
# **An image that does not exist.** A typo (`ngnix`): the pull fails (`ErrImagePull`), and the
# kubelet waits before pulling again — `ImagePullBackOff`, 10 s doubling to 300 s like a crash:

# %%
cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "typo"},
               "spec": {"containers": [{"name": "web", "image": "ngnix:1.27"}]}})
viz.watch_pod(cluster, "typo", 40, every=0.5)

# %%
print(cluster.kubectl("get events --field-selector involvedObject.name=typo,type=Warning"))

# %% [markdown]
# **Past its memory limit.** The documentation's `memory-demo-2` asks `stress` for 250 MiB with a
# limit of 100 MiB: the kernel kills it (exit 137), the kubelet reports `OOMKilled` and
# restarts it, into a crash loop:

# %%
cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "memory-demo-2"}, "spec": {"containers": [
    {"name": "memory-demo-2-ctr", "image": "polinux/stress", "command": ["stress"],
     "args": ["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"],
     "resources": {"requests": {"memory": "50Mi"}, "limits": {"memory": "100Mi"}}}]}})
viz.watch_pod(cluster, "memory-demo-2", 20)

# %%
last = cluster.get("pods", "memory-demo-2")["status"]["containerStatuses"][0]["lastState"]["terminated"]
print(last["reason"], last["exitCode"])

# %% [markdown]
# **A node that says no.** The scheduler would never put a 5-CPU pod on a 2-CPU node, but a pod
# can name its node itself (`spec.nodeName`) and skip the scheduler. The kubelet checks again
# before it runs anything (*admission*), and fails the pod for good:

# %%
cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big"}, "spec": {
    "nodeName": "node-1", "containers": [{"name": "app", "image": "nginx:1.27", "resources": {"requests": {"cpu": "5"}}}]}})
cluster.run(5)
print(cluster.kubectl("get pod big"))
print(cluster.get("pods", "big")["status"]["message"])

# %% [markdown]
# ## 5. Stopping a pod gracefully
#
# `kubectl delete pod` only sets a `deletionTimestamp`. The kubelet then runs the `preStop` hook,
# sends SIGTERM, and SIGKILL when the grace period (30 s) is over; then it deletes the pod for
# good. nginx exits on SIGTERM; **predict** how long a `sleep 3600` takes (a shell or `sleep` as
# PID 1 ignores SIGTERM):

# %%
cluster.apply([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [container]}}
               for name, container in [
                   ("polite", {"name": "web", "image": "nginx:1.27", "lifecycle": {"preStop": {"sleep": {"seconds": 5}}}}),
                   ("sleeper", {"name": "app", "image": "busybox:1.37", "command": ["sleep", "3600"]})]])
cluster.run(10)
for name in ("polite", "sleeper"):
    cluster.kubectl(f"delete pod {name} --wait=false")
    deleted_at = cluster.clock.now()
    viz.watch_pod(cluster, name, 60, every=0.5)
    print(f"{name}: gone {cluster.clock.now() - deleted_at:.1f} s after the delete")

# %% [markdown]
# `polite` spent its 5 s preStop sleep, then nginx exited at once on SIGTERM. `sleeper` ignored
# SIGTERM and was killed at the end of its 30 s (exit 137): give such a container
# `terminationGracePeriodSeconds` of a few seconds, or a shell that traps TERM.
#
# ## 6. Exercise
#
# **Exercise 5.1.** A shop runs `python -m http.server 8080`, but its start-up script first
# spends 20 s warming a cache: the port opens 20 s after the container starts. During a rolling
# update, Kubernetes counts a new pod as ready as soon as its container runs — and the Service
# sends it requests it refuses. Return the container fields that fix the rollout (a probe), so
# that no request fails while v2 replaces v1.

# %%
def shop_probe():
    """Fields to add to the shop's container (a dict such as {"someProbe": {...}})."""
    # BEGIN SOLUTION ex 5.1
    return {"readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 2}}
    # END SOLUTION

# %% [markdown] exercise-only
# The check deploys three replicas with your fields, rolls out v2, and sends a request every
# second during the rollout:

# %% exercise-only
from kubelab.checks import check_shop_probe

print(check_shop_probe(shop_probe))

# %% [markdown]
# ## Recap
#
# - The kubelet is a controller whose "actual state" is the container runtime: for each pod it
#   compares, takes one step through the CRI, and writes the pod's status.
# - A pod starts as a sandbox (its IP), then init containers one by one, native sidecars (kept
#   running), then the app containers. Containers of a pod share its network and its volumes.
# - An exited container is restarted as `restartPolicy` says, after CrashLoopBackOff's wait
#   (10 s doubling to 300 s); its last run stays in `lastState`.
# - Liveness failures restart a container; readiness failures take it out of Services; a
#   startup probe holds both back until the app has started.
# - Image pulls fail and back off (ErrImagePull → ImagePullBackOff); a container past its
#   memory limit is OOMKilled; a pod that does not fit is rejected by the kubelet's admission.
# - Deleting a pod is preStop → SIGTERM → SIGKILL at the end of the grace period.
#
# ## Check your understanding
#
# 1. Why does the kubelet not restart a crashed container at once, every time?
# 2. A readiness probe and a liveness probe check the same `/healthz`, and the database behind
#    the app goes down. Which probe makes things worse, and why?
# 3. *Predict, then run:* give `crash` `restartPolicy: OnFailure` and `exit 0` instead of
#    `exit 1`. What does `kubectl get pod` say after a minute?
#
# ## Going further
#
# - `kubelab/kubelet/pod_sync.py` (one pod's sync), `probe_manager.py`, `lifecycle.py`
#   (termination) and `runtime.py` (the simulated containerd behind the CRI).
# - Upstream: `pkg/kubelet/kuberuntime/kuberuntime_manager.go` (computePodActions),
#   `pkg/kubelet/prober/`, and the CRI's `api.proto`.
