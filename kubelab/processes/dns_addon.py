"""kubeadm's DNS add-on for `kubelab up --runtime process`: CoreDNS as pods behind kube-dns.

After the control plane answers, `kubeadm init` (phase `addon coredns`) creates, through the
API like any user would:

    ServiceAccount      kube-system/coredns
    ClusterRole         system:coredns   (list/watch endpoints, services, pods, namespaces,
                                          endpointslices)
    ClusterRoleBinding  system:coredns → the ServiceAccount
    ConfigMap           kube-system/coredns   its Corefile
    Deployment          kube-system/coredns   2 replicas of registry.k8s.io/coredns/coredns:v1.11.3
    Service             kube-system/kube-dns  ClusterIP = the service range's 10th address,
                                              53/UDP dns, 53/TCP dns-tcp, 9153/TCP metrics

kubelab does the same, with the manifests of kubeadm v1.32 (cmd/kubeadm/app/phases/addons/dns).
The kubelets get `--cluster-dns` = that address, so every ClusterFirst pod's resolv.conf names
it; kube-proxy relays it (UDP and TCP) to the CoreDNS pods, which the process runtime runs as
kubelab's DNS server (dns/pod.py).

Differences, each for a reason: the Corefile's kubernetes block names the API server
(`endpoint`) rather than in-cluster config: the kubelet does set KUBERNETES_SERVICE_HOST/PORT
(127.96.0.1:443), but the userspace kube-proxy can bind port 443 there only as root;
the pod template leaves out the securityContext (capabilities are not modelled: the process
runtime has no namespaces) — kubelab runs as whoever started it, and binding port 53 needs
root (or net.ipv4.ip_unprivileged_port_start ≤ 53), as NET_BIND_SERVICE gives CoreDNS upstream.

Invariant: objects that exist already are left as they are (a restarted `kubelab up` on the same
data dir, or a learner's own edits), as kubeadm's "create or update" would keep the Service's IP.
"""
from __future__ import annotations

import socket

from ..client import ApiError, Client

IMAGE = "registry.k8s.io/coredns/coredns:v1.11.3"

COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes %(domain)s in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
       endpoint %(endpoint)s
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
"""

LABELS = {"k8s-app": "kube-dns"}


def objects(dns_ip: str, endpoint: str, domain: str = "cluster.local") -> list[tuple[str, dict]]:
    """(resource, object) for each add-on object, in the order kubeadm creates them."""
    system = "kube-system"
    return [
        ("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                             "metadata": {"name": "coredns", "namespace": system}}),
        ("clusterroles", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                          "metadata": {"name": "system:coredns"}, "rules": [
                              {"apiGroups": [""], "resources": ["endpoints", "services", "pods", "namespaces"],
                               "verbs": ["list", "watch"]},
                              {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"],
                               "verbs": ["list", "watch"]}]}),
        ("clusterrolebindings", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                                 "metadata": {"name": "system:coredns"},
                                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                             "name": "system:coredns"},
                                 "subjects": [{"kind": "ServiceAccount", "name": "coredns", "namespace": system}]}),
        ("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": system},
                        "data": {"Corefile": COREFILE % {"domain": domain, "endpoint": endpoint}}}),
        ("deployments", {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {
            "name": "coredns", "namespace": system, "labels": dict(LABELS)}, "spec": {
            "replicas": 2, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "selector": {"matchLabels": dict(LABELS)},
            "template": {"metadata": {"labels": dict(LABELS)}, "spec": {
                "priorityClassName": "system-cluster-critical", "serviceAccountName": "coredns",
                "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                    "weight": 100, "podAffinityTerm": {"labelSelector": {"matchExpressions": [
                        {"key": "k8s-app", "operator": "In", "values": ["kube-dns"]}]},
                        "topologyKey": "kubernetes.io/hostname"}}]}},
                "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                                {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
                "nodeSelector": {"kubernetes.io/os": "linux"},
                "containers": [{
                    "name": "coredns", "image": IMAGE, "imagePullPolicy": "IfNotPresent",
                    "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
                    "args": ["-conf", "/etc/coredns/Corefile"],
                    "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns", "readOnly": True}],
                    "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                              {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                              {"containerPort": 9153, "name": "metrics", "protocol": "TCP"}],
                    "livenessProbe": {"httpGet": {"path": "/health", "port": 8080, "scheme": "HTTP"},
                                      "initialDelaySeconds": 60, "timeoutSeconds": 5, "successThreshold": 1,
                                      "failureThreshold": 5},
                    "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181, "scheme": "HTTP"}}}],
                "dnsPolicy": "Default",
                "volumes": [{"name": "config-volume", "configMap": {
                    "name": "coredns", "items": [{"key": "Corefile", "path": "Corefile"}]}}]}}}}),
        ("services", {"apiVersion": "v1", "kind": "Service", "metadata": {
            "name": "kube-dns", "namespace": system,
            "labels": {**LABELS, "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
            "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}}, "spec": {
            "clusterIP": dns_ip, "selector": dict(LABELS), "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]}}),
    ]


def port_53_problem(dns_ip: str) -> str:
    """Why cluster DNS will not work on this machine, or "": port 53 needs root, and one machine's
    loopback holds one kube-dns address (a second `kubelab up --runtime process` shares the first's)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.bind((dns_ip, 53))
    except PermissionError:
        return (f"binding port 53 needs root (or net.ipv4.ip_unprivileged_port_start=53): the CoreDNS pods and "
                f"kube-proxy's {dns_ip}:53 will fail, so pods cannot resolve cluster names")
    except OSError:
        return (f"{dns_ip}:53 is taken (another kubelab up --runtime process on this machine?): this cluster's "
                f"pods would ask that cluster's DNS")
    finally:
        probe.close()
    return ""


def install(client: Client, dns_ip: str, endpoint: str, wanted: list[tuple[str, dict]] | None = None) -> list[str]:
    """Create what is missing (of `wanted`, default all); the names created ("deployment.apps/coredns
    created", as kubectl says)."""
    said = []
    for resource, obj in objects(dns_ip, endpoint) if wanted is None else wanted:
        namespace = obj["metadata"].get("namespace")
        try:
            client.create(resource, obj, namespace)
        except ApiError as error:
            if error.reason == "AlreadyExists":
                continue
            raise
        group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
        said.append(f"{obj['kind'].lower()}{'.' + group if group else ''}/{obj['metadata']['name']} created")
    return said
