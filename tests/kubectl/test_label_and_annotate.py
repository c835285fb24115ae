"""`kubectl label` and `kubectl annotate`: a learner tags objects, changes and removes the tags."""


def test_label_a_pod_then_change_it_only_with_overwrite(kubectl, small_cluster):
    pod = "nginx-7c5ddbdf54-8vtqm"
    assert kubectl(f"label pod {pod} tier=web") == f"pod/{pod} labeled\n"
    assert small_cluster.get("pods", pod)["metadata"]["labels"]["tier"] == "web"
    assert kubectl(f"label pod/{pod} tier=db") == \
        "error: 'tier' already has a value (web), and --overwrite is false\n"
    assert kubectl(f"label pod/{pod} tier=web") == f"pod/{pod} not labeled\n"
    assert kubectl(f"label pod/{pod} tier=db --overwrite") == f"pod/{pod} labeled\n"
    assert small_cluster.get("pods", pod)["metadata"]["labels"]["tier"] == "db"
    assert kubectl(f"label pod {pod} tier-") == f"pod/{pod} unlabeled\n"
    assert "tier" not in small_cluster.get("pods", pod)["metadata"]["labels"]
    assert kubectl(f"label pod {pod} tier-") == f'label "tier" not found.\npod/{pod} not labeled\n'


def test_label_every_pod_a_selector_or_all_picks(kubectl, small_cluster):
    assert kubectl("label pods -l app=nginx tier=web") == (
        "pod/nginx-7c5ddbdf54-2xlrd labeled\npod/nginx-7c5ddbdf54-8vtqm labeled\n"
        "pod/nginx-7c5ddbdf54-q9zfk labeled\n")
    assert kubectl("label nodes --all zone=a").count(" labeled\n") == \
        len(small_cluster.list("nodes")["items"])


def test_label_refusals_are_one_line(kubectl):
    assert kubectl("label pod web") == "error: at least one label update is required\n"
    assert kubectl("label pod web a=b a-") == "error: can not both modify and remove a label in the same command\n"
    assert kubectl("label pod web a=b=c") == "error: invalid label spec: a=b=c\n"
    assert kubectl("label pods a=b") == "error: resource(s) were provided, but no name was specified\n"
    assert kubectl("label pod nope a=b") == 'Error from server (NotFound): pods "nope" not found\n'


def test_annotate_a_deployment(kubectl, small_cluster):
    assert kubectl("annotate deploy nginx note=hello") == "deployment.apps/nginx annotated\n"
    assert small_cluster.get("deployments", "nginx")["metadata"]["annotations"]["note"] == "hello"
    assert kubectl("annotate deploy nginx note=bye") == \
        "error: 'note' already has a value (hello), and --overwrite is false\n"
    assert kubectl("annotate deploy nginx note-") == "deployment.apps/nginx annotated\n"
    assert "note" not in small_cluster.get("deployments", "nginx")["metadata"]["annotations"]
    assert kubectl("annotate deploy nginx") == "error: at least one annotation update is required\n"
