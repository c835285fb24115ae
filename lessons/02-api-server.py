# %% [markdown]
# # 02 · The API server
#
# **What you will learn.** The path every request takes through kube-apiserver —
# authentication, authorization, admission, validation, the store — and what refuses it at
# each step; how `resourceVersion` stops two writers from overwriting each other; how watches
# stream changes; how RBAC decides who may do what, and how to ask it (`kubectl auth can-i`);
# and why you can run several API servers side by side.
#
# **Before this.** 00 (the architecture tour) and 01 (etcd): the API server is the only
# component that talks to the store.
#
# **The problem in one sentence.** One front door must serve everyone — people, controllers,
# kubelets — checking who they are, what they may do and whether what they send makes sense,
# before anything reaches the store.

# %% [markdown]
# ## Glossary
#
# | word | meaning |
# |---|---|
# | **REST resource** | a collection of objects with a URL: `/api/v1/namespaces/default/pods`, `/apis/apps/v1/.../deployments` |
# | **verb** | what a request does: get, list, watch, create, update, patch, delete |
# | **authentication** | *who are you?* — a bearer token becomes a user name and groups; failure is `401 Unauthorized` |
# | **authorization** | *may you do this?* — RBAC rules; failure is `403 Forbidden` |
# | **admission** | plugins that may change (mutating) or refuse (validating) a write before it is stored |
# | **validation** | the kind's own rules (names, required fields, ports); failure is `422 Invalid`, naming the field |
# | **resourceVersion** | the store revision of an object's last write; a stale one on update is `409 Conflict` |
# | **Status** | the JSON object every error comes back as: code, reason, message, details |
# | **RBAC** | Role-Based Access Control: Roles list allowed verbs on resources; RoleBindings give a Role to users, groups or service accounts |
# | **ServiceAccount** | an identity for programs running in pods; it gets signed tokens from the API server |

# %% [markdown]
# ## 1. One request, step by step
#
# Every client talks JSON over REST to the API server — kubectl, controllers, kubelets. In
# this notebook the transport is a function call instead of HTTP, but the request goes through
# the same steps. The API server keeps a record of each request; here is the one `kubectl
# apply` made to create the Deployment:

# %%
from pathlib import Path
import kubelab
from kubelab import Cluster, viz
from kubelab.client import ApiError

examples = Path(kubelab.__file__).parent / "examples"
cluster = Cluster(nodes=2, seed=0)
print(cluster.apply((examples / "nginx-deployment.yaml").read_text()))
record = cluster.apiserver.chain.records[-1]
print(record.table())

# %%
viz.request_path(record)

# %% [markdown]
# **Authentication** turned kubectl's token into the user `kubernetes-admin` in the group
# `system:masters`. **Authorization** found the RBAC binding that allows it. **Admission**
# ran each plugin that looks at Deployments (each one writes its own line, by name),
# **validation** checked the Deployment's rules, and the **store** wrote it at a new
# revision. Every step records itself as it runs, so when one says no, the record names it.

# %% [markdown]
# ## 2. Refused: what each step says no to
#
# A pod with a bad name and no image gets past authentication and authorization, and stops
# at validation with `422 Invalid` — the message names every field that is wrong:

# %%
bad_pod = """
apiVersion: v1
kind: Pod
metadata:
  name: Bad_Name
spec:
  containers:
  - name: app
"""
print(cluster.apply(bad_pod))
print(cluster.apiserver.chain.records[-1].table())

# %%
viz.request_path(cluster.apiserver.chain.records[-1])

# %% [markdown]
# A client with a token the API server did not sign stops at the first step, `401`:

# %%
stranger = cluster.client.for_component("stranger", "not-a-real-token")
try:
    stranger.list("pods", "default")
except ApiError as error:
    print(error.code, error.reason)
print(cluster.apiserver.chain.records[-1].table())

# %% [markdown]
# ## 3. resourceVersion: two writers, one wins
#
# Two people read the same Deployment, each changes it, each writes it back. The API server
# writes with compare-and-swap on the object's `resourceVersion` (lesson 01): the second
# writer's copy is stale, and it gets `409 Conflict` instead of silently erasing the first
# change.

