"""`kubectl get`: the tables, lists and errors, against a hand-built cluster at a fixed time.

The expected texts were compared byte for byte with the real kubectl v1.32 reading the same
objects (through a throwaway HTTP facade over the fake client), so they pin kubectl's exact
columns, spacing and words.
"""


def test_get_pods_shows_ready_status_restarts_and_age(kubectl):
    """A pod whose image is still being pulled reads ContainerCreating; a restart says how long ago."""
    assert kubectl("get pods") == (
        "NAME                     READY   STATUS              RESTARTS      AGE\n"
        "nginx-7c5ddbdf54-2xlrd   1/1     Running             1 (45s ago)   4m58s\n"
        "nginx-7c5ddbdf54-8vtqm   1/1     Running             0             4m58s\n"
        "nginx-7c5ddbdf54-q9zfk   0/1     ContainerCreating   0             4m58s\n"
    )


def test_get_pods_wide_shows_ip_and_node(kubectl):
    assert kubectl("get pods -o wide") == (
        "NAME                     READY   STATUS              RESTARTS      AGE     IP           NODE     NOMINATED NODE   READINESS GATES\n"
        "nginx-7c5ddbdf54-2xlrd   1/1     Running             1 (45s ago)   4m58s   10.244.1.2   node-1   <none>           <none>\n"
        "nginx-7c5ddbdf54-8vtqm   1/1     Running             0             4m58s   10.244.2.2   node-2   <none>           <none>\n"
        "nginx-7c5ddbdf54-q9zfk   0/1     ContainerCreating   0             4m58s   <none>       node-3   <none>           <none>\n"
    )


def test_get_all_prints_one_table_per_type_with_kind_prefixes(kubectl):
    assert kubectl("get all") == (
        "NAME                         READY   STATUS              RESTARTS      AGE\n"
        "pod/nginx-7c5ddbdf54-2xlrd   1/1     Running             1 (45s ago)   4m58s\n"
        "pod/nginx-7c5ddbdf54-8vtqm   1/1     Running             0             4m58s\n"
        "pod/nginx-7c5ddbdf54-q9zfk   0/1     ContainerCreating   0             4m58s\n"
        "\n"
        "NAME            TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)   AGE\n"
        "service/nginx   ClusterIP   10.96.142.7   <none>        80/TCP    5m\n"
        "\n"
        "NAME                    READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "deployment.apps/nginx   2/3     3            2           5m\n"
        "\n"
        "NAME                               DESIRED   CURRENT   READY   AGE\n"
        "replicaset.apps/nginx-7c5ddbdf54   3         3         2       4m59s\n"
    )


def test_get_deployments_wide_shows_containers_images_and_selector(kubectl):
    assert kubectl("get deploy -o wide") == (
        "NAME    READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR\n"
        "nginx   2/3     3            2           5m    nginx        nginx:1.27   app=nginx\n"
    )


def test_get_replicasets_wide_shows_the_hash_in_the_selector(kubectl):
    assert kubectl("get rs -o wide") == (
        "NAME               DESIRED   CURRENT   READY   AGE     CONTAINERS   IMAGES       SELECTOR\n"
        "nginx-7c5ddbdf54   3         3         2       4m59s   nginx        nginx:1.27   app=nginx,pod-template-hash=7c5ddbdf54\n"
    )


def test_get_services_wide_shows_the_selector(kubectl):
    assert kubectl("get svc -o wide") == (
        "NAME    TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)   AGE   SELECTOR\n"
        "nginx   ClusterIP   10.96.142.7   <none>        80/TCP    5m    app=nginx\n"
    )


def test_get_endpoints_lists_ready_addresses_with_ports(kubectl):
    assert kubectl("get ep") == (
        "NAME    ENDPOINTS                     AGE\n"
        "nginx   10.244.1.2:80,10.244.2.2:80   5m\n"
    )


def test_get_nodes_shows_roles_and_a_cordoned_node(kubectl):
    assert kubectl("get nodes") == (
        "NAME     STATUS                     ROLES           AGE   VERSION\n"
        "node-1   Ready                      control-plane   5m    v1.32.0\n"
        "node-2   Ready                      <none>          5m    v1.32.0\n"
        "node-3   Ready,SchedulingDisabled   <none>          5m    v1.32.0\n"
    )


def test_get_nodes_wide_shows_addresses_and_system_info(kubectl):
    assert kubectl("get nodes -o wide") == (
        "NAME     STATUS                     ROLES           AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                  KERNEL-VERSION   CONTAINER-RUNTIME\n"
        "node-1   Ready                      control-plane   5m    v1.32.0   172.18.0.2    <none>        kubelab simulated Linux   6.1.0-kubelab    kubelab://1.0\n"
        "node-2   Ready                      <none>          5m    v1.32.0   172.18.0.3    <none>        kubelab simulated Linux   6.1.0-kubelab    kubelab://1.0\n"
        "node-3   Ready,SchedulingDisabled   <none>          5m    v1.32.0   172.18.0.4    <none>        kubelab simulated Linux   6.1.0-kubelab    kubelab://1.0\n"
    )


def test_get_namespaces(kubectl):
    assert kubectl("get ns") == (
        "NAME              STATUS   AGE\n"
        "default           Active   5m\n"
        "kube-node-lease   Active   5m\n"
        "kube-public       Active   5m\n"
        "kube-system       Active   5m\n"
    )


