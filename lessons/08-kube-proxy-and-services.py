# %% [markdown]
# # 08 · kube-proxy and Services
#
# **What you will learn.** What kube-proxy does on every node: it watches Services and their
# endpoints and turns them into iptables rules, so a packet sent to a Service's virtual IP
# reaches one of its ready pods. You will read those rules as `iptables-save` prints them,
# trace one request through the chains, build the chain's random choice yourself, and see
# NodePort, LoadBalancer, ClientIP affinity, `externalTrafficPolicy: Local`, readiness and
# cluster DNS at work.
#
# **Before this.** 00 (the tour) and 06 (the endpoints controller, which keeps each Service's
# list of ready pods). 05 shows the readiness probes that decide who is ready.
#
# **The problem in one sentence.** Pods come and go with new IPs, yet clients need one stable
# address that always reaches a live pod.

# %% [markdown]
# ## Glossary
#
# | word | meaning |
# |---|---|
# | **Service** | a stable name and virtual IP (the ClusterIP) in front of the pods its selector picks |
# | **Endpoints** | the ready pod IPs and ports behind a Service, kept by the endpoints controller |
# | **kube-proxy** | the agent on every node that watches Services and Endpoints and writes the node's packet rules |
# | **iptables / chain** | the kernel's packet filter: ordered rule lists; a rule matches a packet and jumps to another chain or rewrites it |
# | **DNAT** | rewriting a packet's destination: ClusterIP:port becomes podIP:targetPort |
# | **NodePort** | a port (30000–32767) opened on every node that leads to the Service |
# | **ClientIP affinity** | the same client goes back to the same pod for a while |
# | **cluster DNS** | CoreDNS: answers `web.default.svc.cluster.local` with the Service's IP |

# %% [markdown]
# ## 1. A Service and the rules every node writes for it
#
# The notes say kube-proxy "watches all services and keeps the network configuration on every
# node" and "forwards traffic to containers by IP and port". Three nginx pods behind a
# Service, on a cluster whose fake cloud gives LoadBalancers an address:

# %%
from kubelab import Cluster

cluster = Cluster(nodes=3, seed=8, cloud=True)
cluster.apply("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
        readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5, failureThreshold: 2}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 80}]
