"""Who is asking: the user an authenticator found behind a request's credentials.

Kubernetes has no User objects. A user is whatever an authenticator vouches for: a name, a
uid, groups and extra fields (k8s.io/apiserver/pkg/authentication/user.Info). Everything
after authentication — authorization, admission, the audit log — sees only this.

Names and groups with meaning to the system (upstream's constants):

    system:masters                 the group cluster-admin is bound to: may do anything
    system:authenticated           every user who presented valid credentials
    system:unauthenticated         anonymous requests (when allowed at all)
    system:serviceaccounts[:NS]    every service account [in namespace NS]
    system:nodes, system:node:NAME the kubelets, one user per node
    system:kube-scheduler, system:kube-controller-manager, system:kube-proxy
"""
from __future__ import annotations

from dataclasses import dataclass, field

SYSTEM_MASTERS = "system:masters"
ALL_AUTHENTICATED = "system:authenticated"
ALL_UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"
NODES_GROUP = "system:nodes"
NODE_PREFIX = "system:node:"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts"
KUBE_SCHEDULER = "system:kube-scheduler"
KUBE_CONTROLLER_MANAGER = "system:kube-controller-manager"
KUBE_PROXY = "system:kube-proxy"
APISERVER = "system:apiserver"


@dataclass(frozen=True)
class UserInfo:
    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def in_group(self, group: str) -> bool:
        return group in self.groups

    def to_dict(self) -> dict:
        """The shape of `status.userInfo` in a TokenReview / SelfSubjectReview."""
        out = {"username": self.name}
        if self.uid:
            out["uid"] = self.uid
        if self.groups:
            out["groups"] = list(self.groups)
        if self.extra:
            out["extra"] = {key: list(values) for key, values in self.extra.items()}
        return out


def authenticated(name: str, *groups: str, uid: str = "", extra: dict | None = None) -> UserInfo:
    """A user who proved who they are: `system:authenticated` is added, as upstream does."""
    return UserInfo(name, uid, (*groups, ALL_AUTHENTICATED), extra or {})


def service_account_username(namespace: str, name: str) -> str:
    return f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}"


def split_service_account(username: str) -> tuple[str, str] | None:
    """("kube-system", "replicaset-controller") for "system:serviceaccount:kube-system:replicaset-controller"."""
    if not username.startswith(SERVICE_ACCOUNT_PREFIX):
        return None
    namespace, _, name = username[len(SERVICE_ACCOUNT_PREFIX):].partition(":")
    return (namespace, name) if namespace and name else None


def node_name(user: UserInfo) -> str | None:
    """The node a kubelet's user speaks for ("node-1" for system:node:node-1), else None."""
    if user.in_group(NODES_GROUP) and user.name.startswith(NODE_PREFIX):
        return user.name[len(NODE_PREFIX):] or None
    return None


ANONYMOUS_USER = UserInfo(ANONYMOUS, "", (ALL_UNAUTHENTICATED,))
# The API server's own loopback identity (its internal requests, e.g. bootstrap objects).
APISERVER_USER = UserInfo(APISERVER, "", (SYSTEM_MASTERS, ALL_AUTHENTICATED))