# %%
alice = cluster.get("deployments", "nginx-deployment", "default")
bob = cluster.get("deployments", "nginx-deployment", "default")
alice["metadata"].setdefault("labels", {})["owner"] = "alice"
cluster.client.update("deployments", alice)
bob["metadata"].setdefault("labels", {})["owner"] = "bob"
try:
    cluster.client.update("deployments", bob)
except ApiError as error:
    print(error.code, error.reason, "—", error.message)

# %% [markdown]
# Bob must read again and retry. (`kubectl apply` and `kubectl scale` send *patches*, which
# the API server applies to the current object, so they rarely see this.)

# %% [markdown]
# ## 4. Watch: a stream of changes
#
# A watch is a long request: "send me every change from this resourceVersion on". Every
# controller's informer holds one open (lesson 00). Watch the Deployment's pods while it scales:

# %%
seen = []
start = cluster.client.list("pods", "default")["metadata"]["resourceVersion"]
watch = cluster.client.watch("pods", lambda kind, pod: seen.append((kind, pod["metadata"]["name"],
                                                                    pod["status"].get("phase"))),
                             "default", resource_version=start)
cluster.kubectl("scale deployment/nginx-deployment --replicas=4")
cluster.settle()
watch.stop()
for event in seen[:6]:
    print(*event)
print(f"... {len(seen)} events in all")

# %% [markdown]
# ## 5. Admission: plugins between authorization and the store
#
# Admission plugins see every write after it is authorized. *Mutating* ones may change it;
# *validating* ones may only refuse. kubelab runs four of the plugins kube-apiserver enables
# by default:

# %%
cluster.apiserver.admission.names

# %% [markdown]
# The **ServiceAccount** plugin is why every pod you create runs as a service account, with a
# token mounted — you never wrote those fields (and **Priority** is why it has a `spec.priority`,
# looked up from its PriorityClass — lesson 04):

# %%
pod = cluster.list("pods", "default")[0]
print(pod["spec"]["serviceAccountName"])
print([volume["name"] for volume in pod["spec"]["volumes"]])

# %% [markdown]
# **Exercise 2.1.** Write a validating admission plugin, `RequireTeamLabel`, that refuses to
# create a Pod without a `team` label, with the message "every pod needs a team label". Use
# `attributes.object` (the pod) and `attributes.forbid(message)`.

# %%
from kubelab.apiserver.admission import AdmissionPlugin


class RequireTeamLabel(AdmissionPlugin):
    """Refuse pods without a team label."""
    name = "RequireTeamLabel"
    operations = ("CREATE",)
    resources = ("pods",)

    def validate(self, attributes):
        # BEGIN SOLUTION ex 2.1
        labels = attributes.object["metadata"].get("labels") or {}
        if "team" not in labels:
            attributes.forbid("every pod needs a team label")
        # END SOLUTION

# %% exercise-only
from kubelab.checks import check_require_team_label

print(check_require_team_label(RequireTeamLabel))

# %% [markdown]
# ## 6. RBAC: who may do what
#
# A program in a pod runs as a ServiceAccount. The **service account controller** (in the
# controller manager) makes a `default` one in every namespace; the API server signs tokens
# for them (the TokenRequest API), and the **token controller** fills in the tokens of
# Secrets that ask for one. These are the "default accounts and API access tokens" of the
# architecture diagrams:

# %%
print(cluster.kubectl("get serviceaccounts -A"))

# %% [markdown]
# Create a service account of our own, get it a token, and use the token:

# %%
cluster.client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                           "metadata": {"name": "reader"}})
token = cluster.client.request_token("reader")["status"]["token"]
reader = cluster.client.for_component("reader", token)
try:
    reader.list("pods", "default")
except ApiError as error:
    print(error.code, error.message)

# %% [markdown]
# Authenticated, but not authorized: nothing grants the reader anything yet. RBAC allows
# only what a rule allows. `kubectl auth can-i` asks the same question without doing the
# thing (a SelfSubjectAccessReview):

# %%
from kubelab.kubectl import run

print("admin  may delete pods:", cluster.kubectl("auth can-i delete pods"))
print("reader may list pods:  ", run(reader, "auth can-i list pods", cluster.clock.now()).strip())

