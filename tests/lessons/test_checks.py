"""Each exercise's check against plausible wrong answers: every one refused, with the hint the
learner would read; the solution (taken from lessons/*.py, as solutions/ has it) passes; the
untouched gap says what to do. A new exercise adds its wrong answers here the same way."""
import json
import re
import time
from pathlib import Path

import pytest

from kubelab.apiserver.admission import AdmissionPlugin
from kubelab.checks import ExerciseNotDone, ExerciseWrong, check_add_replicas, check_reader_policy, \
    check_require_team_label
from kubelab.store import Compare, Op

ROOT = Path(__file__).resolve().parents[2]


def solution_of(lesson: str, exercise_id: str, defines: str):
    """The solution's definition of `defines`, from the lesson's source (gap filled)."""
    source = next((ROOT / "lessons").glob(f"{lesson}-*.py")).read_text()
    cell = next(text for text in source.split("# %%") if f"# BEGIN SOLUTION {exercise_id}" in text)
    code = re.sub(r"^\s*# (BEGIN|END) SOLUTION.*$", "", cell, flags=re.M)
    namespace = {"json": json}
    exec(code.split("\n", 1)[1], namespace)
    return namespace[defines]


def gap(*args, **kwargs):
    raise NotImplementedError("TODO(ex N.M): your code here")


# -- ex 1.1: add_replicas --------------------------------------------------------------------
def plain_put(store, key, how_many=1):
    deployment = json.loads(store.get(key).value)
    deployment["spec"]["replicas"] += how_many
    store.put(key, json.dumps(deployment))


def compare_once(store, key, how_many=1):
    kv = store.get(key)
    deployment = json.loads(kv.value)
    deployment["spec"]["replicas"] += how_many
    store.txn([Compare(key, "mod", "=", kv.mod_revision)], [Op.put(key, json.dumps(deployment))])


def retry_without_reading_again(store, key, how_many=1):
    kv = store.get(key)
    deployment = json.loads(kv.value)
    deployment["spec"]["replicas"] += how_many
    while not store.txn([Compare(key, "mod", "=", kv.mod_revision)], [Op.put(key, json.dumps(deployment))]).succeeded:
        pass


def always_adds_one(store, key, how_many=1):
    while True:
        kv = store.get(key)
        deployment = json.loads(kv.value)
        deployment["spec"]["replicas"] += 1
        if store.txn([Compare(key, "mod", "=", kv.mod_revision)], [Op.put(key, json.dumps(deployment))]).succeeded:
            return


def falls_back_to_put(store, key, how_many=1):
    kv = store.get(key)
    deployment = json.loads(kv.value)
    deployment["spec"]["replicas"] += how_many
    if not store.txn([Compare(key, "mod", "=", kv.mod_revision)], [Op.put(key, json.dumps(deployment))]).succeeded:
        deployment = json.loads(store.get(key).value)
        deployment["spec"]["replicas"] += how_many
        store.put(key, json.dumps(deployment))


def reads_value_as_dict(store, key, how_many=1):
    kv = store.get(key)
    kv.value["spec"]["replicas"] += how_many


@pytest.mark.parametrize("answer, hint", [
    (plain_put, r"lost update on a Deployment with 1 replica and one racing writer: another writer added 10"),
    (compare_once, r"your transaction was refused .* gave up: read the key again and retry, in a loop"),
    (retry_without_reading_again, r"retry_without_reading_again did not finish within 2 s on .*: a loop that "
                                  r"never ends\? A retry must read again"),
    (always_adds_one, r"on a Deployment with 0 replicas, adding 3, nobody racing: expected replicas 0 \+ 0 "
                      r"\(other writers\) \+ 3 \(you\) = 3, found 1"),
    (falls_back_to_put, r"a plain store.put was used"),
    (reads_value_as_dict, r"reads_value_as_dict crashed on a Deployment with 1 replica and one racing writer: "
                          r"TypeError"),
])
def test_ex_1_1_refuses_a_wrong_answer_with_a_hint(answer, hint):
    started = time.monotonic()
    with pytest.raises(ExerciseWrong, match=hint):
        check_add_replicas(answer)
    assert time.monotonic() - started < 10   # the endless loop was stopped


def test_ex_1_1_the_solution_passes_and_the_gap_says_what_to_do():
    assert check_add_replicas(solution_of("01", "ex 1.1", "add_replicas")).startswith("✓ ex 1.1")
    with pytest.raises(ExerciseNotDone, match=r"ex 1.1 is not solved yet \(TODO\(ex N.M\).*store.txn"):
        check_add_replicas(gap)


# -- ex 2.1: RequireTeamLabel ----------------------------------------------------------------
def plugin(validate, operations=("CREATE",), resources=("pods",)):
    return type("RequireTeamLabel", (AdmissionPlugin,), {
        "name": "RequireTeamLabel", "operations": operations, "resources": resources, "validate": validate})


def _labels(attributes):
    return attributes.object["metadata"].get("labels") or {}


def checks_the_app_label(self, attributes):
    if "app" not in _labels(attributes):
        attributes.forbid("every pod needs a team label")


