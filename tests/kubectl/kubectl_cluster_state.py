"""A small cluster, written out by hand as the API server would return it.

Three nodes (one cordoned), an nginx Deployment with its ReplicaSet and three pods (two
running, one still pulling its image), a Service with its Endpoints, and the events the
controllers, the scheduler and the kubelets left. Clock time is five minutes after creation.
"""
from __future__ import annotations

from kubelab.objects.timefmt import rfc3339

START = 1735689600.0          # 2025-01-01T00:00:00Z
NOW = START + 300             # five minutes later


def at(seconds: float) -> str:
    return rfc3339(START + seconds)


def node(name: str, ip: str, *, ready: bool = True, unschedulable: bool = False, roles=()) -> dict:
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
    labels.update({f"node-role.kubernetes.io/{role}": "" for role in roles})
    obj = {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "uid": f"uid-{name}", "creationTimestamp": at(0), "labels": labels},
        "spec": {"podCIDR": f"10.244.{ip.rsplit('.', 1)[1]}.0/24"},
        "status": {
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "capacity": {"cpu": "2", "memory": "4Gi", "pods": "110", "ephemeral-storage": "20Gi"},
            "allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110", "ephemeral-storage": "20Gi"},
            "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                            "lastHeartbeatTime": at(290), "lastTransitionTime": at(5),
                            "reason": "KubeletReady" if ready else "KubeletNotReady",
                            "message": "kubelet is posting ready status" if ready else "container runtime is down"}],
            "nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "kubelab simulated Linux",
                         "kernelVersion": "6.1.0-kubelab", "containerRuntimeVersion": "kubelab://1.0",
                         "operatingSystem": "linux", "architecture": "amd64", "machineID": f"m-{name}",
                         "systemUUID": f"s-{name}", "bootID": f"b-{name}", "kubeProxyVersion": ""},
        },
    }
    if unschedulable:
        obj["spec"]["unschedulable"] = True
        obj["spec"]["taints"] = [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule",
                                  "timeAdded": at(100)}]
    return obj


TEMPLATE = {
    "metadata": {"labels": {"app": "nginx"}},
    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                             "ports": [{"containerPort": 80, "protocol": "TCP"}],
                             "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                                           "limits": {"memory": "128Mi"}},
                             "imagePullPolicy": "IfNotPresent", "terminationMessagePath": "/dev/termination-log",
                             "terminationMessagePolicy": "File"}],
             "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
             "securityContext": {}, "schedulerName": "default-scheduler"},
}

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "nginx", "namespace": "default", "uid": "uid-deploy", "creationTimestamp": at(0),
                 "generation": 1, "labels": {"app": "nginx"},
                 "annotations": {"deployment.kubernetes.io/revision": "1"}},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx"}}, "template": TEMPLATE,
             "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
             "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
    "status": {"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 2,
               "availableReplicas": 2, "unavailableReplicas": 1,
               "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                               "message": "Deployment has minimum availability.",
                               "lastUpdateTime": at(20), "lastTransitionTime": at(20)},
                              {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                               "message": 'ReplicaSet "nginx-7c5ddbdf54" is progressing.',
                               "lastUpdateTime": at(20), "lastTransitionTime": at(1)}]},
}

REPLICASET = {
    "apiVersion": "apps/v1", "kind": "ReplicaSet",
    "metadata": {"name": "nginx-7c5ddbdf54", "namespace": "default", "uid": "uid-rs", "creationTimestamp": at(1),
                 "labels": {"app": "nginx", "pod-template-hash": "7c5ddbdf54"},
                 "annotations": {"deployment.kubernetes.io/desired-replicas": "3",
                                 "deployment.kubernetes.io/max-replicas": "4",
                                 "deployment.kubernetes.io/revision": "1"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "nginx",
                                      "uid": "uid-deploy", "controller": True, "blockOwnerDeletion": True}]},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx", "pod-template-hash": "7c5ddbdf54"}},
             "template": {**TEMPLATE, "metadata": {"labels": {"app": "nginx", "pod-template-hash": "7c5ddbdf54"}}}},
    "status": {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 2, "availableReplicas": 2,
               "observedGeneration": 1},
}


IMAGE_ID = "docker.io/library/nginx@sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a"


def pod(name: str, node_name: str, ip: str, *, running: bool = True, restarts: int = 0) -> dict:
    container_state = {"running": {"startedAt": at(15)}} if running else \
        {"waiting": {"reason": "ContainerCreating"}}
    status = {
        "phase": "Running" if running else "Pending",
        "conditions": [{"type": "PodReadyToStartContainers", "status": "True" if running else "False",
                        "lastProbeTime": None, "lastTransitionTime": at(12)},
                       {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": at(2)},
                       {"type": "Ready", "status": "True" if running else "False", "lastProbeTime": None,
                        "lastTransitionTime": at(15)},
                       {"type": "ContainersReady", "status": "True" if running else "False",
                        "lastProbeTime": None, "lastTransitionTime": at(15)},
                       {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": at(2)}],
        "hostIP": node_ip(node_name), "hostIPs": [{"ip": node_ip(node_name)}],
        "startTime": at(2), "qosClass": "Burstable",
        "containerStatuses": [{"name": "nginx", "image": "nginx:1.27", "imageID": IMAGE_ID if running else "",
                               "containerID": "containerd://" + name if running else "",
                               "ready": running, "started": running, "restartCount": restarts,
                               "state": container_state, "lastState": {}}],
    }
    if running:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    if restarts:
        status["containerStatuses"][0]["lastState"] = {"terminated": {
            "exitCode": 137, "reason": "Error", "startedAt": at(5), "finishedAt": at(255)}}
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "creationTimestamp": at(2),
                     "generateName": "nginx-7c5ddbdf54-",
                     "labels": {"app": "nginx", "pod-template-hash": "7c5ddbdf54"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "nginx-7c5ddbdf54",
                                          "uid": "uid-rs", "controller": True, "blockOwnerDeletion": True}]},
        "spec": {**TEMPLATE["spec"], "nodeName": node_name, "priority": 0, "enableServiceLinks": True,
                 "preemptionPolicy": "PreemptLowerPriority",
                 "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                  "effect": "NoExecute", "tolerationSeconds": 300},
                                 {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                  "effect": "NoExecute", "tolerationSeconds": 300}]},
        "status": status,
    }


