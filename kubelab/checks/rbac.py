"""Checks for lesson 02 (the API server): RBAC.

ex 2.2 — least privilege. The learner writes `reader_policy()`: the manifests (a Role and a
RoleBinding, as dicts or one YAML text) that let the service account `default/reader` list,
get and watch pods in the namespace `default` — and nothing else. The check applies them
as the admin on a fresh, secured control plane, then asks as the reader both ways: with
SelfSubjectAccessReviews (`kubectl auth can-i`) and with real requests, which must agree.
Over-broad answers are refused: a rule must name exactly the verbs, resources and API group
asked (no "*", no extra verb, no subresource), the binding must reach no other namespace and
no other subject (a second service account, `default/other`, must still be refused).
"""
from __future__ import annotations

import yaml

from ..client import ApiError
from .errors import ExerciseWrong
from .runner import attempt

TODO = ("write reader_policy() — return the YAML of a Role (get, list, watch on pods) and a RoleBinding "
        "that gives it to the service account reader in default.")
MUST = [("list", "pods"), ("get", "pods"), ("watch", "pods")]
# (verb, resource, group, subresource): each must be refused — a broader answer allows one.
MUST_NOT = [("delete", "pods"), ("create", "pods"), ("update", "pods"), ("patch", "pods"),
            ("deletecollection", "pods"), ("get", "pods", "", "log"), ("create", "pods", "", "exec"),
            ("list", "secrets"), ("list", "services"), ("list", "deployments", "apps"),
            ("list", "pods", "metrics.k8s.io"), ("create", "rolebindings", "rbac.authorization.k8s.io")]
ASKED = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}


def _manifests(policy) -> list[dict]:
    if isinstance(policy, str):
        return [doc for doc in yaml.safe_load_all(policy) if doc]
    return list(policy) if isinstance(policy, (list, tuple)) else [policy]


def _exact_rules(manifests: list[dict]) -> None:
    """Every rule of the learner's role grants exactly what was asked: nothing broader, nothing odd."""
    for manifest in manifests:
        if manifest.get("kind") not in ("Role", "ClusterRole"):
            continue
        for rule in manifest.get("rules") or []:
            for field, asked in ASKED.items():
                given = sorted(rule.get(field) or [])
                if given != sorted(asked):
                    raise ExerciseWrong(f"the rule's {field} is {given}; exactly {sorted(asked)} was asked "
                                        "(\"*\" or extra entries grant more than reading pods).")
            if rule.get("resourceNames"):
                raise ExerciseWrong("resourceNames limits the rule to named pods, and list/watch cannot be "
                                    "limited by name: leave it out.")


def _control_plane():
    """A secured API server (tokens, RBAC), an admin client, and tokens for default/reader and
    default/other (a second service account: the binding must not reach it)."""
    import random

    from ..apiserver import APIServer
    from ..client import Client, InProcessTransport
    from ..clock import VirtualClock
    from ..cluster.credentials import ClusterCredentials
    from ..store import MemoryStore
    clock = VirtualClock()
    apiserver = APIServer(MemoryStore(clock), clock, random.Random(0))
    apiserver.bootstrap()
    credentials = ClusterCredentials(apiserver, 0)
    admin = Client(InProcessTransport(apiserver), "kubectl", credentials.admin)
    for name in ("default", "reader", "other"):
        admin.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                         "metadata": {"name": name, "namespace": "default"}})
    reader = admin.for_component("reader", admin.request_token("reader", "default")["status"]["token"])
    other = admin.for_component("other", admin.request_token("other", "default")["status"]["token"])
    return admin, reader, other


def check_reader_policy(reader_policy) -> str:
    """Apply the learner's Role and RoleBinding; the reader may read pods in default, nothing more."""
    policy = attempt(reader_policy, exercise="ex 2.2", case="calling reader_policy()", todo=TODO)
    if policy is None or policy == "" or policy == []:
        raise ExerciseWrong("reader_policy() returned nothing: return the YAML (or dicts) of a Role and a "
                            "RoleBinding.")
    try:
        manifests = _manifests(policy)
    except yaml.YAMLError as error:
        raise ExerciseWrong(f"reader_policy() did not return valid YAML: {str(error).splitlines()[0]}") from None
    kinds = sorted(m.get("kind", "?") for m in manifests if isinstance(m, dict))
    if "ClusterRoleBinding" in kinds:
        raise ExerciseWrong("a ClusterRoleBinding grants in every namespace: use a RoleBinding in default.")
    if "RoleBinding" not in kinds or not {"Role", "ClusterRole"} & set(kinds):
        raise ExerciseWrong(f"expected a Role and a RoleBinding, got {kinds}: a role says what may be "
                            "done, a binding says who may do it.")
    _exact_rules([m for m in manifests if isinstance(m, dict)])
    admin, reader, other = _control_plane()
    for manifest in manifests:
        resource = {"Role": "roles", "RoleBinding": "rolebindings", "ClusterRole": "clusterroles"}.get(
            manifest.get("kind"))
        if resource is None:
            raise ExerciseWrong(f"only a Role and a RoleBinding were asked for, not a {manifest.get('kind')}.")
        try:
            admin.create(resource, manifest, (manifest.get("metadata") or {}).get("namespace") or "default")
        except ApiError as error:
            raise ExerciseWrong(f"the API server refused your {manifest['kind']}: {error.message}") from None
    for verb, resource, *group in MUST:
        if not reader.can_i(verb, resource, "default", *group):
            raise ExerciseWrong(f"the reader cannot {verb} {resource} in default. Check the binding's subject "
                                "(kind ServiceAccount, name reader, namespace default), its roleRef, and the "
                                f"rule: apiGroups [\"\"] (pods are in the core group), verbs including {verb}.")
    for verb, resource, group, subresource in (entry + ("", "")[len(entry) - 2:] for entry in MUST_NOT):
        if reader.can_i(verb, resource, "default", group, subresource=subresource):
            what = f"{resource}/{subresource}" if subresource else f"{resource}.{group}" if group else resource
            raise ExerciseWrong(f"the reader may {verb} {what} too: grant only get, list and watch on pods.")
    if other.can_i("list", "pods", "default"):
        raise ExerciseWrong("another service account (default/other) may list pods too: the binding's "
                            "subject must be the service account reader alone, not a group.")
    if reader.can_i("list", "pods", "kube-system"):
        raise ExerciseWrong("the reader may list pods in kube-system as well: bind in default only.")
    reader.list("pods", "default")  # and the real requests agree with can-i
    try:
        reader.delete("pods", "anything", "default")
    except ApiError as error:
        if error.code != 403:
            raise ExerciseWrong(f"deleting a pod should be 403 Forbidden, got {error.code}.") from None
    return "✓ ex 2.2: the reader lists, gets and watches pods in default — and may do nothing else."
