"""`kubectl cordon`/`uncordon`, `kubectl taint` and `kubectl top`: a learner takes care of nodes."""


def test_cordon_then_uncordon_a_node(kubectl, small_cluster):
    assert kubectl("cordon node-2") == "node/node-2 cordoned\n"
    assert small_cluster.get("nodes", "node-2")["spec"]["unschedulable"] is True
    assert kubectl("cordon node-2") == "node/node-2 already cordoned\n"
    assert kubectl("uncordon node-2") == "node/node-2 uncordoned\n"
    assert "unschedulable" not in small_cluster.get("nodes", "node-2")["spec"]
    assert kubectl("uncordon node-2") == "node/node-2 already uncordoned\n"


def test_cordon_refusals(kubectl):
    assert kubectl("cordon") == "error: USAGE: cordon NODE [flags]\nSee 'kubectl cordon -h' for help and examples\n"
    assert kubectl("uncordon") == \
        "error: USAGE: uncordon NODE [flags]\nSee 'kubectl uncordon -h' for help and examples\n"
    assert kubectl("cordon nope") == 'Error from server (NotFound): nodes "nope" not found\n'


def test_taint_a_node_then_remove_it(kubectl, small_cluster):
    assert kubectl("taint nodes node-2 dedicated=gpu:NoSchedule") == "node/node-2 tainted\n"
    assert small_cluster.get("nodes", "node-2")["spec"]["taints"] == \
        [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    assert kubectl("taint nodes node-2 dedicated=cpu:NoSchedule") == \
        "error: Node node-2 already has dedicated taint(s) with same effect(s) and --overwrite is false\n"
    assert kubectl("taint node/node-2 dedicated=cpu:NoSchedule --overwrite") == "node/node-2 tainted\n"
    assert small_cluster.get("nodes", "node-2")["spec"]["taints"][0]["value"] == "cpu"
    assert kubectl("taint nodes node-2 dedicated:NoSchedule-") == "node/node-2 untainted\n"
    assert "taints" not in small_cluster.get("nodes", "node-2")["spec"]
    assert kubectl("taint nodes node-2 dedicated:NoSchedule-") == 'error: taint "dedicated:NoSchedule" not found\n'


def test_taint_refusals_name_the_bad_part(kubectl):
    assert kubectl("taint nodes node-1 a=b:Bad") == \
        "error: invalid taint effect: Bad, unsupported taint effect\nSee 'kubectl taint -h' for help and examples\n"
    assert kubectl("taint nodes node-1") == "error: at least one taint update is required\n"
    assert kubectl("taint nodes node-1 a=b=c:NoSchedule") == \
        "error: invalid taint spec: a=b=c:NoSchedule\nSee 'kubectl taint -h' for help and examples\n"
    assert kubectl("taint nodes node-1 a=b").startswith(
        "error: invalid taint spec: a=b, name part must consist of alphanumeric characters")
    assert kubectl("taint nodes node-1 a=b:NoSchedule a:NoSchedule") == (
        "error: duplicated taints with the same key and effect: {a  NoSchedule <nil>}\n"
        "See 'kubectl taint -h' for help and examples\n")


def test_top_says_there_is_no_metrics_api(kubectl):
    assert kubectl("top pods") == "error: Metrics API not available\n"
    assert kubectl("top nodes") == "error: Metrics API not available\n"