def node_ip(name: str) -> str:
    return {"node-1": "172.18.0.2", "node-2": "172.18.0.3", "node-3": "172.18.0.4"}[name]


SERVICE = {
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "nginx", "namespace": "default", "uid": "uid-svc", "creationTimestamp": at(0),
                 "labels": {"app": "nginx"}},
    "spec": {"type": "ClusterIP", "clusterIP": "10.96.142.7", "clusterIPs": ["10.96.142.7"],
             "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "selector": {"app": "nginx"},
             "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 80}],
             "sessionAffinity": "None", "internalTrafficPolicy": "Cluster"},
    "status": {"loadBalancer": {}},
}

ENDPOINTS = {
    "apiVersion": "v1", "kind": "Endpoints",
    "metadata": {"name": "nginx", "namespace": "default", "uid": "uid-ep", "creationTimestamp": at(0),
                 "labels": {"app": "nginx"}},
    "subsets": [{"addresses": [{"ip": "10.244.1.2", "nodeName": "node-1",
                                "targetRef": {"kind": "Pod", "name": "nginx-7c5ddbdf54-2xlrd", "namespace": "default"}},
                               {"ip": "10.244.2.2", "nodeName": "node-2",
                                "targetRef": {"kind": "Pod", "name": "nginx-7c5ddbdf54-8vtqm",
                                              "namespace": "default"}}],
                 "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}],
}


def event(name: str, involved: dict, reason: str, message: str, *, source: str, first: float,
          last: float | None = None, count: int = 1, type_: str = "Normal", host: str = "") -> dict:
    metadata = involved["metadata"]
    return {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": metadata.get("namespace") or "default", "uid": f"uid-{name}",
                     "creationTimestamp": at(first)},
        "involvedObject": {"kind": involved["kind"], "name": metadata["name"], "uid": metadata["uid"],
                           "apiVersion": involved["apiVersion"],
                           **({"namespace": metadata["namespace"]} if metadata.get("namespace") else {})},
        "reason": reason, "message": message,
        "source": {"component": source, **({"host": host} if host else {})},
        "firstTimestamp": at(first), "lastTimestamp": at(last if last is not None else first),
        "count": count, "type": type_, "eventTime": None, "reportingComponent": source,
        "reportingInstance": host,
    }


def objects() -> list[dict]:
    """Everything in the small cluster."""
    pods = [pod("nginx-7c5ddbdf54-2xlrd", "node-1", "10.244.1.2", restarts=1),
            pod("nginx-7c5ddbdf54-8vtqm", "node-2", "10.244.2.2"),
            pod("nginx-7c5ddbdf54-q9zfk", "node-3", "", running=False)]
    nodes = [node("node-1", "172.18.0.2", roles=("control-plane",)), node("node-2", "172.18.0.3"),
             node("node-3", "172.18.0.4", unschedulable=True)]
    namespaces = [{"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": name, "uid": f"uid-ns-{name}", "creationTimestamp": at(0),
                                "labels": {"kubernetes.io/metadata.name": name}},
                   "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
                  for name in ("default", "kube-node-lease", "kube-public", "kube-system")]
    events = [
        event("nginx.1", DEPLOYMENT, "ScalingReplicaSet", "Scaled up replica set nginx-7c5ddbdf54 to 3",
              source="deployment-controller", first=1),
        event("nginx-7c5ddbdf54.1", REPLICASET, "SuccessfulCreate",
              "Created pod: nginx-7c5ddbdf54-2xlrd", source="replicaset-controller", first=2),
        event("nginx-7c5ddbdf54-2xlrd.1", pods[0], "Scheduled",
              "Successfully assigned default/nginx-7c5ddbdf54-2xlrd to node-1", source="default-scheduler", first=2),
        event("nginx-7c5ddbdf54-2xlrd.2", pods[0], "Pulled",
              'Container image "nginx:1.27" already present on machine', source="kubelet", first=10,
              last=255, count=2, host="node-1"),
        event("nginx-7c5ddbdf54-2xlrd.3", pods[0], "Started", "Started container nginx", source="kubelet",
              first=15, last=256, count=2, host="node-1"),
        event("nginx-7c5ddbdf54-q9zfk.1", pods[2], "Pulling", 'Pulling image "nginx:1.27"', source="kubelet",
              first=3, host="node-3"),
        event("node-3.1", nodes[2], "NodeNotSchedulable", "Node node-3 status is now: NodeNotSchedulable",
              source="kubelet", first=100, host="node-3"),
    ]
    events[-1]["involvedObject"]["uid"] = "node-3"   # kubelets name nodes by name, not uid
    return nodes + namespaces + [DEPLOYMENT, REPLICASET] + pods + [SERVICE, ENDPOINTS] + events