# %% [markdown]
# **Exercise 2.2.** Write `reader_policy()`: return the YAML of a Role and a RoleBinding
# that let the service account `reader` in `default` get, list and watch pods in `default`
# — and nothing else.

# %%
def reader_policy():
    """A Role and a RoleBinding: default/reader may read pods in default."""
    # BEGIN SOLUTION ex 2.2
    return """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
  namespace: default
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader-reads-pods
  namespace: default
subjects:
- kind: ServiceAccount
  name: reader
  namespace: default
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: pod-reader
"""
    # END SOLUTION

# %% exercise-only
from kubelab.checks import check_reader_policy

print(check_reader_policy(reader_policy))

# %% [markdown] exercise-only
# Apply the same policy here, and the reader can list pods — but still not delete them:

# %% exercise-only
print(cluster.apply(reader_policy()))
print("reader may list pods:  ", run(reader, "auth can-i list pods", cluster.clock.now()).strip())
print("reader may delete pods:", run(reader, "auth can-i delete pods", cluster.clock.now()).strip())
print(len(reader.list("pods", "default")["items"]), "pods listed by the reader")

# %% [markdown]
# **RBAC cannot be escalated.** Suppose the reader may also create RoleBindings. Could it
# bind *itself* to `cluster-admin`? The API server checks every Role and binding written:
# you may grant only rules you already hold. The 403 lists what is missing:

# %%
print(cluster.apply("""
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: binder, namespace: default}
rules: [{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader-binds, namespace: default}
subjects: [{kind: ServiceAccount, name: reader, namespace: default}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: binder}
"""))
try:
    reader.create("rolebindings", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "reader-is-admin", "namespace": "default"},
        "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "default"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}})
except ApiError as error:
    print(error.code, error.message)

# %% [markdown]
# Two verbs are the ways around it, each granted on purpose: `bind` on a role (by name)
# lets you bind it without holding its rules, and `escalate` on `roles`/`clusterroles`
# lets you write rules you do not hold. `system:masters` (cluster-admin's group) is never
# checked. The code is `kubelab/apiserver/registry/rbac_escalation.py`.

# %% [markdown]
# ## 7. Several API servers, one store
#
# The API server keeps no state of its own: everything is in etcd. So you can run several
# and spread clients over them — that is how kube-apiserver scales horizontally. Start a
# second API server on the same store, write through it, and read through the first:

# %%
import random
from kubelab.apiserver import APIServer
from kubelab.apiserver.handler_chain import secure
from kubelab.client import Client, InProcessTransport

second = APIServer(cluster.store, cluster.clock, random.Random(1))
secure(second, cluster.credentials.static_tokens, cluster.credentials.tokens)
via_second = Client(InProcessTransport(second), "kubectl", cluster.credentials.admin)
via_second.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": "written-via-second"}, "data": {"hello": "world"}})
print(cluster.get("configmaps", "written-via-second", "default")["data"])

# %% [markdown]
# `kubelab up --apiservers 3` runs three API server *processes* behind a round-robin front,
# as a load balancer in front of kube-apiserver would; lesson 03 talks to it with the real kubectl.
#
# ## Recap
#
# - Every request: **authentication** (401) → **authorization** (403) → **admission** →
#   **validation** (422) → **store** (409 on a stale resourceVersion).
# - Errors come back as a `Status` whose message and causes name the problem.
# - **Watches** stream every change from a resourceVersion.
# - **Admission plugins** may change or refuse writes; you can write your own.
# - **RBAC**: Roles allow verbs on resources; bindings give them to users and service
#   accounts; `kubectl auth can-i` asks. You grant only what you hold (or may `bind`/`escalate`).
# - The API server is stateless: run several, share one etcd.
#
# ## Check your understanding
#
# 1. *Predict, then run:* with `RequireTeamLabel` enabled on `cluster.apiserver.admission`,
#    what happens to `kubectl scale deployment/nginx-deployment --replicas=6`? Which
#    component gets the 403, and where would you see it? (Hint: `kubectl describe rs`.)
# 2. Why is a 409 better than "last write wins"?
# 3. The reader may `watch` pods. Why do controllers need `watch` as well as `list`?
#
# ## Going further
#
# - Lesson 03 follows kubectl's HTTP requests, and runs the real kubectl against `kubelab up`.
