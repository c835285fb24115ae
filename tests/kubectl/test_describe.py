"""`kubectl describe`: each kind's layout, its events, and the multi-object habits.

The expected texts were compared byte for byte with the real kubectl v1.32 describing the
same objects (served over a throwaway HTTP facade over the fake client, with the time zone
set to UTC), so they pin the field order, the alignment blocks and the trailing spaces.
"""


def test_describe_pod_shows_containers_last_state_conditions_and_events(kubectl):
    """A container that died once shows its Last State; repeated events read `45s (x2 over 4m50s)`."""
    assert kubectl("describe pod nginx-7c5ddbdf54-2xlrd") == (
        "Name:         nginx-7c5ddbdf54-2xlrd\n"
        "Namespace:    default\n"
        "Priority:     0\n"
        "Node:         node-1/172.18.0.2\n"
        "Start Time:   Wed, 01 Jan 2025 00:00:02 +0000\n"
        "Labels:       app=nginx\n"
        "              pod-template-hash=7c5ddbdf54\n"
        "Annotations:  <none>\n"
        "Status:       Running\n"
        "IP:           10.244.1.2\n"
        "IPs:\n"
        "  IP:           10.244.1.2\n"
        "Controlled By:  ReplicaSet/nginx-7c5ddbdf54\n"
        "Containers:\n"
        "  nginx:\n"
        "    Container ID:   containerd://nginx-7c5ddbdf54-2xlrd\n"
        "    Image:          nginx:1.27\n"
        "    Image ID:       docker.io/library/nginx@sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a\n"
        "    Port:           80/TCP\n"
        "    Host Port:      0/TCP\n"
        "    State:          Running\n"
        "      Started:      Wed, 01 Jan 2025 00:00:15 +0000\n"
        "    Last State:     Terminated\n"
        "      Reason:       Error\n"
        "      Exit Code:    137\n"
        "      Started:      Wed, 01 Jan 2025 00:00:05 +0000\n"
        "      Finished:     Wed, 01 Jan 2025 00:04:15 +0000\n"
        "    Ready:          True\n"
        "    Restart Count:  1\n"
        "    Limits:\n"
        "      memory:  128Mi\n"
        "    Requests:\n"
        "      cpu:        100m\n"
        "      memory:     64Mi\n"
        "    Environment:  <none>\n"
        "    Mounts:       <none>\n"
        "Conditions:\n"
        "  Type                        Status\n"
        "  PodReadyToStartContainers   True \n"
        "  Initialized                 True \n"
        "  Ready                       True \n"
        "  ContainersReady             True \n"
        "  PodScheduled                True \n"
        "Volumes:                      <none>\n"
        "QoS Class:                    Burstable\n"
        "Node-Selectors:               <none>\n"
        "Tolerations:                  node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n"
        "                              node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n"
        "Events:\n"
        "  Type    Reason     Age                  From               Message\n"
        "  ----    ------     ----                 ----               -------\n"
        "  Normal  Scheduled  4m58s                default-scheduler  Successfully assigned default/nginx-7c5ddbdf54-2xlrd to node-1\n"
        '  Normal  Pulled     45s (x2 over 4m50s)  kubelet            Container image "nginx:1.27" already present on machine\n'
        "  Normal  Started    44s (x2 over 4m45s)  kubelet            Started container nginx\n"
    )


