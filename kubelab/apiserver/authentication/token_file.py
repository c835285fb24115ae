"""Static bearer tokens: kube-apiserver's `--token-auth-file`, one line per user.

    token,user,uid,"group1,group2"

kubelab gives every component that is not a service account its credentials this way when a
cluster starts: the admin in the kubeconfig (group system:masters), each kubelet as
system:node:NAME (group system:nodes), the scheduler, the controller manager (for its
shared informers) and kube-proxy.

Real Kubernetes (kubeadm) gives those components X.509 client certificates signed by the
cluster CA instead — the user is the certificate's CN, the groups its O fields. kubelab
uses bearer tokens for them because a token needs no TLS to carry it, and the API server
sees the same user either way; what authentication produces is identical.
"""
from __future__ import annotations

import csv
import io
import random

from .user import UserInfo, authenticated


class StaticTokens:
    """A table of token → user, checked by exact match."""

    def __init__(self):
        self._users: dict[str, UserInfo] = {}  # token -> user

    def add(self, token: str, user: UserInfo) -> str:
        self._users[token] = user
        return token

    def issue(self, rng: random.Random, name: str, *groups: str) -> str:
        """A new random token for user `name` (kubeadm-style: 32 hex characters)."""
        token = "%032x" % rng.getrandbits(128)
        return self.add(token, authenticated(name, *groups, uid=name))

    def authenticate(self, token: str) -> UserInfo | None:
        return self._users.get(token)

    def to_csv(self) -> str:
        """The table as a --token-auth-file (what `kubelab up` writes for its API servers)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for token, user in self._users.items():
            groups = [g for g in user.groups if g != "system:authenticated"]
            writer.writerow([token, user.name, user.uid, ",".join(groups)] if groups else
                            [token, user.name, user.uid])
        return out.getvalue()

    @classmethod
    def from_csv(cls, text: str) -> "StaticTokens":
        tokens = cls()
        for row in csv.reader(io.StringIO(text)):
            if len(row) >= 3 and not row[0].startswith("#"):
                groups = [g for g in (row[3].split(",") if len(row) > 3 else []) if g]
                tokens.add(row[0], authenticated(row[1], *groups, uid=row[2]))
        return tokens
