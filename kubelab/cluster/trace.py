"""The trace: who did what to which object, in order — the story of a request, told by the API server.

Every write the API server accepts is recorded (like kube-apiserver's audit log, which is
how an operator answers "who changed this?" on a real cluster). Reading the trace after a
`kubectl apply` shows the chain of reactions: kubectl creates a Deployment, the deployment
controller creates a ReplicaSet, the replicaset controller creates Pods, the scheduler binds
them, each kubelet reports them running, the endpoints controller lists their IPs.

By default the trace leaves out Events, the kubelets' periodic node-status heartbeats and
the default RBAC policy the API server writes when it starts, which would drown the story;
`.table(everything=True)` shows them.

Each entry's `user` is the *authenticated* user — who the API server proved the caller to
be, never what the caller says it is. The WHO column names that user by the component
behind it, so the story stays readable:

    system:serviceaccount:kube-system:replicaset-controller   → replicaset-controller
    system:kube-scheduler                                      → kube-scheduler
    system:node:node-1                                         → kubelet/node-1
    system:apiserver                                           → kube-apiserver
    kubernetes-admin, system:serviceaccount:default:reader     → unchanged (people and apps)
"""
from __future__ import annotations

from ..api.request import TraceEntry

_COMPONENTS = {"system:kube-scheduler": "kube-scheduler",
               "system:kube-controller-manager": "kube-controller-manager",
               "system:kube-proxy": "kube-proxy", "system:apiserver": "kube-apiserver"}
_POLICY = ("clusterroles", "clusterrolebindings")


def who(user: str) -> str:
    """The component behind an authenticated user name (see the table above)."""
    if user in _COMPONENTS:
        return _COMPONENTS[user]
    if user.startswith("system:serviceaccount:kube-system:"):
        return user[len("system:serviceaccount:kube-system:"):]
    if user.startswith("system:node:"):
        return "kubelet/" + user[len("system:node:"):]
    return user


class Trace:
    """A read-only, sliceable view of the API server's trace, printed as a table."""

    def __init__(self, entries: list[TraceEntry], start: float):
        self.entries, self.start = entries, start

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Trace(self.entries[index], self.start)
        return self.entries[index]

    def __iter__(self):
        return iter(self.entries)

    def story(self, everything: bool = False) -> list[TraceEntry]:
        """The entries that tell the story (no events, no unchanged heartbeats)."""
        if everything:
            return list(self.entries)
        return [e for e in self.entries
                if e.resource != "events" and not (e.resource == "nodes" and e.verb == "update"
                                                   and not e.summary)
                and not (e.resource in _POLICY and e.user == "system:apiserver")]

    def table(self, everything: bool = False) -> str:
        rows = [("TIME", "WHO", "VERB", "OBJECT", "WHAT")]
        for entry in self.story(everything):
            rows.append((f"+{entry.time - self.start:.1f}s", who(entry.user), entry.verb, entry.target,
                         entry.summary))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        return "\n".join("   ".join(cell.ljust(width) for cell, width in zip(row[:4], widths)) +
                         ("   " + row[4] if row[4] else "") for row in rows).rstrip()

    def actors(self) -> list[str]:
        """Who wrote anything (as in the WHO column), in order of first appearance."""
        seen: list[str] = []
        for entry in self.story():
            if who(entry.user) not in seen:
                seen.append(who(entry.user))
        return seen

    def __repr__(self) -> str:
        return self.table()