def test_describe_a_pod_waiting_for_its_image(kubectl):
    assert kubectl("describe pod nginx-7c5ddbdf54-q9zfk") == (
        "Name:           nginx-7c5ddbdf54-q9zfk\n"
        "Namespace:      default\n"
        "Priority:       0\n"
        "Node:           node-3/172.18.0.4\n"
        "Start Time:     Wed, 01 Jan 2025 00:00:02 +0000\n"
        "Labels:         app=nginx\n"
        "                pod-template-hash=7c5ddbdf54\n"
        "Annotations:    <none>\n"
        "Status:         Pending\n"
        "IP:             \n"
        "IPs:            <none>\n"
        "Controlled By:  ReplicaSet/nginx-7c5ddbdf54\n"
        "Containers:\n"
        "  nginx:\n"
        "    Container ID:   \n"
        "    Image:          nginx:1.27\n"
        "    Image ID:       \n"
        "    Port:           80/TCP\n"
        "    Host Port:      0/TCP\n"
        "    State:          Waiting\n"
        "      Reason:       ContainerCreating\n"
        "    Ready:          False\n"
        "    Restart Count:  0\n"
        "    Limits:\n"
        "      memory:  128Mi\n"
        "    Requests:\n"
        "      cpu:        100m\n"
        "      memory:     64Mi\n"
        "    Environment:  <none>\n"
        "    Mounts:       <none>\n"
        "Conditions:\n"
        "  Type                        Status\n"
        "  PodReadyToStartContainers   False \n"
        "  Initialized                 True \n"
        "  Ready                       False \n"
        "  ContainersReady             False \n"
        "  PodScheduled                True \n"
        "Volumes:                      <none>\n"
        "QoS Class:                    Burstable\n"
        "Node-Selectors:               <none>\n"
        "Tolerations:                  node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n"
        "                              node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n"
        "Events:\n"
        "  Type    Reason   Age    From     Message\n"
        "  ----    ------   ----   ----     -------\n"
        '  Normal  Pulling  4m57s  kubelet  Pulling image "nginx:1.27"\n'
    )


def test_describe_deployment_shows_rollout_template_conditions_and_replica_sets(kubectl):
    assert kubectl("describe deploy nginx") == (
        "Name:                   nginx\n"
        "Namespace:              default\n"
        "CreationTimestamp:      Wed, 01 Jan 2025 00:00:00 +0000\n"
        "Labels:                 app=nginx\n"
        "Annotations:            deployment.kubernetes.io/revision: 1\n"
        "Selector:               app=nginx\n"
        "Replicas:               3 desired | 3 updated | 3 total | 2 available | 1 unavailable\n"
        "StrategyType:           RollingUpdate\n"
        "MinReadySeconds:        0\n"
        "RollingUpdateStrategy:  25% max unavailable, 25% max surge\n"
        "Pod Template:\n"
        "  Labels:  app=nginx\n"
        "  Containers:\n"
        "   nginx:\n"
        "    Image:      nginx:1.27\n"
        "    Port:       80/TCP\n"
        "    Host Port:  0/TCP\n"
        "    Limits:\n"
        "      memory:  128Mi\n"
        "    Requests:\n"
        "      cpu:         100m\n"
        "      memory:      64Mi\n"
        "    Environment:   <none>\n"
        "    Mounts:        <none>\n"
        "  Volumes:         <none>\n"
        "  Node-Selectors:  <none>\n"
        "  Tolerations:     <none>\n"
        "Conditions:\n"
        "  Type           Status  Reason\n"
        "  ----           ------  ------\n"
        "  Available      True    MinimumReplicasAvailable\n"
        "  Progressing    True    ReplicaSetUpdated\n"
        "OldReplicaSets:  <none>\n"
        "NewReplicaSet:   nginx-7c5ddbdf54 (3/3 replicas created)\n"
        "Events:\n"
        "  Type    Reason             Age    From                   Message\n"
        "  ----    ------             ----   ----                   -------\n"
        "  Normal  ScalingReplicaSet  4m59s  deployment-controller  Scaled up replica set nginx-7c5ddbdf54 to 3\n"
    )