""")
cluster.run(30)
print(cluster.kubectl("get service,endpoints web"))
print(cluster.kubectl("get pods -o wide"))

# %% [markdown]
# kube-proxy on node-1 has written its nat table. `rules_text("default/web")` is what
# `iptables-save | grep default/web` shows on a real node (the whole table:
# `cluster.proxies["node-1"].iptables_save()`). Read it from the bottom of the chain order:
# **KUBE-SERVICES** catches the ClusterIP and port and jumps to the Service's **KUBE-SVC-**
# chain, which picks one **KUBE-SEP-** chain (one per endpoint) at random; each SEP chain
# DNATs to its pod.

# %%
print(cluster.proxies["node-1"].rules_text("default/web"))

# %% [markdown]
# ## 2. One request, traced through the chains
#
# The kernel runs a new connection's first packet through nat PREROUTING, then the filter
# table, then nat POSTROUTING. Here are the rules that matched for one connection from a pod
# on node-1 (source 10.244.1.50) to the ClusterIP:

# %%
cluster_ip = cluster.get("services", "web")["spec"]["clusterIP"]
print(cluster.proxies["node-1"].route(cluster_ip, 80, source_ip="10.244.1.50"))

# %% [markdown]
# Each node rolls its own dice, and over many connections each pod gets about a third:

# %%
print(cluster.requests("web", count=300))

# %% [markdown]
# ## 3. Exercise: the probabilities of a Service chain
#
# The KUBE-SVC chain tries its rules top to bottom. Each rule but the last has
# `-m statistic --mode random --probability p`; the last takes whatever is left. A rule only
# *sees* the connections the rules above it let through.
#
# **Exercise 8.1.** Write `probabilities(n)`: the list of the n-1 probabilities kube-proxy writes,
# first rule to last, so that each of n endpoints gets the same share. (Hint: look at the three
# rules above — 0.333…, then 0.5.)

# %%
def probabilities(n):
    # BEGIN SOLUTION ex 8.1
    return [1 / (n - index) for index in range(n - 1)]
    # END SOLUTION

# %% [markdown] exercise-only
# The check builds a chain with your numbers and sends 3,000 connections through it with the
# same walker kube-proxy's rules use, for 1, 2, 3 and 5 endpoints:

# %% exercise-only
from kubelab.checks import check_probabilities

print(check_probabilities(probabilities))

# %% [markdown]
# ## 4. NodePort: a port on every node
#
# Make the Service a NodePort: the API server gives it a port from 30000–32767 (`80:3xxxx/TCP`),
# and kube-proxy adds a **KUBE-NODEPORTS** rule that sends traffic for that port, on any of the
# node's own addresses, to the Service's **KUBE-EXT-** chain, which marks it for masquerade
# (so the answer comes back through this node) and goes on to KUBE-SVC.

# %%
service = cluster.get("services", "web")
service["spec"]["type"] = "NodePort"
cluster.client.update("services", service)
cluster.run(2)
print(cluster.kubectl("get service web"))
print("\n".join(line for line in cluster.proxies["node-2"].rules_text("default/web").splitlines()
                if "KUBE-NODEPORTS" in line or "KUBE-EXT" in line))

# %% [markdown]
# A client outside the cluster (203.0.113.7) calls node-2's address on that port:

# %%
print(cluster.request("web", via="node-port", from_node="node-2", source_ip="203.0.113.7")["route"])

# %% [markdown]
# ## 5. ClientIP affinity: the same client, the same pod
#
# With `sessionAffinity: ClientIP`, each SVC chain starts with `-m recent --rcheck` rules: a
# client seen by an endpoint within `timeoutSeconds` (10800 by default) goes back to it, and
# each DNAT records the client with `-m recent --set`. One client now always lands on one pod;
# another client may land elsewhere.

# %%
service = cluster.get("services", "web")
service["spec"]["sessionAffinity"] = "ClientIP"
cluster.client.update("services", service)
cluster.run(2)
print([line for line in cluster.proxies["node-1"].rules_text("default/web").splitlines() if "--rcheck" in line][0])
print(cluster.requests("web", count=50, from_node="node-1", source_ip="10.244.1.50"))
print(cluster.requests("web", count=50, from_node="node-1", source_ip="10.244.1.51"))

# %% [markdown]
# ## 6. LoadBalancer and `externalTrafficPolicy: Local`
#
# A LoadBalancer Service keeps its NodePort; the cloud controller manager asks the cloud for a
# load balancer and writes its address into `status.loadBalancer.ingress`, and kube-proxy
# captures that address too ("loadbalancer IP"). With `externalTrafficPolicy: Local`, traffic
# from outside goes only to pods **on the node it arrived at** (through a **KUBE-SVL-** chain)
# and keeps the client's address; a node without such a pod drops it, and the cloud's health
# checks (`healthCheckNodePort`) tell the load balancer to avoid that node. To see that, the
# Deployment first shrinks to two pods, so one node has none.

# %%
print(cluster.kubectl("scale deployment web --replicas=2"))
service = cluster.get("services", "web")
service["spec"].update(type="LoadBalancer", externalTrafficPolicy="Local", sessionAffinity="None")
service["spec"].pop("sessionAffinityConfig", None)
cluster.client.update("services", service)
cluster.run(30)   # the cloud controller manager asks the cloud, which takes a while
print(cluster.kubectl("get service web"))
for node in sorted(cluster.proxies):
    print(node, cluster.requests("web", count=20, via="load-balancer", from_node=node, source_ip="203.0.113.7"))

# %% [markdown]
# ## 7. Readiness moves traffic
#
# kube-proxy only ever sends traffic to *ready* endpoints. Make one pod's app sick: its
# readiness probe fails twice, the kubelet marks it not Ready, the endpoints controller moves it
# to `notReadyAddresses`, and every kube-proxy rewrites its rules without it. (The Service is
# still a LoadBalancer; its ClusterIP works as before.)

# %%
first = sorted(pod["metadata"]["name"] for pod in cluster.list("pods", "default", "app=web"))[0]
node = cluster.get("pods", first)["spec"]["nodeName"]
cluster.kubelets[node].runtime.set_sick("default", first)
cluster.run(20)
print(cluster.kubectl("get endpoints web"))
print(cluster.requests("web", count=60))
cluster.kubelets[node].runtime.set_sick("default", first, sick=False)
cluster.run(20)
print(cluster.requests("web", count=60))

# %% [markdown]
# ## 8. Cluster DNS: names instead of IPs
#
# Nobody types ClusterIPs. The kubelet gives each pod an `/etc/resolv.conf` that points at
# the cluster DNS (the `kube-dns` address, the tenth of the service range) with search
# domains for its namespace and `ndots:5`, so a short name like `web` is tried as
# `web.default.svc.cluster.local` first. CoreDNS answers from the Services it watches.

# %%
cluster.apply("""
apiVersion: v1
kind: Pod
metadata: {name: client}
spec: {containers: [{name: shell, image: busybox:1.36, command: [sleep, "3600"]}]}
""")
cluster.run(10)
print(cluster.exec("client", "cat /etc/resolv.conf"))
print(cluster.exec("client", "nslookup web"))

# %% [markdown]
# A **headless** Service (`clusterIP: None`) gets no ClusterIP and no kube-proxy rules at all:
# its name resolves to the ready pods' own IPs, and a pod with `hostname` and `subdomain` (as
# a StatefulSet's `web-0`) gets a stable name of its own.

# %%
cluster.apply("""
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 80}]
""")
cluster.run(2)
print(cluster.exec("client", "nslookup nginx"))
print(repr(cluster.proxies["node-1"].rules_text("default/nginx")))

# %% [markdown]
# The DNS server is itself reached through a Service: `kube-system/kube-dns`, at the tenth
# address of the service range (kubeadm's choice: 10.96.0.10 for 10.96.0.0/12), port 53 over
# **UDP** (and TCP). kube-proxy writes rules for UDP ports as for TCP ones (`-p udp`).

# %%
from kubelab.kubelet.dns import dns_ip
print(dns_ip("10.96.0.0/12"))
print(cluster.kubectl("get service kube-dns -n kube-system"))

# %% [markdown]
# In this notebook the DNS server runs beside the nodes (`cluster.dns`), not as pods, so
# kube-dns has no endpoints here. With `kubelab up --runtime process` it is the real thing:
# two CoreDNS pods of a kube-system Deployment answer on port 53 of their pod IPs, kube-dns
# sits at 127.96.0.10 (the tenth address of 127.96.0.0/16), and `kubectl exec client --
# nslookup web` sends real UDP packets through kube-proxy to them.

# %% [markdown]
# ## Recap
#
# - kube-proxy runs on every node, watches Services and Endpoints, and rewrites the node's
#   iptables rules: KUBE-SERVICES → KUBE-SVC- (a random pick) → KUBE-SEP- (DNAT to a pod).
# - Each rule takes 1/(what is left) of the connections that reach it, so every pod gets 1/n.
# - NodePort opens a port on every node (KUBE-NODEPORTS → KUBE-EXT-); LoadBalancer adds the
#   cloud's address; `externalTrafficPolicy: Local` keeps external traffic on the node it hit.
# - ClientIP affinity is the kernel remembering clients (`-m recent`).
# - Only ready endpoints get traffic; readiness probes decide who is ready.
# - Cluster DNS turns `web` into `web.default.svc.cluster.local` into the ClusterIP.
#
# ## Check your understanding
#
# 1. A Service has 4 endpoints. What `--probability` does the third rule of its KUBE-SVC chain
#    carry, and why is it not 0.25?
# 2. *Predict, then run:* delete one pod of the Deployment. How many KUBE-SEP chains does
#    node-1 have for `default/web` a second later, and a minute later?
# 3. Why does `externalTrafficPolicy: Local` keep the client's source address, and what does
#    it cost?
#
# ## Going further
#
# - Upstream: `pkg/proxy/iptables/proxier.go` (syncProxyRules), `pkg/kubelet/network/dns`,
#   the DNS-based service discovery specification (kubernetes/dns, docs/specification.md).
# - In kubelab: `kubelab/proxy/service_rules.py`, `kubelab/proxy/traffic.py`, `kubelab/dns/coredns.py`;
#   on the wire: `kubelab/dns/server.py`, `kubelab/proxy/udp_relay.py`, `kubelab/processes/dns_addon.py`.
