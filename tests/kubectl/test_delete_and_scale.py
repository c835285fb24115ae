"""`kubectl delete` and `kubectl scale`: one line per object, errors worded as kubectl words them."""


def test_delete_by_name_says_deleted_with_the_group(kubectl, small_cluster):
    assert kubectl("delete deploy nginx") == 'deployment.apps "nginx" deleted\n'
    assert kubectl("delete pod/nginx-7c5ddbdf54-8vtqm svc/nginx") == \
        'pod "nginx-7c5ddbdf54-8vtqm" deleted\nservice "nginx" deleted\n'
    assert ("delete", "deployments", "default", "nginx") in small_cluster.requests


def test_delete_reports_missing_names_after_deleting_the_others(kubectl):
    assert kubectl("delete pod nope nginx-7c5ddbdf54-8vtqm") == (
        'pod "nginx-7c5ddbdf54-8vtqm" deleted\n'
        'Error from server (NotFound): pods "nope" not found\n')
    assert kubectl("delete pod nope --ignore-not-found") == ""


def test_delete_by_label_selector_or_all(kubectl):
    assert kubectl("delete pods -l app=nginx") == (
        'pod "nginx-7c5ddbdf54-2xlrd" deleted\npod "nginx-7c5ddbdf54-8vtqm" deleted\n'
        'pod "nginx-7c5ddbdf54-q9zfk" deleted\n')
    assert kubectl("delete pods --all") == "No resources found\n"


def test_delete_needs_names_a_selector_or_all(kubectl):
    assert kubectl("delete pods") == "error: resource(s) were provided, but no name was specified\n"
    assert kubectl("delete") == (
        "error: You must provide one or more resources by argument or filename.\n"
        "Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n"
        "   '<resource> <name>'\n   '<resource>'\n")


def test_force_delete_warns_that_it_does_not_wait(kubectl):
    assert kubectl("delete pod nginx-7c5ddbdf54-8vtqm --grace-period=0 --force") == (
        "Warning: Immediate deletion does not wait for confirmation that the running resource has been "
        "terminated. The resource may continue to run on the cluster indefinitely.\n"
        'pod "nginx-7c5ddbdf54-8vtqm" force deleted\n')


def test_delete_what_a_file_names(live_kubectl):
    manifest = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n"
    live_kubectl("apply -f -", stdin=manifest)
    assert live_kubectl("delete -f -", stdin=manifest) == 'service "web" deleted\n'
    assert live_kubectl("delete -f -", stdin=manifest) == \
        'Error from server (NotFound): error when deleting "STDIN": services "web" not found\n'


def test_scale_patches_spec_replicas(kubectl, small_cluster):
    assert kubectl("scale deployment/nginx --replicas=5") == "deployment.apps/nginx scaled\n"
    assert small_cluster.get("deployments", "nginx")["spec"]["replicas"] == 5
    assert kubectl("scale rs nginx-7c5ddbdf54 --replicas 0") == "replicaset.apps/nginx-7c5ddbdf54 scaled\n"
    assert small_cluster.get("replicasets", "nginx-7c5ddbdf54")["spec"]["replicas"] == 0


def test_scale_refusals(kubectl):
    assert kubectl("scale deploy nginx") == 'error: required flag(s) "replicas" not set\n'
    assert kubectl("scale deploy nginx --replicas=-2") == (
        "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n")
    assert kubectl("scale deploy nope --replicas=2") == \
        'error: no objects passed to scale deployments.apps "nope" not found\n'
    assert kubectl("scale deploy nginx --replicas=x") == (
        'Error: invalid argument "x" for "--replicas" flag: strconv.ParseInt: parsing "x": invalid syntax\n'
        "See 'kubectl scale --help' for usage.\n")


def test_scale_through_the_api_server_bumps_the_generation(live_kubectl, client):
    manifest = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n"
                "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
                "    spec: {containers: [{name: web, image: nginx}]}\n")
    live_kubectl("apply -f -", stdin=manifest)
    assert live_kubectl("scale deploy web --replicas=3") == "deployment.apps/web scaled\n"
    deployment = client.get("deployments", "web")
    assert (deployment["spec"]["replicas"], deployment["metadata"]["generation"]) == (3, 2)