def test_describe_replicaset_counts_the_pods_it_controls(kubectl):
    assert kubectl("describe rs nginx-7c5ddbdf54") == (
        "Name:           nginx-7c5ddbdf54\n"
        "Namespace:      default\n"
        "Selector:       app=nginx,pod-template-hash=7c5ddbdf54\n"
        "Labels:         app=nginx\n"
        "                pod-template-hash=7c5ddbdf54\n"
        "Annotations:    deployment.kubernetes.io/desired-replicas: 3\n"
        "                deployment.kubernetes.io/max-replicas: 4\n"
        "                deployment.kubernetes.io/revision: 1\n"
        "Controlled By:  Deployment/nginx\n"
        "Replicas:       3 current / 3 desired\n"
        "Pods Status:    2 Running / 1 Waiting / 0 Succeeded / 0 Failed\n"
        "Pod Template:\n"
        "  Labels:  app=nginx\n"
        "           pod-template-hash=7c5ddbdf54\n"
        "  Containers:\n"
        "   nginx:\n"
        "    Image:      nginx:1.27\n"
        "    Port:       80/TCP\n"
        "    Host Port:  0/TCP\n"
        "    Limits:\n"
        "      memory:  128Mi\n"
        "    Requests:\n"
        "      cpu:         100m\n"
        "      memory:      64Mi\n"
        "    Environment:   <none>\n"
        "    Mounts:        <none>\n"
        "  Volumes:         <none>\n"
        "  Node-Selectors:  <none>\n"
        "  Tolerations:     <none>\n"
        "Events:\n"
        "  Type    Reason            Age    From                   Message\n"
        "  ----    ------            ----   ----                   -------\n"
        "  Normal  SuccessfulCreate  4m58s  replicaset-controller  Created pod: nginx-7c5ddbdf54-2xlrd\n"
    )


def test_describe_service_lists_the_ready_endpoints_of_each_port(kubectl):
    assert kubectl("describe svc nginx") == (
        "Name:                     nginx\n"
        "Namespace:                default\n"
        "Labels:                   app=nginx\n"
        "Annotations:              <none>\n"
        "Selector:                 app=nginx\n"
        "Type:                     ClusterIP\n"
        "IP Family Policy:         SingleStack\n"
        "IP Families:              IPv4\n"
        "IP:                       10.96.142.7\n"
        "IPs:                      10.96.142.7\n"
        "Port:                     http  80/TCP\n"
        "TargetPort:               80/TCP\n"
        "Endpoints:                10.244.1.2:80,10.244.2.2:80\n"
        "Session Affinity:         None\n"
        "Internal Traffic Policy:  Cluster\n"
        "Events:                   <none>\n"
    )


def test_describe_endpoints_splits_ready_and_not_ready_addresses(kubectl):
    assert kubectl("describe ep nginx") == (
        "Name:         nginx\n"
        "Namespace:    default\n"
        "Labels:       app=nginx\n"
        "Annotations:  <none>\n"
        "Subsets:\n"
        "  Addresses:          10.244.1.2,10.244.2.2\n"
        "  NotReadyAddresses:  <none>\n"
        "  Ports:\n"
        "    Name  Port  Protocol\n"
        "    ----  ----  --------\n"
        "    http  80    TCP\n"
        "\n"
        "Events:  <none>\n"
    )


