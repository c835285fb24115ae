"""`kubectl auth can-i`: SelfSubjectAccessReview answers exactly as the real request would go."""
import pytest

from kubelab.client import ApiError

ROLE = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "pod-reader", "namespace": "default"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
                  {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["update"],
                   "resourceNames": ["settings"]},
                  {"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["patch"]}]}
BINDING = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
           "metadata": {"name": "read-pods", "namespace": "default"},
           "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "default"}],
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"}}


def can_i(client, verb, resource, namespace="default", group="", name="", subresource=""):
    attributes = {"namespace": namespace, "verb": verb, "group": group, "resource": resource}
    attributes.update({k: v for k, v in {"name": name, "subresource": subresource}.items() if v})
    review = client._call("create", "selfsubjectaccessreviews",
                          body={"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                                "spec": {"resourceAttributes": attributes}})
    return review["status"]["allowed"]


QUESTIONS = [  # (verb, resource, namespace, group, name, subresource) -> expected
    (("list", "pods"), True), (("get", "pods", "default", "", "web"), True), (("watch", "pods"), True),
    (("delete", "pods"), False), (("create", "pods"), False), (("list", "pods", "kube-system"), False),
    (("list", "secrets"), False), (("update", "configmaps", "default", "", "settings"), True),
    (("update", "configmaps", "default", "", "other"), False),
    (("patch", "deployments", "default", "apps", "web", "scale"), True),
    (("patch", "deployments", "default", "apps", "web"), False),
    (("get", "pods", "default", "", "web", "log"), False),
]


@pytest.mark.parametrize("question,expected", QUESTIONS, ids=lambda q: " ".join(q) if isinstance(q, tuple) else "")
def test_can_i_answers_match_the_rules(plane, question, expected):
    reader = plane.service_account("default", "reader")
    plane.admin.create("roles", ROLE)
    plane.admin.create("rolebindings", BINDING)
    assert can_i(reader, *question) is expected


def test_can_i_matches_what_the_request_itself_gets(plane):
    reader = plane.service_account("default", "reader")
    plane.admin.create("roles", ROLE)
    plane.admin.create("rolebindings", BINDING)
    assert can_i(reader, "list", "pods") and reader.list("pods", "default")
    assert not can_i(reader, "delete", "pods", name="web")
    with pytest.raises(ApiError) as refused:
        reader.delete("pods", "web", "default")
    assert refused.value.code == 403


def test_the_admin_can_do_anything_and_says_why(plane):
    review = plane.admin._call("create", "selfsubjectaccessreviews", body={
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": "*", "resource": "*", "group": "*"}}})
    assert review["status"] == {"allowed": True, "reason": 'RBAC: allowed by ClusterRoleBinding "cluster-admin" '
                                                           'of ClusterRole "cluster-admin" to Group "system:masters"'}
    assert review["kind"] == "SelfSubjectAccessReview" and review["metadata"] == {"creationTimestamp": None}
    assert can_i(plane.admin, "delete", "nodes", namespace="")


def test_anyone_authenticated_may_ask_about_themselves_but_not_about_others(plane):
    nobody = plane.service_account("default", "nobody")  # no bindings at all
    assert can_i(nobody, "list", "pods") is False        # system:basic-user lets it ask
    question = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"user": "system:serviceaccount:default:nobody",
                         "groups": ["system:serviceaccounts", "system:authenticated"],
                         "resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}}}
    with pytest.raises(ApiError) as refused:
        nobody._call("create", "subjectaccessreviews", body=question)
    assert refused.value.message == ('subjectaccessreviews.authorization.k8s.io is forbidden: User '
                                     '"system:serviceaccount:default:nobody" cannot create resource '
                                     '"subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope')
    answer = plane.admin._call("create", "subjectaccessreviews", body=question)
    assert answer["status"] == {"allowed": False}
    assert plane.snapshot() == plane.snapshot()  # reviews are answered, never stored


def test_non_resource_urls_follow_the_discovery_roles(plane):
    chain = plane.apiserver.chain
    reader = plane.service_account("default", "reader")
    assert chain.authorize_path(reader.token, "get", "/version").name == "system:serviceaccount:default:reader"
    assert chain.authorize_path(reader.token, "get", "/apis/apps/v1")
    with pytest.raises(ApiError) as refused:
        chain.authorize_path(reader.token, "get", "/metrics")
    assert refused.value.status["message"] == ('forbidden: User "system:serviceaccount:default:reader" '
                                               'cannot get path "/metrics"')
    with pytest.raises(ApiError) as anonymous:
        chain.authorize_path("", "get", "/version")
    assert anonymous.value.code == 401


def test_the_admin_may_ask_as_someone_else_and_others_may_not(plane):
    """`kubectl auth can-i list pods --as=system:serviceaccount:default:reader` (impersonation)."""
    from kubelab.apiserver import Request
    reader = plane.service_account("default", "reader")
    plane.admin.create("roles", ROLE)
    plane.admin.create("rolebindings", BINDING)

    def ask(token, verb, **impersonation):
        request = Request("create", "selfsubjectaccessreviews", credentials=token, body={
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"namespace": "default", "verb": verb, "resource": "pods"}}},
            **impersonation)
        return plane.transport.request(request)["status"]["allowed"]

    as_reader = {"impersonate_user": "system:serviceaccount:default:reader"}
    assert ask(plane.credentials.admin, "list", **as_reader) is True
    assert ask(plane.credentials.admin, "delete", **as_reader) is False
    assert ask(plane.credentials.admin, "delete") is True  # without --as: the admin itself
    assert plane.apiserver.chain.records[-2].steps[0].detail.endswith("impersonated by kubernetes-admin")
    with pytest.raises(ApiError) as refused:
        ask(reader.token, "list", impersonate_user="kubernetes-admin", impersonate_groups=["system:masters"])
    assert refused.value.message == ('users "kubernetes-admin" is forbidden: User "system:serviceaccount:default:'
                                     'reader" cannot impersonate resource "users" in API group "" at the cluster scope')


def test_can_i_list_shows_every_rule_held_in_the_namespace(plane):
    """`kubectl auth can-i --list`: a SelfSubjectRulesReview."""
    reader = plane.service_account("default", "reader")
    plane.admin.create("roles", ROLE)
    plane.admin.create("rolebindings", BINDING)
    answer = reader._call("create", "selfsubjectrulesreviews", body={
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": {"namespace": "default"}})
    rules = answer["status"]["resourceRules"]
    assert {"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["pods"]} in rules
    assert {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
            "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]} in rules  # system:basic-user
    assert {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"]} \
        in answer["status"]["nonResourceRules"]
    assert answer["status"]["incomplete"] is False
    elsewhere = reader._call("create", "selfsubjectrulesreviews", body={
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": {"namespace": "kube-system"}})
    assert {"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["pods"]} \
        not in elsewhere["status"]["resourceRules"]