def crashes_without_labels(self, attributes):
    if "team" not in attributes.object["metadata"]["labels"]:
        attributes.forbid("every pod needs a team label")


def refuses_everything(self, attributes):
    attributes.forbid("every pod needs a team label")


def refuses_an_empty_team(self, attributes):
    if not _labels(attributes).get("team"):
        attributes.forbid("every pod needs a team label")


def right_rule(self, attributes):
    if "team" not in _labels(attributes):
        attributes.forbid("every pod needs a team label")


def says_something_else(self, attributes):
    if "team" not in _labels(attributes):
        attributes.forbid("no")


def loops_forever(self, attributes):
    while "team" not in _labels(attributes):
        pass


@pytest.mark.parametrize("answer, hint", [
    (plugin(checks_the_app_label), r"a pod labelled app=web but no team was admitted"),
    (plugin(crashes_without_labels), r"your RequireTeamLabel crashed on a pod with no labels at all: KeyError: "
                                     r"'labels'"),
    (plugin(refuses_everything), r"a pod labelled team=blue was refused .* nothing more"),
    (plugin(refuses_an_empty_team), r"a pod labelled team= \(an empty value is still a label\) was refused"),
    (plugin(right_rule, resources=("pods", "configmaps")), r"a pod labelled team=blue was admitted|"
                                                           r"a ConfigMap \(not a pod\) was refused"),
    (plugin(right_rule, operations=("CREATE", "UPDATE")), r"updating a pod that existed before the plugin was "
                                                          r"refused .* operations = \(\"CREATE\",\)"),
    (plugin(says_something_else), r"should be refused with 403 and the message 'every pod needs a team label'"),
    (plugin(loops_forever), r"your RequireTeamLabel did not finish within 2 s on a pod labelled app=web"),
])
def test_ex_2_1_refuses_a_wrong_answer_with_a_hint(answer, hint):
    with pytest.raises(ExerciseWrong, match=hint):
        check_require_team_label(answer)


def test_ex_2_1_the_solution_passes_and_the_gap_says_what_to_do():
    solved = solution_of("02", "ex 2.1", "RequireTeamLabel")
    assert check_require_team_label(solved).startswith("✓ ex 2.1")
    with pytest.raises(ExerciseNotDone, match=r"ex 2.1 is not solved yet .*attributes.forbid"):
        check_require_team_label(plugin(gap))


# -- ex 2.2: reader_policy ---------------------------------------------------------------------
ROLE = """apiVersion: rbac.authorization.k8s.io/v1
kind: {kind}
metadata: {{name: pod-reader, namespace: {namespace}}}
rules: [{{apiGroups: {groups}, resources: {resources}, verbs: {verbs}}}]
"""
BINDING = """apiVersion: rbac.authorization.k8s.io/v1
kind: {kind}
metadata: {{name: reader-reads-pods, namespace: {namespace}}}
subjects: [{subject}]
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}}
"""
READER = "{kind: ServiceAccount, name: reader, namespace: default}"


def policy(kind="Role", namespace="default", groups='[""]', resources="[pods]", verbs="[get, list, watch]",
           binding="RoleBinding", subject=READER):
    role = ROLE.format(kind=kind, namespace=namespace, groups=groups, resources=resources, verbs=verbs)
    bound = BINDING.format(kind=binding, namespace=namespace, subject=subject)
    return lambda: role + "---\n" + bound


@pytest.mark.parametrize("answer, hint", [
    (policy(verbs='["*"]'), r"the rule's verbs is \['\*'\]; exactly \['get', 'list', 'watch'\] was asked"),
    (policy(verbs="[get, list, watch, delete]"), r"the rule's verbs is .*'delete'.*exactly"),
    (policy(resources="[pods, pods/log]"), r"the rule's resources is \['pods', 'pods/log'\]"),
    (policy(groups='["*"]'), r"the rule's apiGroups is \['\*'\]"),
    (policy(binding="ClusterRoleBinding"), r"a ClusterRoleBinding grants in every namespace"),
    (policy(subject="{kind: Group, name: 'system:serviceaccounts', apiGroup: rbac.authorization.k8s.io}"),
     r"another service account \(default/other\) may list pods too"),
    (policy(namespace="kube-system"), r"the reader cannot list pods in default"),
    (policy(verbs="[get, watch]"), r"the rule's verbs is \['get', 'watch'\]"),
    (lambda: "", r"reader_policy\(\) returned nothing"),
    (lambda: "kind: Role\n  bad: [", r"reader_policy\(\) did not return valid YAML"),
])
def test_ex_2_2_refuses_a_wrong_answer_with_a_hint(answer, hint):
    with pytest.raises(ExerciseWrong, match=hint):
        check_reader_policy(answer)


def test_ex_2_2_the_solution_passes_and_the_gap_says_what_to_do():
    assert check_reader_policy(solution_of("02", "ex 2.2", "reader_policy")).startswith("✓ ex 2.2")
    assert check_reader_policy(policy()).startswith("✓ ex 2.2")     # the same, written another way
    with pytest.raises(ExerciseNotDone, match=r"ex 2.2 is not solved yet .*RoleBinding"):
        check_reader_policy(gap)
