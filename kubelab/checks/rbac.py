"""Checks for lesson 02 (the API server): RBAC.

ex 2.2 — least privilege. The learner writes `reader_policy()`: the manifests (a Role and a
RoleBinding, as dicts or one YAML text) that let the service account `default/reader` list,
get and watch pods in the namespace `default` — and nothing else. The check applies them
as the admin on a fresh, secured control plane, then asks as the reader both ways: with
SelfSubjectAccessReviews (`kubectl auth can-i`) and with real requests, which must agree.
"""
from __future__ import annotations

import yaml

from ..client import ApiError
from .errors import ExerciseNotDone, ExerciseWrong

MUST = [("list", "pods"), ("get", "pods"), ("watch", "pods")]
MUST_NOT = [("delete", "pods"), ("create", "pods"), ("update", "pods"), ("patch", "pods"),
            ("list", "secrets"), ("list", "deployments", "apps"), ("create", "rolebindings", "rbac.authorization.k8s.io")]


def _manifests(policy) -> list[dict]:
    if isinstance(policy, str):
        return [doc for doc in yaml.safe_load_all(policy) if doc]
    return list(policy) if isinstance(policy, (list, tuple)) else [policy]


def _control_plane():
    """A secured API server (tokens, RBAC), an admin client, and a token for default/reader."""
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
    for name in ("default", "reader"):
        admin.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                         "metadata": {"name": name, "namespace": "default"}})
    reader = admin.for_component("reader", admin.request_token("reader", "default")["status"]["token"])
    return admin, reader


def check_reader_policy(reader_policy) -> str:
    """Apply the learner's Role and RoleBinding; the reader may read pods in default, nothing more."""
    try:
        manifests = _manifests(reader_policy())
    except NotImplementedError as gap:
        raise ExerciseNotDone(f"ex 2.2 is not solved yet ({gap}): write reader_policy() — return the "
                              "YAML of a Role (get, list, watch on pods) and a RoleBinding that gives "
                              "it to the service account reader in default.") from None
    kinds = sorted(m.get("kind", "?") for m in manifests if isinstance(m, dict))
    if "RoleBinding" not in kinds or not {"Role", "ClusterRole"} & set(kinds):
        raise ExerciseWrong(f"expected a Role and a RoleBinding, got {kinds}: a role says what may be "
                            "done, a binding says who may do it.")
    if "ClusterRoleBinding" in kinds:
        raise ExerciseWrong("a ClusterRoleBinding grants in every namespace: use a RoleBinding in default.")
    admin, reader = _control_plane()
    for manifest in manifests:
        resource = {"Role": "roles", "RoleBinding": "rolebindings", "ClusterRole": "clusterroles"}[manifest["kind"]]
        try:
            admin.create(resource, manifest, "default")
        except ApiError as error:
            raise ExerciseWrong(f"the API server refused your {manifest['kind']}: {error.message}") from None
    for verb, resource, *group in MUST:
        if not reader.can_i(verb, resource, "default", *group):
            raise ExerciseWrong(f"the reader cannot {verb} {resource} in default. Check the binding's subject "
                                "(kind ServiceAccount, name reader, namespace default), its roleRef, and the "
                                f"rule: apiGroups [\"\"] (pods are in the core group), verbs including {verb}.")
    for verb, resource, *group in MUST_NOT:
        if reader.can_i(verb, resource, "default", *group):
            raise ExerciseWrong(f"the reader may {verb} {resource} too: grant only get, list and watch on pods.")
    if reader.can_i("list", "pods", "kube-system"):
        raise ExerciseWrong("the reader may list pods in kube-system as well: bind in default only.")
    reader.list("pods", "default")  # and the real requests agree with can-i
    try:
        reader.delete("pods", "anything", "default")
    except ApiError as error:
        if error.code != 403:
            raise ExerciseWrong(f"deleting a pod should be 403 Forbidden, got {error.code}.") from None
    return "✓ ex 2.2: the reader lists, gets and watches pods in default — and may do nothing else."