def test_describe_node_shows_taints_capacity_and_what_runs_there(kubectl):
    """kubelab serves no Lease objects yet, so the Lease line says what kubectl says when it cannot get one."""
    assert kubectl("describe node node-3") == (
        "Name:               node-3\n"
        "Roles:              <none>\n"
        "Labels:             kubernetes.io/hostname=node-3\n"
        "                    kubernetes.io/os=linux\n"
        "Annotations:        <none>\n"
        "CreationTimestamp:  Wed, 01 Jan 2025 00:00:00 +0000\n"
        "Taints:             node.kubernetes.io/unschedulable:NoSchedule\n"
        "Unschedulable:      true\n"
        "Lease:              Failed to get lease: the server could not find the requested resource\n"
        "Conditions:\n"
        "  Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason         Message\n"
        "  ----    ------  -----------------                 ------------------                ------         -------\n"
        "  Ready   True    Wed, 01 Jan 2025 00:04:50 +0000   Wed, 01 Jan 2025 00:00:05 +0000   KubeletReady   kubelet is posting ready status\n"
        "Addresses:\n"
        "  InternalIP:  172.18.0.4\n"
        "  Hostname:    node-3\n"
        "Capacity:\n"
        "  cpu:                2\n"
        "  ephemeral-storage:  20Gi\n"
        "  memory:             4Gi\n"
        "  pods:               110\n"
        "Allocatable:\n"
        "  cpu:                2\n"
        "  ephemeral-storage:  20Gi\n"
        "  memory:             4Gi\n"
        "  pods:               110\n"
        "System Info:\n"
        "  Machine ID:                 m-node-3\n"
        "  System UUID:                s-node-3\n"
        "  Boot ID:                    b-node-3\n"
        "  Kernel Version:             6.1.0-kubelab\n"
        "  OS Image:                   kubelab simulated Linux\n"
        "  Operating System:           linux\n"
        "  Architecture:               amd64\n"
        "  Container Runtime Version:  kubelab://1.0\n"
        "  Kubelet Version:            v1.32.0\n"
        "  Kube-Proxy Version:         \n"
        "PodCIDR:                      10.244.4.0/24\n"
        "Non-terminated Pods:          (1 in total)\n"
        "  Namespace                   Name                      CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age\n"
        "  ---------                   ----                      ------------  ----------  ---------------  -------------  ---\n"
        "  default                     nginx-7c5ddbdf54-q9zfk    100m (5%)     0 (0%)      64Mi (1%)        128Mi (3%)     4m58s\n"
        "Allocated resources:\n"
        "  (Total limits may be over 100 percent, i.e., overcommitted.)\n"
        "  Resource           Requests   Limits\n"
        "  --------           --------   ------\n"
        "  cpu                100m (5%)  0 (0%)\n"
        "  memory             64Mi (1%)  128Mi (3%)\n"
        "  ephemeral-storage  0 (0%)     0 (0%)\n"
        "Events:\n"
        "  Type    Reason              Age    From     Message\n"
        "  ----    ------              ----   ----     -------\n"
        "  Normal  NodeNotSchedulable  3m20s  kubelet  Node node-3 status is now: NodeNotSchedulable\n"
    )


def test_describe_namespace(kubectl):
    assert kubectl("describe ns default") == (
        "Name:         default\n"
        "Labels:       kubernetes.io/metadata.name=default\n"
        "Annotations:  <none>\n"
        "Status:       Active\n"
    )


def test_describe_several_objects_separates_them_with_two_blank_lines(kubectl):
    text = kubectl("describe pods")
    assert text.count("\n\n\nName:") == 2
    assert text.startswith("Name:         nginx-7c5ddbdf54-2xlrd\n")


def test_describe_a_name_prefix_describes_every_match(kubectl):
    """No pod is called exactly `nginx`, so kubectl describes the pods whose names start with it."""
    text = kubectl("describe pod nginx")
    assert [line.split()[1] for line in text.splitlines() if line.startswith("Name:")] == [
        "nginx-7c5ddbdf54-2xlrd", "nginx-7c5ddbdf54-8vtqm", "nginx-7c5ddbdf54-q9zfk"]
    assert "\n\nName:" in text and "\n\n\nName:" not in text


def test_describe_a_missing_object(kubectl):
    assert kubectl("describe deploy nope") == 'Error from server (NotFound): deployments.apps "nope" not found\n'


def test_describe_without_events(kubectl):
    text = kubectl("describe pod nginx-7c5ddbdf54-2xlrd --show-events=false")
    assert "Events" not in text
    assert text.endswith("                              node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n")


def test_describe_asks_for_events_by_the_objects_name(small_cluster, kubectl):
    kubectl("describe rs nginx-7c5ddbdf54")
    assert ("list", "events", "default", None, "involvedObject.name=nginx-7c5ddbdf54") in small_cluster.requests