def test_get_events_names_each_object_by_kind(kubectl):
    assert kubectl("get events") == (
        "LAST SEEN   TYPE     REASON               OBJECT                        MESSAGE\n"
        "4m58s       Normal   Scheduled            pod/nginx-7c5ddbdf54-2xlrd    Successfully assigned default/nginx-7c5ddbdf54-2xlrd to node-1\n"
        '45s         Normal   Pulled               pod/nginx-7c5ddbdf54-2xlrd    Container image "nginx:1.27" already present on machine\n'
        "44s         Normal   Started              pod/nginx-7c5ddbdf54-2xlrd    Started container nginx\n"
        '4m57s       Normal   Pulling              pod/nginx-7c5ddbdf54-q9zfk    Pulling image "nginx:1.27"\n'
        "4m58s       Normal   SuccessfulCreate     replicaset/nginx-7c5ddbdf54   Created pod: nginx-7c5ddbdf54-2xlrd\n"
        "4m59s       Normal   ScalingReplicaSet    deployment/nginx              Scaled up replica set nginx-7c5ddbdf54 to 3\n"
        "3m20s       Normal   NodeNotSchedulable   node/node-3                   Node node-3 status is now: NodeNotSchedulable\n"
    )


def test_get_all_namespaces_adds_a_namespace_column_and_show_labels_a_labels_column(kubectl):
    assert kubectl("get pods -A --show-labels") == (
        "NAMESPACE   NAME                     READY   STATUS              RESTARTS      AGE     LABELS\n"
        "default     nginx-7c5ddbdf54-2xlrd   1/1     Running             1 (45s ago)   4m58s   app=nginx,pod-template-hash=7c5ddbdf54\n"
        "default     nginx-7c5ddbdf54-8vtqm   1/1     Running             0             4m58s   app=nginx,pod-template-hash=7c5ddbdf54\n"
        "default     nginx-7c5ddbdf54-q9zfk   0/1     ContainerCreating   0             4m58s   app=nginx,pod-template-hash=7c5ddbdf54\n"
    )


def test_get_by_label_selector(kubectl):
    assert kubectl("get nodes -l node-role.kubernetes.io/control-plane") == (
        "NAME     STATUS   ROLES           AGE   VERSION\n"
        "node-1   Ready    control-plane   5m    v1.32.0\n"
    )


def test_get_sort_by_a_field_puts_objects_without_it_first(kubectl):
    assert kubectl("get pods -o wide --sort-by=.status.podIP") == (
        "NAME                     READY   STATUS              RESTARTS      AGE     IP           NODE     NOMINATED NODE   READINESS GATES\n"
        "nginx-7c5ddbdf54-q9zfk   0/1     ContainerCreating   0             4m58s   <none>       node-3   <none>           <none>\n"
        "nginx-7c5ddbdf54-2xlrd   1/1     Running             1 (45s ago)   4m58s   10.244.1.2   node-1   <none>           <none>\n"
        "nginx-7c5ddbdf54-8vtqm   1/1     Running             0             4m58s   10.244.2.2   node-2   <none>           <none>\n"
    )


def test_get_in_an_empty_namespace_says_no_resources_found(kubectl):
    assert kubectl("get pods -n kube-system") == "No resources found in kube-system namespace.\n"
    assert kubectl("get pods -A -l app=none") == "No resources found\n"


def test_get_output_name_prints_kind_and_group(kubectl):
    assert kubectl("get deploy,rs,svc -o name") == (
        "deployment.apps/nginx\nreplicaset.apps/nginx-7c5ddbdf54\nservice/nginx\n")


def test_get_one_object_as_yaml_prints_the_object_itself(kubectl):
    text = kubectl("get svc nginx -o yaml")
    assert text.startswith("apiVersion: v1\nkind: Service\nmetadata:\n  creationTimestamp: \"2025-01-01T00:00:00Z\"\n")
    assert "  clusterIPs:\n  - 10.96.142.7\n" in text
    assert text.endswith("status:\n  loadBalancer: {}\n")


def test_get_a_type_as_yaml_prints_a_list_even_for_one_item(kubectl):
    text = kubectl("get svc -o yaml")
    assert text.startswith("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Service\n")
    assert text.endswith("kind: List\nmetadata:\n  resourceVersion: \"\"\n")


def test_get_nothing_as_json_prints_an_empty_list(kubectl):
    assert kubectl("get pods -n kube-system -o json") == (
        '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n'
        '    "metadata": {\n        "resourceVersion": ""\n    }\n}\n')


def test_get_a_missing_pod_is_an_error_from_the_server(kubectl):
    assert kubectl("get pod nope") == 'Error from server (NotFound): pods "nope" not found\n'
    assert kubectl("get deploy/nope") == 'Error from server (NotFound): deployments.apps "nope" not found\n'


def test_get_prints_what_it_found_before_the_names_it_did_not(kubectl):
    assert kubectl("get deploy/nginx svc/nope") == (
        "NAME    READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "nginx   2/3     3            2           5m\n"
        'Error from server (NotFound): services "nope" not found\n')


def test_get_an_unknown_resource_type(kubectl):
    assert kubectl("get foo") == 'error: the server doesn\'t have a resource type "foo"\n'


def test_get_accepts_every_spelling_of_a_type(kubectl):
    expected = kubectl("get deployments")
    for spelling in ("deploy", "deployment", "Deployments", "deployments.apps", "deployment.v1.apps"):
        assert kubectl(f"get {spelling}") == expected


def test_all_namespaces_keeps_the_namespace_column_on_for_nodes_listed_after_pods(kubectl):
    """A kubectl 1.32 quirk, kept: once a namespaced table turned NAMESPACE on, it stays on."""
    assert kubectl("get pods,nodes -A").split("\n\n")[1].splitlines()[:2] == [
        "NAMESPACE   NAME          STATUS                     ROLES           AGE   VERSION",
        "            node/node-1   Ready                      control-plane   5m    v1.32.0"]
    assert kubectl("get nodes -A").startswith("NAME     STATUS")
