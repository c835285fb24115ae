"""Impersonation: `kubectl --as=jane --as-group=dev` — act as another user, if allowed to.

After authenticating the caller, the API server looks for `Impersonate-User` and
`Impersonate-Group` headers. Each is checked like any request, with the verb `impersonate`:

    Impersonate-User: jane                               → impersonate users "jane"
    Impersonate-User: system:serviceaccount:NS:NAME      → impersonate serviceaccounts NAME in NS
    Impersonate-Group: dev                               → impersonate groups "dev"

If every check passes, the rest of the request runs as the impersonated user — that is how
an admin answers "what could jane do?" with `kubectl auth can-i --list --as=jane`, and how
the audit log still knows who really asked. cluster-admin may impersonate anyone; a role
needs the `impersonate` verb on users, groups or serviceaccounts to.

Real Kubernetes also impersonates uids and extra fields (`Impersonate-Uid`,
`Impersonate-Extra-*`); kubelab impersonates users and groups.
"""
from __future__ import annotations

from ...api import errors
from .user import (ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, SERVICE_ACCOUNTS_GROUP, UserInfo,
                   split_service_account)


def impersonate(requester: UserInfo, user: str, groups: list[str], may_impersonate) -> UserInfo:
    """The user to act as; raises 403 if `requester` may not impersonate them.

    `may_impersonate(requester, namespace, resource, name)` asks the authorizer (handler_chain.py
    passes it in; authentication comes before authorization and does not import it) and raises
    the 403 when the answer is no."""
    if not user:
        raise errors.bad_request(f"requested {groups} without impersonating a user")
    account = split_service_account(user)
    if account:
        may_impersonate(requester, account[0], "serviceaccounts", account[1])
    else:
        may_impersonate(requester, "", "users", user)
    for group in groups:
        may_impersonate(requester, "", "groups", group)
    implied = [SERVICE_ACCOUNTS_GROUP, f"{SERVICE_ACCOUNTS_GROUP}:{account[0]}"] if account else []
    everyone = ALL_UNAUTHENTICATED if user == ANONYMOUS else ALL_AUTHENTICATED
    return UserInfo(user, "", tuple(dict.fromkeys([*implied, *groups, everyone])),
                    {"authentication.kubernetes.io/impersonated-by": [requester.name]})
